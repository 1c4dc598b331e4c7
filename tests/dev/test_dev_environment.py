"""`dagyard dev` end to end: a real Airflow, real files saved, real signals, real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from dagyard.dev.supervisor import SESSION_MARKER
from support import (
    DAGYARD,
    UNREACHABLE_KUBECONFIG,
    DevProcess,
    copy_example_repo,
    free_port,
    start_dev,
)

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> DevProcess:
    """`dagyard dev` on the example repository, on a laptop whose cluster is not running."""
    project = copy_example_repo(tmp_path_factory.mktemp("dev") / "repo")
    kubeconfig = project.parent / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG.format(port=free_port()))
    toml = project / "dagyard.toml"
    toml.write_text(toml.read_text().replace('"~/.kube/config"', f'"{kubeconfig}"'))
    running = start_dev(project)
    yield running
    running.stop()


def poll(check, timeout: float = 20.0, interval: float = 0.1):
    """Return the first truthy result of `check()` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def session_of(project: Path) -> str:
    return json.loads((project / ".dagyard" / "dev.json").read_text())["session"]


def descendants(dev: DevProcess) -> list[psutil.Process]:
    """Every process `dagyard dev` started (its whole tree: orphans are re-parented to it)."""
    return psutil.Process(dev.process.pid).children(recursive=True)


def command_line(process: psutil.Process) -> str:
    """A process's command line; empty for one that is exiting (a short-lived helper's zombie)."""
    try:
        return " ".join(process.cmdline())
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return ""


def alive(processes: list[psutil.Process], session: str) -> list[psutil.Process]:
    """Those of `processes` (and any exec'd process carrying the session marker) still running."""
    found = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for process in psutil.process_iter():
        try:
            if process.environ().get(SESSION_MARKER) == session and process.is_running():
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_ready_line_says_where_how_to_log_in_and_how_to_stop(dev):
    text = dev.text()
    assert f"http://127.0.0.1:{dev.port}" in text
    assert "no login needed" in text
    assert "Ctrl-C to stop" in text
    assert "password" not in text.lower()


def test_only_development_dags_are_listed_with_a_bearer_token(dev):
    with dev.client() as api:
        dags = api.get("/api/v2/dags").json()["dags"]
    assert sorted(d["dag_id"] for d in dags) == ["hello_taskflow", "my_first_report"]


def test_api_listens_on_loopback_only_and_only_the_api_server_holds_the_port(dev):
    listening = [
        conn
        for conn in psutil.net_connections("tcp")
        if conn.laddr and conn.laddr.port == dev.port and conn.status == psutil.CONN_LISTEN
    ]
    assert {conn.laddr.ip for conn in listening} == {"127.0.0.1"}
    holders = {psutil.Process(conn.pid).cmdline()[0] for conn in listening if conn.pid}
    assert holders == {"dagyard dev: api-server"}


def test_health_reports_every_started_component(dev):
    # Airflow's UI paints every status but "healthy" red, the triggerer's included
    health = httpx.get(f"{dev.url}/api/v2/monitor/health").json()
    for component in ("metadatabase", "scheduler", "dag_processor", "triggerer"):
        assert health[component]["status"] == "healthy"


def test_nothing_is_written_into_the_dags_tree(dev):
    dags = dev.project / "dags"
    before = set(dags.rglob("*"))
    with dev.client() as api:
        api.patch("/api/v2/dags/hello_taskflow", json={"is_paused": False})
        run_id = api.post(
            "/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None}
        ).json()["dag_run_id"]

        def finished():
            state = api.get(f"/api/v2/dags/hello_taskflow/dagRuns/{run_id}").json()["state"]
            return state in {"success", "failed"}

        poll(finished, timeout=120, interval=0.5)
    after = set(dags.rglob("*"))
    assert sorted(map(str, after - before)) == []
    assert not [p for p in after if p.name in {".airflowignore", "__pycache__"}]


@pytest.fixture
def restored(dev):
    """Files a test changes in the shared environment, put back (or removed) afterwards."""
    kept: dict[Path, str | None] = {}

    def keep(path: Path) -> Path:
        kept.setdefault(path, path.read_text() if path.exists() else None)
        return path

    yield keep
    for path, text in kept.items():
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text)


def test_edited_dag_is_seen_through_the_api(dev, restored):
    path = restored(dev.project / "dags" / "_development" / "hello_taskflow.py")
    path.write_text(path.read_text().replace('"taskflow"]', '"taskflow", "edited-now"]'))
    with dev.client() as api:

        def tags():
            data = api.get("/api/v2/dags/hello_taskflow").json()
            return "edited-now" in [t["name"] for t in data["tags"]]

        poll(tags)
    dev.wait_for_output("hello_taskflow.py → hello_taskflow (3 tasks)")


def test_new_dag_file_is_listed(dev, restored):
    path = restored(dev.project / "dags" / "_development" / "brand_new.py")
    path.write_text(
        "from datetime import datetime\n"
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n"
        "with DAG('brand_new', schedule=None, start_date=datetime(2024, 1, 1)):\n"
        "    EmptyOperator(task_id='only')\n"
    )
    with dev.client() as api:
        poll(lambda: api.get("/api/v2/dags/brand_new").status_code == 200)


def test_changing_a_shared_helper_reparses_the_dags_that_import_it(dev, restored):
    helper = restored(dev.project / "dags" / "common" / "defaults.py")
    before = len(dev.text())
    helper.write_text(helper.read_text() + "\n# touched by a test\n")

    def both_reparsed():
        new = dev.text()[before:]
        return "my_first_report.py → my_first_report" in new and "hello_taskflow.py →" in new

    poll(both_reparsed)


def test_broken_file_is_reported_with_file_and_line(dev, restored):
    path = restored(dev.project / "dags" / "_development" / "broken_report.py")
    path.write_text("from airflow.sdk import DAG\n\nimport pandas_that_does_not_exist\n")
    text = dev.wait_for_output("broken_report.py:3")
    assert "No module named 'pandas_that_does_not_exist'" in text


def test_triggered_dag_succeeds_and_connection_and_variable_come_from_local_secrets(dev):
    with dev.client() as api:
        assert api.patch("/api/v2/dags/my_first_report", json={"is_paused": False}).is_success
        response = api.post("/api/v2/dags/my_first_report/dagRuns", json={"logical_date": None})
        assert response.status_code == 200, response.text
        run_id = response.json()["dag_run_id"]

        def finished():
            state = api.get(f"/api/v2/dags/my_first_report/dagRuns/{run_id}").json()["state"]
            return state if state in {"success", "failed"} else None

        assert poll(finished, timeout=120, interval=0.5) == "success"
        task_url = f"/api/v2/dags/my_first_report/dagRuns/{run_id}/taskInstances/describe_source"
        xcom = api.get(f"{task_url}/xcomEntries/return_value").json()
        log = api.get(f"{task_url}/logs/1", headers={"Accept": "application/x-ndjson"}).text
    assert xcom["value"] == "analytics.daily_report_dev"
    assert "Reading from reporting.internal.example.com" in log
    secrets = dev.project / ".dagyard" / "secrets"
    assert (secrets / "connections.yaml").stat().st_mode & 0o777 == 0o600
    assert secrets.stat().st_mode & 0o777 == 0o700


def test_a_pod_step_triggered_from_the_ui_fails_at_once_when_the_cluster_is_down(dev, restored):
    """Retries five minutes apart would keep the run waiting; the check ends it on the 1st try."""
    path = restored(dev.project / "dags" / "_development" / "pod_step.pipeline.yaml")
    path.write_text(
        "pipeline: pod_step\n"
        "owner: ana@example.com\n"
        "schedule: none\n"
        "start_date: 2024-01-01\n"
        "retries: 2\n"
        "retry_delay_minutes: 5\n"
        "steps:\n"
        "  train:\n"
        "    uses: kubernetes_pod\n"
        "    with: {image: python:3.11}\n"
    )
    with dev.client() as api:
        poll(lambda: api.get("/api/v2/dags/pod_step").status_code == 200, timeout=60)
        assert api.patch("/api/v2/dags/pod_step", json={"is_paused": False}).is_success
        run_id = api.post("/api/v2/dags/pod_step/dagRuns", json={"logical_date": None}).json()[
            "dag_run_id"
        ]

        def finished():
            state = api.get(f"/api/v2/dags/pod_step/dagRuns/{run_id}").json()["state"]
            return state if state in {"success", "failed"} else None

        assert poll(finished, timeout=120, interval=0.5) == "failed"
        task_url = f"/api/v2/dags/pod_step/dagRuns/{run_id}/taskInstances/train"
        task = api.get(task_url).json()
        log = api.get(f"{task_url}/logs/1", headers={"Accept": "application/x-ndjson"}).text
    assert (task["state"], task["try_number"]) == ("failed", 1)
    assert "Task `train` starts a Kubernetes pod and cannot reach a Kubernetes cluster" in log
    assert "(context `kind-laptop`) refused the connection" in log


def test_concurrent_triggers_and_reparse_requests_never_stall_on_sqlite(dev):
    """Audit-log writes used to commit on the API server's event loop: on SQLite, two changing
    requests at once stalled each other until one failed with "database is locked"."""
    from concurrent.futures import ThreadPoolExecutor

    with dev.client() as api:
        assert api.patch("/api/v2/dags/hello_taskflow", json={"is_paused": False}).is_success
        token = api.get("/api/v2/dags/hello_taskflow").json()["file_token"]

        def trigger(_: int) -> int:
            return api.post(
                "/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None}
            ).status_code

        def reparse(_: int) -> int:
            return api.put(f"/api/v2/parseDagFile/{token}").status_code

        with ThreadPoolExecutor(8) as pool:
            triggered = list(pool.map(trigger, range(6)))
            reparsed = list(pool.map(reparse, range(6)))
            futures = [pool.submit(call, 0) for _ in range(4) for call in (trigger, reparse)]
            mixed = [future.result() for future in futures]
        audit = api.get("/api/v2/eventLogs", params={"event": "trigger_dag_run"}).json()
    # 409: the file is already queued for parsing, which is what was asked
    assert triggered == [200] * 6
    assert set(reparsed) <= {201, 409}
    assert set(mixed) <= {200, 201, 409} and 200 in mixed
    assert audit["total_entries"] >= 10  # every trigger is still in Airflow's audit log
    assert dev.process.poll() is None


def test_token_command_prints_a_working_token(dev):
    token = dev.token()
    response = httpx.get(f"{dev.url}/api/v2/dags", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_second_dev_on_the_same_project_is_refused(dev):
    result = subprocess.run(
        [DAGYARD, "dev", "--project", str(dev.project), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2  # a usage error: the README's table
    assert "already running for this project" in result.stderr
    assert f"pid {dev.process.pid}" in result.stderr or "pid" in result.stderr


def test_busy_port_is_reported(dev, tmp_path):
    other = copy_example_repo(tmp_path / "other")
    result = subprocess.run(
        [DAGYARD, "dev", "--project", str(other), "--port", str(dev.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"Port {dev.port} is already in use" in result.stderr
    assert "--port" in result.stderr


def test_ctrl_c_stops_everything(dag_repo):
    running = start_dev(dag_repo)
    try:
        session = session_of(dag_repo)
        tree = descendants(running)
        titles = " ".join(command_line(p) for p in tree)
        for component in ("api-server", "execution-api", "scheduler", "dag-processor"):
            assert f"dagyard dev: {component}" in titles
        assert any("LocalExecutor" in command_line(p) for p in tree)
        assert running.stop(signal.SIGINT, timeout=15) == 130  # interrupted: the README's table
        assert alive(tree, session) == []
    finally:
        running.stop(signal.SIGKILL)
    assert "nothing left running" in running.text()
    assert not (dag_repo / ".dagyard" / "dev.json").exists()


def test_sigterm_stops_everything_and_a_restart_reuses_the_database(dag_repo):
    running = start_dev(dag_repo)
    try:
        session = session_of(dag_repo)
        tree = descendants(running)
        assert running.stop(signal.SIGTERM, timeout=15) == 0
        assert alive(tree, session) == []
    finally:
        running.stop(signal.SIGKILL)
    again = start_dev(dag_repo)
    try:
        assert "Metadata database ready" in again.text()
    finally:
        again.stop()


def test_a_dying_component_stops_the_session_with_its_log(dag_repo):
    running = start_dev(dag_repo)
    try:
        session = session_of(dag_repo)
        tree = descendants(running)
        [scheduler] = [p for p in tree if command_line(p).startswith("dagyard dev: scheduler")]
        scheduler.kill()
        assert running.process.wait(timeout=30) == 1
        text = running.text()
        assert "The Airflow scheduler stopped unexpectedly" in text
        assert "scheduler.log" in text
        assert alive(tree, session) == []
    finally:
        running.stop(signal.SIGKILL)


def test_reset_starts_from_the_migrated_template(dag_repo):
    running = start_dev(dag_repo, "--reset")
    try:
        assert "created from the migrated template" in running.text() or (
            "migrated" in running.text()
        )
    finally:
        running.stop()


def test_token_without_a_running_environment_is_a_clear_error(dag_repo):
    result = subprocess.run(
        [DAGYARD, "dev", "token", "--project", str(dag_repo)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "no dagyard dev is running" in result.stderr


def test_missing_development_folder_is_a_clear_error(dag_repo):
    (dag_repo / "dagyard.toml").write_text('[dev]\nfolders = ["does_not_exist"]\n')
    result = subprocess.run(
        [DAGYARD, "dev", "--project", str(dag_repo), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "does_not_exist does not exist" in result.stderr


def test_malformed_config_is_a_usage_error_with_the_line(dag_repo):
    (dag_repo / "dagyard.toml").write_text("[dev]\nprot = 8080\n")
    result = subprocess.run(
        [DAGYARD, "dev", "--project", str(dag_repo)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "dagyard.toml:2" in result.stderr
    assert "did you mean `port`?" in result.stderr
