"""`dagyard rbac sync`: bring an Airflow API server's FAB roles and accounts in line with the model.

`plan_sync` compares the role model (`security.rbac`) with what the server has, through FAB's
REST API (`/auth/fab/v1`), and returns the changes; `apply_sync` makes them. Roles and accounts
that are not in the config are reported, never deleted.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Iterable
from typing import Any

import httpx

from dagyard.airflow_api import AirflowApi
from dagyard.config import Config
from dagyard.security.rbac import (
    BUILTIN_ROLES,
    FAB_API,
    PER_DAG_PREFIXES,
    Change,
    RbacError,
    check_config,
    desired_people,
    team_permissions,
    team_role,
)

# --- the FAB REST API --------------------------------------------------------------------


class FabApi(AirflowApi):
    """The FAB auth manager's REST API (`/auth/fab/v1`) of one Airflow API server."""

    error = RbacError

    def refused(self, method: str, path: str, status: int) -> RbacError:
        """Only an admin may manage roles and accounts."""
        return RbacError(
            f"Airflow refused {method} {path} ({status})",
            "log in with an account that has the Admin role",
        )

    def failed(self, method: str, path: str, response: httpx.Response) -> RbacError:
        """No FAB API at all, or another error answer."""
        if response.status_code == 404 and path in (f"{FAB_API}/roles", f"{FAB_API}/users"):
            return RbacError(
                "this Airflow does not use the FAB auth manager (no /auth/fab/v1 API)",
                "rbac sync manages FAB roles; for Keycloak use `dagyard rbac sync --keycloak`",
            )
        return super().failed(method, path, response)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, f"{FAB_API}{path}", **kwargs)

    def _pages(self, path: str, key: str) -> list[dict[str, Any]]:
        return list(self.pages(f"{FAB_API}{path}", key))

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
