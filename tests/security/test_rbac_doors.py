"""Attacks: a member of team lake tries every door to make team mart's DAGs run, and to see
the ids of DAGs lake may not read. Then every cell of the permission tables in
docs/security.md is checked against the same real server.

Real Airflow 3.3.2 API server with the FAB auth manager and a scheduler, once on SQLite and
once on PostgreSQL. "Nothing queued" is read by the admin from the same API: the runs of every
mart DAG, the DAGs' pause flags, backfills, asset events queued for a consumer (the queue the
scheduler turns into runs) and the state of a run's task instances. A granted team's asset
event, which does queue a run that the scheduler then starts, shows that the check can see
one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fab_server import Server, fab_server, postgres_database, scheduler

from dagyard.security import rbac_table
from support import REPO, copy_example_repo

pytestmark = pytest.mark.timeout(900)

ADMIN = "boss@example.com"
VIEWER = "cto@example.com"
LAKE = "lake-lead@example.com"
MART = "mart-lead@example.com"
PLATFORM = "platform-lead@example.com"
LAKE_DAG = "ingest_rental_events"
MART_DAG = "daily_revenue_mart"
CONSUMER = "mart_on_rentals"  # team mart, scheduled on asset rental_events
HIDDEN = ("daily_revenue_mart", "mart_on_rentals", "table_freshness", "failure_digest")
GRANTS = [row.grant for row in rbac_table.GLOBAL_ROWS if row.grant]

CONSUMER_FILE = """\
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset

with DAG(
    dag_id="mart_on_rentals",
    schedule=Asset("rental_events"),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_mart"],
    default_args={"owner": "mart-lead@example.com", "retries": 1},
):
    EmptyOperator(task_id="build", outlets=[Asset("revenue_table")])
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Server]:
    project = copy_example_repo(tmp_path_factory.mktemp(f"doors-{request.param}") / "dag-repo")
    text = (project / "dagyard.toml").read_text()
    text = text.replace(
        'slack_channel = "#mart-alerts"', 'slack_channel = "#mart-alerts"\ncan_read = ["lake"]'
    ).replace(
        'slack_channel = "#platform-alerts"',
        f'slack_channel = "#platform-alerts"\npermissions = {GRANTS!r}'.replace("'", '"'),
    )
    text += f'\n[security]\nadmins = ["{ADMIN}"]\nviewers = ["{VIEWER}"]\n'
    (project / "dagyard.toml").write_text(text)
    (project / "dags" / "data_mart" / "mart_on_rentals.py").write_text(CONSUMER_FILE)
    if request.param == "sqlite":
        with fab_server(project) as srv, scheduler(srv):
            yield srv
    else:
        with (
            postgres_database("rbac_doors_") as url,
            fab_server(project, url) as srv,
            scheduler(srv),
        ):
            yield srv


def _asset_id(admin: httpx.Client, name: str) -> int:
    assets = admin.get("/api/v2/assets", params={"name_pattern": name}).json()["assets"]
    return next(a["id"] for a in assets if a["name"] == name)


def _runs(admin: httpx.Client, dag: str, run_type: str) -> list[dict[str, Any]]:
    runs = admin.get(f"/api/v2/dags/{dag}/dagRuns").json()["dag_runs"]
    return [run for run in runs if run["run_type"] == run_type]


def _queued(admin: httpx.Client) -> dict[str, Any]:
    """Everything that would make a mart DAG run, as the admin sees it."""
    state: dict[str, Any] = {}
    for dag in (MART_DAG, CONSUMER):
        runs = admin.get(f"/api/v2/dags/{dag}/dagRuns").json()["dag_runs"]
        state[f"{dag} runs"] = sorted((r["dag_run_id"], r["state"]) for r in runs)
        state[f"{dag} paused"] = admin.get(f"/api/v2/dags/{dag}").json()["is_paused"]
        backfills = admin.get("/api/v2/backfills", params={"dag_id": dag}).json()
        state[f"{dag} backfills"] = backfills["total_entries"]
        tis = admin.get(f"/api/v2/dags/{dag}/dagRuns/~/taskInstances").json()["task_instances"]
        state[f"{dag} task states"] = sorted(
            (t["dag_run_id"], t["task_id"], t["state"]) for t in tis
        )
    queued = admin.get(f"/api/v2/dags/{CONSUMER}/assets/queuedEvents")
    state["asset queue"] = queued.json()["queued_events"] if queued.status_code == 200 else []
    return state


def test_lake_cannot_make_a_mart_dag_run_by_any_door(server: Server) -> None:
    admin, lake = server.client(ADMIN), server.client(LAKE)
    assert admin.patch(f"/api/v2/dags/{CONSUMER}", json={"is_paused": False}).is_success
    run = admin.post(f"/api/v2/dags/{MART_DAG}/dagRuns", json={"logical_date": None}).json()
    run_id = run["dag_run_id"]
    assert admin.patch(
        f"/api/v2/dags/{MART_DAG}/dagRuns/{run_id}", json={"state": "failed"}
    ).is_success
    rentals, revenue = _asset_id(admin, "rental_events"), _asset_id(admin, "revenue_table")
    dates = {"from_date": "2024-01-01T00:00:00Z", "to_date": "2024-01-03T00:00:00Z"}
    doors: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/api/v2/dags/{MART_DAG}/dagRuns", {"json": {"logical_date": None}}),
        ("POST", "/api/v2/backfills", {"json": {"dag_id": MART_DAG, **dates}}),
        ("POST", "/api/v2/backfills/dry_run", {"json": {"dag_id": MART_DAG, **dates}}),
        ("POST", f"/api/v2/dags/{MART_DAG}/clearTaskInstances", {"json": {"dry_run": False}}),
        ("POST", f"/api/v2/dags/{MART_DAG}/dagRuns/{run_id}/clear", {"json": {"dry_run": False}}),
        ("POST", f"/api/v2/dags/{MART_DAG}/clearDagRuns",
         {"json": {"dry_run": False, "dag_runs": [{"dag_run_id": run_id}]}}),
        ("POST", f"/api/v2/dags/{MART_DAG}/clearPartitions",
         {"json": {"dry_run": False, "run_id": run_id, "clear_task_instances": True}}),
        ("POST", "/api/v2/dags/~/clearDagRuns",
         {"json": {"dry_run": False, "dag_runs": [{"dag_id": MART_DAG, "dag_run_id": run_id}]}}),
        ("PATCH", f"/api/v2/dags/{MART_DAG}/dagRuns/{run_id}", {"json": {"state": "queued"}}),
        ("PATCH", "/api/v2/dags/~/dagRuns", {"json": {"actions": [{"action": "update",
         "entities": [{"dag_id": MART_DAG, "dag_run_id": run_id, "state": "queued"}]}]}}),
        ("PATCH", f"/api/v2/dags/{MART_DAG}", {"json": {"is_paused": False}}),
        ("PATCH", "/api/v2/dags", {"params": {"dag_id_pattern": MART_DAG},
                                   "json": {"is_paused": False}}),
        ("POST", "/api/v2/assets/events", {"json": {"asset_id": rentals}}),
        ("POST", f"/api/v2/assets/{revenue}/materialize", {"json": {}}),
    ]  # fmt: skip
    before = _queued(admin)
    answers = {}
    for method, path, kwargs in doors:
        answers[f"{method} {path}"] = lake.request(method, path, **kwargs).status_code
    # The task execution API only takes tokens Airflow gives running tasks, not a person's.
    execution = lake.post(
        f"/execution/dag-runs/{MART_DAG}/sneaky", json={"logical_date": None}
    ).status_code
    assert answers == {door: 403 for door in answers}, answers
    assert execution in (401, 403), execution
    assert _queued(admin) == before, "a refused request changed or queued something"

    # A team granted "create asset events" still cannot materialize mart's asset: that
    # needs the run permission on the DAG producing it.
    platform = server.client(PLATFORM)
    materialize = platform.post(f"/api/v2/assets/{revenue}/materialize", json={})
    assert materialize.status_code == 403, materialize.text
    assert _queued(admin) == before

    # The same asset event from a team granted "create asset events" does queue a run:
    # the door is real, and the check above would have seen it.
    assert platform.post("/api/v2/assets/events", json={"asset_id": rentals}).status_code == 200
    queued = _queued(admin)["asset queue"]
    assert [q["dag_id"] for q in queued] == [CONSUMER]
    # ...and the running scheduler turns it into a run, as it would have any refused attempt.
    deadline = time.monotonic() + 120
    while not (runs := _runs(admin, CONSUMER, "asset_triggered")):
        assert time.monotonic() < deadline, "the scheduler started no run from the asset event"
        time.sleep(0.5)
    assert len(runs) == 1 and before[f"{CONSUMER} runs"] == []

    # Own DAGs through the bulk pause endpoint: refused too (it needs edit on every DAG).
    own = lake.patch("/api/v2/dags", params={"dag_id_pattern": LAKE_DAG}, json={"is_paused": False})
    assert own.status_code == 403
    assert admin.get(f"/api/v2/dags/{LAKE_DAG}").json()["is_paused"] is True

    count = len(doors) + 2  # and the execution API, and materialize by a granted team
    docs = " ".join((REPO / "docs" / "security.md").read_text().split())
    match = re.search(r"tries (\d+) doors to start a run of team mart's DAGs", docs)
    assert match and int(match[1]) == count, count


# Read endpoints a member may call; none may show the id of a DAG the member cannot read,
# except those the guide lists as showing them (assets: their producers and consumers).
READS = [
    "/api/v2/dags", "/api/v2/dags/~/dagRuns", "/api/v2/dags/~/dagRuns/~/taskInstances",
    "/api/v2/dagStats", "/api/v2/dagWarnings", "/api/v2/importErrors", "/api/v2/dagTags",
    "/api/v2/dags/~/dagRuns/~/taskInstances/~/xcomEntries", f"/api/v2/backfills?dag_id={MART_DAG}",
    "/api/v2/dags/~/dagVersions", "/ui/dags", "/ui/dependencies", "/ui/dashboard/dag_stats",
    "/api/v2/assets/{rentals}/queuedEvents", "/api/v2/assets/{rentals}", "/api/v2/jobs",
    "/api/v2/pools",
    "/ui/dashboard/historical_metrics_data",
    "/api/v2/assets", "/api/v2/assets/events", "/api/v2/assets/aliases",
    f"/api/v2/dags/{MART_DAG}", f"/api/v2/dags/{MART_DAG}/details",
    f"/api/v2/dagSources/{MART_DAG}", f"/api/v2/dags/{MART_DAG}/dagRuns",
    f"/ui/structure/structure_data?dag_id={MART_DAG}", f"/ui/grid/runs/{MART_DAG}",
    f"/ui/next_run_assets/{CONSUMER}", f"/api/v2/dags/{CONSUMER}/assets/queuedEvents",
]  # fmt: skip
# assets list their producing and consuming DAGs; asset events the runs they started
SHOWS_DAG_IDS = {"/api/v2/assets", "/api/v2/assets/{rentals}", "/api/v2/assets/events"}


def test_lake_sees_no_mart_or_platform_dag_id(server: Server) -> None:
    lake, admin = server.client(LAKE), server.client(ADMIN)
    rentals = _asset_id(admin, "rental_events")
    # Mart's consumer has run from an asset event, so every page has mart ids it could show.
    assert admin.patch(f"/api/v2/dags/{CONSUMER}", json={"is_paused": False}).is_success
    if not _runs(admin, CONSUMER, "asset_triggered"):
        assert admin.post("/api/v2/assets/events", json={"asset_id": rentals}).is_success
    # Airflow 3.3.2 answers 500 to GET /assets/events while a run an event created has no
    # start date yet, so wait until the run has started.
    deadline = time.monotonic() + 120
    while not [r for r in _runs(admin, CONSUMER, "asset_triggered") if r["start_date"]]:
        assert time.monotonic() < deadline, "the scheduler started no run from the asset event"
        time.sleep(0.5)
    leaked, answers = {}, {}
    for path in READS:
        since = {"start_date": "2020-01-01T00:00:00Z"} if "historical" in path else None
        response = lake.get(path.replace("{rentals}", str(rentals)), params=since)
        answers[path] = response.status_code
        assert response.status_code in (200, 403), (path, response.status_code)
        shown = sorted(dag for dag in HIDDEN if dag in response.text)
        if shown:
            leaked[path] = shown
    assert set(leaked) == SHOWS_DAG_IDS, leaked
    assert all(leaked[path] == [CONSUMER] for path in leaked), leaked
    assert answers["/api/v2/dags"] == 200 and answers["/ui/dags"] == 200
    docs = " ".join((REPO / "docs" / "security.md").read_text().split())
    match = re.search(r"reads (\d+) endpoints as a member of another team", docs)
    assert match and int(match[1]) == len(READS), len(READS)


def _probe_dag(client: httpx.Client, key: str, dag: str) -> httpx.Response:
    if key == "see":
        return client.get(f"/api/v2/dags/{dag}")
    if key == "trigger":
        return client.post(f"/api/v2/dags/{dag}/dagRuns", json={"logical_date": None})
    if key == "pause":
        return client.patch(f"/api/v2/dags/{dag}", json={"is_paused": True})
    if key == "clear":
        return client.post(f"/api/v2/dags/{dag}/clearTaskInstances", json={"dry_run": True})
    if key == "backfill":
        body = {
            "dag_id": dag,
            "from_date": "2024-01-01T00:00:00Z",
            "to_date": "2024-01-02T00:00:00Z",
        }
        return client.post("/api/v2/backfills/dry_run", json=body)
    assert key == "delete"
    return client.delete(f"/api/v2/dags/{dag}")


def _probe_global(client: httpx.Client, key: str, n: int, asset: int) -> httpx.Response:
    simple = {
        "read-connections": "/api/v2/connections", "read-variables": "/api/v2/variables",
        "read-pools": "/api/v2/pools", "read-assets": "/api/v2/assets",
        "audit-log": "/api/v2/eventLogs", "users": "/auth/fab/v1/users",
    }  # fmt: skip
    if key in simple:
        return client.get(simple[key])
    if key == "create-connections":
        return client.post(
            "/api/v2/connections", json={"connection_id": f"c{n}", "conn_type": "http"}
        )
    if key == "create-variables":
        return client.post("/api/v2/variables", json={"key": f"v{n}", "value": "1"})
    if key == "create-pools":
        return client.post("/api/v2/pools", json={"name": f"p{n}", "slots": 1})
    assert key == "asset-events"
    return client.post("/api/v2/assets/events", json={"asset_id": asset})


def test_every_cell_of_the_permission_tables_holds_on_the_server(server: Server) -> None:
    docs = (REPO / "docs" / "security.md").read_text()
    assert rbac_table.tables() in docs, "regenerate: python -m dagyard.security.rbac_table"
    clients = {p: server.client(p) for p in (ADMIN, VIEWER, LAKE, MART, PLATFORM)}
    who = {  # column -> (person, DAG)
        "own": (LAKE, LAKE_DAG), "readable": (MART, LAKE_DAG), "other": (LAKE, MART_DAG),
        "viewer": (VIEWER, MART_DAG), "admin": (ADMIN, "table_freshness"),
    }  # fmt: skip
    seen = []
    for row in sorted(rbac_table.DAG_ROWS, key=lambda r: r.key == "delete"):
        for column in rbac_table.DAG_COLUMNS:
            person, dag = who[column]
            status = _probe_dag(clients[person], row.key, dag).status_code
            expected = rbac_table.dag_cell(row, column)
            assert (status in (200, 201, 204)) == expected and status in (200, 201, 204, 403), (
                row.key,
                column,
                status,
            )
            seen.append(status)
    asset = _asset_id(clients[ADMIN], "rental_events")
    people = {"member": LAKE, "granted": PLATFORM, "viewer": VIEWER, "admin": ADMIN}
    for n, row in enumerate(rbac_table.GLOBAL_ROWS):
        for column in rbac_table.GLOBAL_COLUMNS:
            status = _probe_global(
                clients[people[column]], row.key, n * 10 + len(seen), asset
            ).status_code
            seen.append(status)
            expected = rbac_table.global_cell(row, column)
            assert (status in (200, 201, 204)) == expected and status in (200, 201, 204, 403), (
                row.key,
                column,
                status,
            )
    assert len(seen) == 5 * len(rbac_table.DAG_ROWS) + 4 * len(rbac_table.GLOBAL_ROWS)
    docs = " ".join((REPO / "docs" / "security.md").read_text().split())
    assert f"sent as its person ({len(seen)} requests)" in docs
    server.airflow(["dags", "reserialize"])  # the deleted DAGs come back
