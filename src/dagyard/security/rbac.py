"""RBAC as code: Airflow roles and per-person accounts from the teams in `dagyard.toml`.

The model, for the FAB auth manager:

- every team gets a role `team-NAME`: it may see the Airflow UI and read/run the sub-pages of
  DAGs (runs, task instances, logs), but no DAG as such: DAG access comes per DAG, from the
  DAG's `access_control`, which the dagyard cluster policy sets from the folder the file is in
  (`access_control_for`). The owning team may read, edit (pause, trigger, clear) and delete its
  DAGs; teams listed in another team's `can_read` (or `"*"`) may only read them.
- connections, variables, changing pools... are off unless a team lists them in `permissions`;
  so is creating asset events (`"create asset events"`), which starts every DAG scheduled on
  the asset, whoever owns it (FAB checks only the asset permission there).
- `[security] admins` get FAB's `Admin` role; `[security] viewers` get `Viewer` (read all).

This module is the model only, and imports no HTTP client: the cluster policy uses it at every
DAG parse. `rbac_sync` brings an Airflow API server in line with it; `rbac_keycloak` exports it
as a Keycloak realm.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dagyard.config import Config
from dagyard.errors import DagyardError

TEAM_ROLE_PREFIX = "team-"
ADMIN_ROLE = "Admin"
VIEWER_ROLE = "Viewer"
BUILTIN_ROLES = frozenset({"Admin", "Viewer", "User", "Op", "Public"})
FAB_API = "/auth/fab/v1"

DAGS = "DAGs"
DAG_RUNS = "DAG Runs"
# Per-DAG permissions (FAB's RESOURCE_DETAILS_MAP): what the owning team and readers get.
OWNER_DAG_ACCESS = {
    DAGS: {"can_read", "can_edit", "can_delete"},
    DAG_RUNS: {"can_read", "can_create", "can_delete", "menu_access"},
}
READER_DAG_ACCESS = {DAGS: {"can_read"}, DAG_RUNS: {"can_read"}}

# FAB's Viewer and User permissions without the ones on all DAGs ("can_read"/"can_edit"/
# "can_delete" on "DAGs"): sub-entities are still checked against the DAG's own permission.
TEAM_BASE_PERMISSIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("can_read", "DAG Dependencies"),
        ("can_read", "DAG Code"),
        ("can_read", "DAG Runs"),
        ("can_read", "DAG Versions"),
        ("can_read", "DAG Warnings"),
        ("can_read", "Assets"),
        ("can_read", "Asset Aliases"),
        ("can_read", "Backfills"),
        ("can_read", "Cluster Activity"),
        ("can_read", "Pools"),
        ("can_read", "ImportError"),
        ("can_read", "Jobs"),
        ("can_read", "My Password"),
        ("can_edit", "My Password"),
        ("can_read", "My Profile"),
        ("can_edit", "My Profile"),
        ("can_read", "SLA Misses"),
        ("can_read", "Task Instances"),
        ("can_read", "Task Logs"),
        ("can_read", "XComs"),
        ("can_read", "HITL Detail"),
        ("can_read", "Website"),
        ("menu_access", "Browse"),
        ("menu_access", "DAGs"),
        ("menu_access", "DAG Dependencies"),
        ("menu_access", "DAG Runs"),
        ("menu_access", "Assets"),
        ("menu_access", "Cluster Activity"),
        ("menu_access", "Docs"),
        ("menu_access", "Documentation"),
        ("menu_access", "Jobs"),
        ("menu_access", "SLA Misses"),
        ("menu_access", "Task Instances"),
        ("can_create", "Task Instances"),
        ("can_edit", "Task Instances"),
        ("can_delete", "Task Instances"),
        ("can_create", "DAG Runs"),
        ("can_edit", "DAG Runs"),
        ("can_delete", "DAG Runs"),
        ("can_edit", "HITL Detail"),
    }
)
# `permissions = ["read connections"]` in dagyard.toml -> FAB (action, resource).
VERBS = {"read": "can_read", "edit": "can_edit", "create": "can_create", "delete": "can_delete"}
RESOURCES = {
    "connections": "Connections",
    "variables": "Variables",
    "pools": "Pools",
    "configuration": "Configurations",
    "audit logs": "Audit Logs",
    "providers": "Providers",
    "plugins": "Plugins",
    "assets": "Assets",
    "asset events": "Assets",
    "xcoms": "XComs",
}
MENUS = {"Connections", "Variables", "Pools", "Configurations", "Providers", "Plugins"}
PER_DAG_PREFIXES = ("DAG:", "DAG Run:")


class RbacError(DagyardError):
    """RBAC cannot be planned or applied: `message` says what, `hint` what to do."""


class Person(NamedTuple):
    """One account as the config wants it."""

    email: str
    roles: frozenset[str]


class Change(NamedTuple):
    """One difference between the config and the server; `apply` says how to remove it."""

    kind: str  # create-role | update-role | create-user | update-user | unmanaged-*
    name: str
    detail: str
    payload: dict[str, Any] | None = None

    @property
    def applies(self) -> bool:
        """False for findings that are only reported (roles or users not in the config)."""
        return not self.kind.startswith("unmanaged")


def team_role(team: str) -> str:
    """The Airflow role of a team."""
    return f"{TEAM_ROLE_PREFIX}{team}"


def check_config(config: Config) -> None:
    """Config problems RBAC cannot work around (unknown teams in `can_read`)."""
    for name, team in config.teams.items():
        for other in team.can_read:
            if other != "*" and other not in config.teams:
                raise RbacError(
                    f'[teams.{name}] can_read names "{other}", which is not a team',
                    f'known teams: {", ".join(sorted(config.teams))}; use "*" for all teams',
                )


def readers_of(config: Config, owner: str) -> list[str]:
    """Teams (other than `owner`) allowed to read `owner`'s DAGs."""
    return sorted(
        name
        for name, team in config.teams.items()
        if name != owner and ("*" in team.can_read or owner in team.can_read)
    )


def access_control_for(config: Config, owner: str) -> dict[str, dict[str, set[str]]]:
    """The `access_control` of a DAG owned by team `owner` (role -> resource -> actions)."""
    access = {team_role(owner): {k: set(v) for k, v in OWNER_DAG_ACCESS.items()}}
    for reader in readers_of(config, owner):
        access[team_role(reader)] = {k: set(v) for k, v in READER_DAG_ACCESS.items()}
    return access


def team_permissions(config: Config, team: str) -> frozenset[tuple[str, str]]:
    """Global permissions of a team's role: the base set plus the team's `permissions`."""
    extra = set()
    for permission in config.teams[team].permissions:
        verb, _, thing = permission.strip().partition(" ")
        resource = RESOURCES[thing.strip()]
        extra.add((VERBS[verb], resource))
        if resource in MENUS:
            extra |= {("menu_access", resource), ("menu_access", "Admin")}
    return TEAM_BASE_PERMISSIONS | extra


def creates_asset_events(config: Config, team: str) -> bool:
    """True when the team's role may create asset events (which start asset-scheduled DAGs)."""
    return ("can_create", "Assets") in team_permissions(config, team)


def desired_people(config: Config) -> dict[str, Person]:
    """Every account the config asks for, with its roles, keyed by e-mail (the login)."""
    roles: dict[str, set[str]] = {}
    for name, team in config.teams.items():
        for member in team.members:
            roles.setdefault(member.lower(), set()).add(team_role(name))
    for admin in config.security.admins:
        roles.setdefault(admin.lower(), set()).add(ADMIN_ROLE)
    for viewer in config.security.viewers:
        roles.setdefault(viewer.lower(), set()).add(VIEWER_ROLE)
    return {email: Person(email, frozenset(r)) for email, r in sorted(roles.items())}
