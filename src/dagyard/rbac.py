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

`plan_sync` compares that with what an Airflow API server has (through FAB's REST API,
`/auth/fab/v1`) and returns the changes; `apply_sync` makes them. Roles and accounts that are
not in the config are reported, never deleted.
"""

from __future__ import annotations

import json
import secrets as random
from collections.abc import Iterable
from typing import Any, NamedTuple

import httpx

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


# --- the FAB REST API --------------------------------------------------------------------


class FabApi:
    """The FAB auth manager's REST API (`/auth/fab/v1`) of one Airflow API server."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"{FAB_API}{path}", **kwargs)
        if response.status_code in (401, 403):
            raise RbacError(
                f"Airflow refused {method} {FAB_API}{path} ({response.status_code})",
                "log in with an account that has the Admin role",
            )
        if response.status_code == 404 and path in ("/roles", "/users"):
            raise RbacError(
                "this Airflow does not use the FAB auth manager (no /auth/fab/v1 API)",
                "rbac sync manages FAB roles; for Keycloak use `dagyard rbac sync --keycloak`",
            )
        if response.status_code >= 400:
            raise RbacError(
                f"Airflow answered {response.status_code} to {method} {path}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    def _pages(self, path: str, key: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("GET", path, params={"limit": 100, "offset": len(found)})
            found.extend(page[key])
            if not page[key] or len(found) >= page["total_entries"]:
                return found

    def roles(self) -> dict[str, set[tuple[str, str]]]:
        """Every role with its (action, resource) permissions."""
        return {
            role["name"]: {(p["action"]["name"], p["resource"]["name"]) for p in role["actions"]}
            for role in self._pages("/roles", "roles")
        }

    def users(self) -> dict[str, dict[str, Any]]:
        """Every user, keyed by lower-case username."""
        return {user["username"].lower(): user for user in self._pages("/users", "users")}

    def apply(self, change: Change) -> None:
        """Carry out one change."""
        if change.kind == "create-role":
            self._call("POST", "/roles", json=change.payload)
        elif change.kind == "update-role":
            self._call(
                "PATCH",
                f"/roles/{change.name}",
                params={"update_mask": "actions"},
                json=change.payload,
            )
        elif change.kind == "create-user":
            self._call("POST", "/users", json=change.payload)
        elif change.kind == "update-user":
            self._call(
                "PATCH",
                f"/users/{change.name}",
                params={"update_mask": "roles"},
                json=change.payload,
            )


def login(base_url: str, username: str, password: str) -> str:
    """A bearer token from Airflow's `POST /auth/token` (FAB: user name and password)."""
    response = httpx.post(
        f"{base_url.rstrip('/')}/auth/token",
        json={"username": username, "password": password},
        timeout=30,
    )
    if response.status_code in (400, 401, 403):
        raise RbacError(
            f"Airflow at {base_url} refused the login of {username!r}",
            "check the user name and password (DAGYARD_AIRFLOW_PASSWORD)",
        )
    response.raise_for_status()
    return response.json()["access_token"]


# --- plan and apply ----------------------------------------------------------------------


def _actions(pairs: Iterable[tuple[str, str]]) -> list[dict[str, dict[str, str]]]:
    return [
        {"action": {"name": action}, "resource": {"name": resource}}
        for action, resource in sorted(pairs)
    ]


def _show(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{action} on {resource}" for action, resource in sorted(pairs))


def plan_sync(config: Config, api: FabApi) -> list[Change]:
    """What must change on the server for it to match the config (no change made)."""
    check_config(config)
    current_roles = api.roles()
    changes: list[Change] = []
    for team in sorted(config.teams):
        name = team_role(team)
        wanted = set(team_permissions(config, team))
        if name not in current_roles:
            changes.append(
                Change(
                    "create-role",
                    name,
                    f"{len(wanted)} permissions",
                    {"name": name, "actions": _actions(wanted)},
                )
            )
            continue
        have = current_roles[name]
        per_dag = {p for p in have if p[1].startswith(PER_DAG_PREFIXES)}
        managed = have - per_dag
        if managed != wanted:
            added, removed = wanted - managed, managed - wanted
            detail = "; ".join(
                part
                for part in (
                    f"add {_show(added)}" if added else "",
                    f"remove {_show(removed)}" if removed else "",
                )
                if part
            )
            changes.append(
                Change(
                    "update-role",
                    name,
                    detail,
                    {"name": name, "actions": _actions(wanted | per_dag)},
                )
            )
    wanted_roles = {team_role(t) for t in config.teams}
    for name in sorted(set(current_roles) - wanted_roles - BUILTIN_ROLES):
        changes.append(Change("unmanaged-role", name, "not in dagyard.toml; left as it is"))

    current_users = api.users()
    for email, person in desired_people(config).items():
        user = current_users.get(email)
        if user is None:
            local, _, domain = email.partition("@")
            changes.append(
                Change(
                    "create-user",
                    email,
                    f"roles {', '.join(sorted(person.roles))}",
                    {
                        "username": email,
                        "email": email,
                        "first_name": local,
                        "last_name": domain,
                        "roles": [{"name": r} for r in sorted(person.roles)],
                        "password": random.token_urlsafe(18),
                    },
                )
            )
            continue
        have = {role["name"] for role in user.get("roles") or []}
        if have != set(person.roles):
            changes.append(
                Change(
                    "update-user",
                    user["username"],
                    f"roles {', '.join(sorted(have)) or '(none)'} -> "
                    f"{', '.join(sorted(person.roles))}",
                    {"roles": [{"name": r} for r in sorted(person.roles)]},
                )
            )
    for username in sorted(set(current_users) - set(desired_people(config))):
        roles = ", ".join(sorted(r["name"] for r in current_users[username].get("roles") or []))
        changes.append(
            Change(
                "unmanaged-user",
                current_users[username]["username"],
                f"not in dagyard.toml (roles {roles or 'none'}); left as it is",
            )
        )
    return changes


def apply_sync(api: FabApi, changes: list[Change]) -> dict[str, str]:
    """Apply the changes in order (roles first); return the first passwords of new accounts."""
    passwords: dict[str, str] = {}
    for change in sorted(changes, key=lambda c: not c.kind.endswith("role")):
        if not change.applies:
            continue
        api.apply(change)
        if change.kind == "create-user" and change.payload:
            passwords[change.name] = change.payload["password"]
    return passwords


def describe(change: Change) -> str:
    """One line of the diff: `+` create, `~` update, `?` only reported."""
    sign = {"create": "+", "update": "~"}.get(change.kind.split("-")[0], "?")
    what = change.kind.split("-")[-1]
    return f"{sign} {what} {change.name}: {change.detail}"


# --- Keycloak ----------------------------------------------------------------------------


def keycloak_realm(config: Config, realm: str, client_id: str, airflow_url: str) -> dict[str, Any]:
    """A Keycloak realm (partial import JSON): the Airflow client, one group per team.

    Client roles mirror the FAB roles (`Admin`, `Viewer`, `team-NAME`); each team is a group
    holding its role and members; admins and viewers are users with those roles. Users log in
    with their e-mail; no password is set (Keycloak sends the "update password" e-mail, or the
    realm federates an identity provider).
    """
    check_config(config)
    base = airflow_url.rstrip("/")
    roles = [
        {"name": ADMIN_ROLE, "description": "Everything, including users and connections"},
        {"name": VIEWER_ROLE, "description": "Read every DAG"},
    ] + [
        {
            "name": team_role(team),
            "description": f"Edit and run the DAGs of team {team}; "
            f"read those of {', '.join(readers_of(config, team)) or 'no other team'}",
        }
        for team in sorted(config.teams)
    ]
    groups = [
        {"name": team, "path": f"/{team}", "clientRoles": {client_id: [team_role(team)]}}
        for team in sorted(config.teams)
    ]
    users = []
    for email, person in desired_people(config).items():
        teams = sorted(t for t in config.teams if team_role(t) in person.roles)
        direct = sorted(r for r in person.roles if not r.startswith(TEAM_ROLE_PREFIX))
        user: dict[str, Any] = {
            "username": email,
            "email": email,
            "enabled": True,
            "emailVerified": False,
            "requiredActions": ["UPDATE_PASSWORD"],
            "groups": [f"/{t}" for t in teams],
        }
        if direct:
            user["clientRoles"] = {client_id: direct}
        users.append(user)
    return {
        "realm": realm,
        "enabled": True,
        "clients": [
            {
                "clientId": client_id,
                "name": "Apache Airflow",
                "protocol": "openid-connect",
                "publicClient": False,
                "standardFlowEnabled": True,
                "directAccessGrantsEnabled": True,
                "serviceAccountsEnabled": True,
                "authorizationServicesEnabled": True,
                "rootUrl": base,
                "baseUrl": base,
                "redirectUris": [f"{base}/*"],
                "webOrigins": [base],
                "attributes": {"post.logout.redirect.uris": f"{base}/*"},
            }
        ],
        "roles": {"client": {client_id: roles}},
        "groups": groups,
        "users": users,
    }


def keycloak_json(realm: dict[str, Any]) -> str:
    """The realm as the JSON text an admin imports (Realm settings -> Partial import)."""
    return json.dumps(realm, indent=2, sort_keys=False) + "\n"
