"""`dagyard rbac sync --keycloak`: the role model (`security.rbac`) as a Keycloak realm export."""

from __future__ import annotations

import json
from typing import Any

from dagyard.config import Config
from dagyard.security.rbac import (
    ADMIN_ROLE,
    TEAM_ROLE_PREFIX,
    VIEWER_ROLE,
    check_config,
    desired_people,
    readers_of,
    team_role,
)


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
