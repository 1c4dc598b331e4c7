"""RBAC on a real Airflow 3 API server with the FAB auth manager over a real metadata DB.

One server for the module (`fab_server`): `airflow db migrate`, a bootstrap admin,
`airflow api-server`, then `dagyard rbac sync` creates the team roles and personal accounts,
and `airflow dags reserialize` parses every DAG through the dagyard cluster policy, which
writes each DAG's `access_control` into FAB's tables. Every person logs in (`POST
/auth/token`) and tries things; each attempt is counted (see docs/security.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from fab_server import Server, fab_server

from dagyard.config import load_config
from support import REPO, copy_example_repo

ADMIN = "boss@example.com"
LAKE = "lake-lead@example.com"
MART = "mart-lead@example.com"
PLATFORM = "platform-lead@example.com"
LAKE_DAGS = ["ingest_rental_events", "public_holidays", "sync_vehicle_catalog"]
MART_DAG = "daily_revenue_mart"
PLATFORM_DAG = "table_freshness"
VIEWER = "cto@example.com"

SECURITY = f"""
[security]
admins = ["{ADMIN}"]
viewers = ["{VIEWER}"]
"""


def _edit_config(project: Path) -> None:
    text = (project / "dagyard.toml").read_text()
    # mart may read lake's DAGs; platform may read connections.
    text = text.replace(
        'slack_channel = "#mart-alerts"', 'slack_channel = "#mart-alerts"\ncan_read = ["lake"]'
    )
    text = text.replace(
        'slack_channel = "#platform-alerts"',
        'slack_channel = "#platform-alerts"\npermissions = ["read connections"]',
    )
    (project / "dagyard.toml").write_text(text + SECURITY)
    config = load_config(project)
    assert config.teams["mart"].can_read == ["lake"]
    assert config.teams["platform"].permissions == ["read connections"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = copy_example_repo(tmp_path_factory.mktemp("rbac") / "dag-repo")
    _edit_config(project)
    with fab_server(project) as srv:
        yield srv


class Attempt(NamedTuple):
    person: str
    what: str
    status: int


class Recorder:
    """Every request a person makes in the permission test, with its answer."""

    def __init__(self, server: Server):
        self.server = server
        self.attempts: list[Attempt] = []
        self._clients: dict[str, httpx.Client] = {}

    def call(self, person: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if person not in self._clients:
            self._clients[person] = self.server.client(person)
        response = self._clients[person].request(method, path, **kwargs)
        self.attempts.append(Attempt(person, f"{method} {path}", response.status_code))
        return response

    def denied(self, person: str, method: str, path: str, **kwargs: Any) -> None:
        response = self.call(person, method, path, **kwargs)
        assert response.status_code == 403, f"{person} {method} {path}: {response.status_code}"

    def allowed(self, person: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.call(person, method, path, **kwargs)
        assert response.status_code in (200, 201, 204), (
            f"{person} {method} {path}: {response.status_code} {response.text[:300]}"
        )
        return response


def _snapshot(admin: httpx.Client) -> dict[str, Any]:
    """Everything a denied attempt could have changed, read by the admin."""
    dags = admin.get("/api/v2/dags", params={"limit": 100}).json()["dags"]
    return {
        "dags": {d["dag_id"]: d["is_paused"] for d in dags},
        "runs": {
            d["dag_id"]: admin.get(f"/api/v2/dags/{d['dag_id']}/dagRuns").json()["total_entries"]
            for d in dags
        },
        "connections": sorted(
            c["connection_id"] for c in admin.get("/api/v2/connections").json()["connections"]
        ),
        "variables": sorted(
            (v["key"], v["value"]) for v in admin.get("/api/v2/variables").json()["variables"]
        ),
        "pools": sorted(p["name"] for p in admin.get("/api/v2/pools").json()["pools"]),
    }


def _dag_ids(response: httpx.Response) -> list[str]:
    return sorted(d["dag_id"] for d in response.json()["dags"])


def test_people_can_do_what_their_team_may_and_nothing_else(server: Server) -> None:
    rec = Recorder(server)
    admin = server.client(ADMIN)
    rec.allowed(ADMIN, "POST", "/api/v2/connections", json={
        "connection_id": "warehouse", "conn_type": "postgres", "host": "db", "password": "pw",
    })  # fmt: skip
    rec.allowed(ADMIN, "POST", "/api/v2/variables", json={"key": "limit", "value": "10"})
    before = _snapshot(admin)
    assert set(before["dags"]) >= {*LAKE_DAGS, MART_DAG, PLATFORM_DAG}

    # --- denied: every one must answer 403 and change nothing --------------------------
    for dag in (MART_DAG, PLATFORM_DAG):  # a lake member on other teams' DAGs
        rec.denied(LAKE, "GET", f"/api/v2/dags/{dag}")
        rec.denied(LAKE, "GET", f"/api/v2/dags/{dag}/dagRuns")
        rec.denied(LAKE, "POST", f"/api/v2/dags/{dag}/dagRuns", json={"logical_date": None})
        rec.denied(LAKE, "PATCH", f"/api/v2/dags/{dag}", json={"is_paused": False})
        rec.denied(LAKE, "DELETE", f"/api/v2/dags/{dag}")
        rec.denied(LAKE, "POST", f"/api/v2/dags/{dag}/clearTaskInstances", json={"dry_run": False})
    for dag in LAKE_DAGS:  # mart may read lake's DAGs, not run or change them
        rec.denied(MART, "POST", f"/api/v2/dags/{dag}/dagRuns", json={"logical_date": None})
        rec.denied(MART, "PATCH", f"/api/v2/dags/{dag}", json={"is_paused": False})
        rec.denied(MART, "DELETE", f"/api/v2/dags/{dag}")
    rec.denied(MART, "GET", f"/api/v2/dags/{PLATFORM_DAG}")
    for person in (LAKE, MART):  # no connections or variables without a grant
        rec.denied(person, "GET", "/api/v2/connections")
        rec.denied(person, "GET", "/api/v2/connections/warehouse")
        rec.denied(person, "POST", "/api/v2/connections", json={
            "connection_id": "sneaky", "conn_type": "http",
        })  # fmt: skip
        rec.denied(person, "GET", "/api/v2/variables")
        rec.denied(person, "PATCH", "/api/v2/variables/limit", json={"key": "limit", "value": "0"})
        rec.denied(person, "POST", "/api/v2/pools", json={"name": "mine", "slots": 99})
        rec.denied(person, "GET", "/api/v2/eventLogs")
        rec.denied(person, "GET", "/auth/fab/v1/users")
        rec.denied(person, "POST", "/auth/fab/v1/roles", json={"name": "team-x", "actions": []})
    # platform was granted "read connections": reading yes, changing no.
    rec.denied(PLATFORM, "POST", "/api/v2/connections", json={
        "connection_id": "sneaky", "conn_type": "http",
    })  # fmt: skip
    rec.denied(PLATFORM, "DELETE", "/api/v2/connections/warehouse")
    rec.denied(PLATFORM, "GET", "/api/v2/variables")
    rec.denied(
        PLATFORM, "POST", f"/api/v2/dags/{LAKE_DAGS[0]}/dagRuns", json={"logical_date": None}
    )
    rec.denied(PLATFORM, "PATCH", "/auth/fab/v1/users/" + PLATFORM, params={"update_mask": "roles"},
               json={"roles": [{"name": "Admin"}]})  # fmt: skip
    # a viewer reads every DAG but runs and changes nothing.
    rec.denied(VIEWER, "POST", f"/api/v2/dags/{LAKE_DAGS[0]}/dagRuns", json={"logical_date": None})
    rec.denied(VIEWER, "PATCH", f"/api/v2/dags/{MART_DAG}", json={"is_paused": False})
    rec.denied(VIEWER, "GET", "/api/v2/connections")

    denied = [a for a in rec.attempts if a.status == 403]
    assert _snapshot(admin) == before, "a denied attempt changed something"

    # --- allowed ------------------------------------------------------------------------
    assert _dag_ids(rec.allowed(LAKE, "GET", "/api/v2/dags")) == LAKE_DAGS
    assert _dag_ids(rec.allowed(MART, "GET", "/api/v2/dags")) == sorted([*LAKE_DAGS, MART_DAG])
    for dag in LAKE_DAGS:
        rec.allowed(LAKE, "GET", f"/api/v2/dags/{dag}")
        rec.allowed(MART, "GET", f"/api/v2/dags/{dag}")
        rec.allowed(MART, "GET", f"/api/v2/dags/{dag}/dagRuns")
    run = rec.allowed(LAKE, "POST", f"/api/v2/dags/{LAKE_DAGS[0]}/dagRuns",
                      json={"logical_date": None}).json()  # fmt: skip
    rec.allowed(LAKE, "PATCH", f"/api/v2/dags/{LAKE_DAGS[0]}", json={"is_paused": False})
    rec.allowed(LAKE, "PATCH", f"/api/v2/dags/{LAKE_DAGS[0]}", json={"is_paused": True})
    rec.allowed(LAKE, "GET", f"/api/v2/dags/{LAKE_DAGS[0]}/dagRuns/{run['dag_run_id']}")
    rec.allowed(LAKE, "POST", f"/api/v2/dags/{LAKE_DAGS[0]}/clearTaskInstances",
                json={"dry_run": True})  # fmt: skip
    rec.allowed(MART, "POST", f"/api/v2/dags/{MART_DAG}/dagRuns", json={"logical_date": None})
    rec.allowed(PLATFORM, "GET", "/api/v2/connections")
    rec.allowed(PLATFORM, "GET", "/api/v2/connections/warehouse")
    rec.allowed(ADMIN, "POST", f"/api/v2/dags/{MART_DAG}/dagRuns", json={"logical_date": None})
    rec.allowed(ADMIN, "PATCH", f"/api/v2/dags/{PLATFORM_DAG}", json={"is_paused": False})
    rec.allowed(ADMIN, "GET", "/api/v2/variables")
    rec.allowed(ADMIN, "GET", "/api/v2/eventLogs")
    assert _dag_ids(rec.allowed(VIEWER, "GET", "/api/v2/dags")) == sorted(before["dags"])

    after = _snapshot(admin)
    assert after["runs"][LAKE_DAGS[0]] == before["runs"][LAKE_DAGS[0]] + 1
    assert after["runs"][MART_DAG] == before["runs"][MART_DAG] + 2
    assert after["dags"][PLATFORM_DAG] is False

    # The counts are quoted in docs/security.md; keep the two in step.
    total, refused = len(rec.attempts), len(denied)
    assert all(a.status != 403 for a in rec.attempts[len(denied) + 2 :])
    docs = (REPO / "docs" / "security.md").read_text()
    match = re.search(r"makes (\d+) requests as six people; (\d+) of them are refused", docs)
    assert match, "docs/security.md must state the counts of the RBAC test"
    assert (int(match[1]), int(match[2])) == (total, refused), (total, refused)


def test_sync_is_idempotent_and_reports_what_it_does_not_manage(server: Server) -> None:
    admin = server.client(ADMIN)
    legacy = admin.post("/auth/fab/v1/roles", json={"name": "legacy-shared", "actions": []})
    assert legacy.status_code in (200, 201), legacy.text
    result = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin", "--dry-run")
    out = " ".join(result.stdout.split())
    assert result.returncode == 0, result.stderr
    assert "Nothing to change" in out
    assert "? role legacy-shared: not in dagyard.toml; left as it is" in out
    assert "? user admin: not in dagyard.toml (roles Admin); left as it is" in out
    assert admin.get("/auth/fab/v1/roles/legacy-shared").status_code == 200

    # Someone widened a team role by hand: sync puts it back, and keeps per-DAG permissions.
    role = admin.get("/auth/fab/v1/roles/team-lake").json()
    per_dag = [a for a in role["actions"] if a["resource"]["name"].startswith("DAG:")]
    assert per_dag, "the policy's access_control did not reach FAB"
    widened = role["actions"] + [
        {"action": {"name": "can_read"}, "resource": {"name": "Connections"}}
    ]
    patched = admin.patch(
        "/auth/fab/v1/roles/team-lake",
        params={"update_mask": "actions"},
        json={"name": "team-lake", "actions": widened},
    )
    assert patched.status_code == 200, patched.text
    dry = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin", "--dry-run")
    assert "~ role team-lake: remove can_read on Connections" in " ".join(dry.stdout.split())
    assert _has(admin, "team-lake", ("can_read", "Connections")), "dry run changed the role"
    real = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin")
    assert real.returncode == 0, real.stderr
    assert not _has(admin, "team-lake", ("can_read", "Connections"))
    kept = admin.get("/auth/fab/v1/roles/team-lake").json()["actions"]
    assert all(a in kept for a in per_dag)
    again = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin")
    assert "Nothing to change" in again.stdout


def _has(admin: httpx.Client, role: str, permission: tuple[str, str]) -> bool:
    actions = admin.get(f"/auth/fab/v1/roles/{role}").json()["actions"]
    return permission in {(a["action"]["name"], a["resource"]["name"]) for a in actions}


def test_new_member_appears_only_after_a_real_sync(server: Server) -> None:
    """A newcomer is created and a person joining a second team gets its role, on a real run."""
    config_file = server.project / "dagyard.toml"
    original = config_file.read_text()
    config_file.write_text(
        original.replace('members = ["mart-lead@example.com"]',
                         f'members = ["mart-lead@example.com", "new.analyst@example.com", '
                         f'"{PLATFORM}"]')
        .replace("[security]\n", f'[security]\npersonal_accounts = ["{PLATFORM}"]\n')
    )  # fmt: skip
    try:
        admin = server.client(ADMIN)
        dry = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin", "--dry-run")
        assert "+ user new.analyst@example.com: roles team-mart" in dry.stdout
        assert f"~ user {PLATFORM}: roles team-platform -> team-mart, team-platform" in dry.stdout
        assert admin.get("/auth/fab/v1/users/new.analyst@example.com").status_code == 404
        assert _roles(admin, PLATFORM) == {"team-platform"}
        real = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin")
        assert real.returncode == 0, real.stderr
        assert "new-accounts.yaml" in real.stdout
        password = server.passwords()["new.analyst@example.com"]
        assert password not in real.stdout + real.stderr
        newcomer = server.client("new.analyst@example.com")
        assert _dag_ids(newcomer.get("/api/v2/dags")) == sorted([*LAKE_DAGS, MART_DAG])
        assert _roles(admin, PLATFORM) == {"team-mart", "team-platform"}
        both = server.client(PLATFORM)
        assert both.post(f"/api/v2/dags/{MART_DAG}/dagRuns", json={"logical_date": None}).is_success
        mode = (server.project / ".dagyard/secrets/new-accounts.yaml").stat().st_mode & 0o777
        assert mode == 0o600
    finally:
        config_file.write_text(original)


def _roles(admin: httpx.Client, username: str) -> set[str]:
    return {role["name"] for role in admin.get(f"/auth/fab/v1/users/{username}").json()["roles"]}


def test_sync_refuses_wrong_credentials_plainly(server: Server) -> None:
    result = server.dagyard("rbac", "sync", "--url", server.url, "--user", "admin",
                            password="wrong")  # fmt: skip
    assert result.returncode == 1
    assert "refused the login of 'admin'" in " ".join(result.stderr.split())


def test_audit_shows_who_did_what(server: Server) -> None:
    lake = server.client(LAKE)
    dag = LAKE_DAGS[1]
    assert lake.post(f"/api/v2/dags/{dag}/dagRuns", json={"logical_date": None}).status_code == 200
    assert lake.patch(f"/api/v2/dags/{dag}", json={"is_paused": False}).status_code == 200
    result = server.dagyard(
        "audit", "--url", server.url, "--login", "admin", "--dag", dag, "--user", LAKE,
        "--since", "1h",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if LAKE in line]
    events = [line.split()[3] for line in lines]
    assert events[:2] == ["patch_dag", "trigger_dag_run"], result.stdout
    assert all(dag in line for line in lines)
    other = server.dagyard("audit", "--url", server.url, "--login", "admin", "--user", MART,
                           "--dag", dag)  # fmt: skip
    assert other.returncode == 0 and "No audit entries" in other.stdout

    # A team member has no audit permission: a plain refusal, exit 1.
    denied = server.dagyard("audit", "--url", server.url, "--login", LAKE,
                            password=server.passwords()[LAKE])  # fmt: skip
    assert denied.returncode == 1
    assert "refused to show the audit log (403)" in " ".join(denied.stderr.split())
