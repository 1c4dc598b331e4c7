"""Airflow's real statsd packets from `dagyard dev`, mapped the way the dashboard expects."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from alerts.slack_web_api import TOKEN, SlackWebApi

import support
from dagyard.airflow_env import metrics_env
from dagyard.alerts.cycle import run_cycle
from dagyard.alerts.settings import settings_from
from dagyard.config import load_config
from dagyard.deploy import chart
from dagyard.deploy.monitoring import MAPPING_FILE
from dagyard.deploy.monitoring.mapping import (
    Mapper,
    base_name,
    dashboard_metrics,
    queried_metrics,
    rule_metrics,
    sent_statsd_names,
    unproduced,
)

HERE = Path(__file__).resolve().parent


_root = support

FAILING_DAG = '''"""Fails on purpose, so failure metrics are sent."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="metrics_fail", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     default_args={"owner": "analyst@example.com", "retries": 0})
def metrics_fail():
    @task
    def boom() -> None:
        raise RuntimeError("boom")

    boom()


metrics_fail()
'''


class Receiver:
    """A UDP socket collecting statsd lines in a thread."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(65535)
            except TimeoutError:
                continue
            self.lines.extend(line for line in data.decode().splitlines() if line)

    def names(self) -> set[str]:
        return {line.split(":", 1)[0] for line in list(self.lines)}

    def wait_for(self, *needles: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            missing = [n for n in needles if n not in self.names()]
            if not missing:
                return
            assert time.monotonic() < deadline, f"never received {missing}"
            time.sleep(0.5)

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_every_dashboard_and_rule_metric_comes_from_the_mapping():
    produced = Mapper.from_file(MAPPING_FILE).names()
    used = dashboard_metrics() | rule_metrics()
    assert len(used) >= 12
    assert {base_name(m) for m in used} <= produced, {base_name(m) for m in used} - produced


def test_every_queried_metric_survives_the_catch_all_drop():
    """Each queried metric is made from a name Airflow 3.3's metrics registry says it sends."""
    sent = sent_statsd_names()
    assert "airflow.ti.finish.example.example.example" in sent
    assert "airflow.dag_processing.last_duration.example.example" in sent
    assert "dagyard.alerter.cycle_failed" in sent
    mapper = Mapper.from_file(MAPPING_FILE)
    assert unproduced(mapper, queried_metrics(), sent) == {}
    # The catch-all really drops what no rule names (Airflow sends many more metrics).
    dropped = [name for name in sent if mapper.map(name).name is None]
    assert "airflow.asset.updates" in dropped


def test_a_mapping_that_drops_a_queried_metric_is_caught():
    rules = yaml.safe_load(MAPPING_FILE.read_text())["mappings"]
    catch_all, own = rules[-1], rules[:-1]
    assert catch_all.get("action") == "drop"
    # statsd-exporter tries glob rules before regex ones, so even a regex catch-all written
    # first drops nothing a glob rule names; a glob `drop` written before a rule does.
    assert unproduced(Mapper([catch_all, *own]), queried_metrics(), sent_statsd_names()) == {}
    early_drop = {"match": "airflow.ti.finish.*.*.*", "action": "drop", "name": "dropped"}
    missing = unproduced(Mapper([early_drop, *rules]), queried_metrics(), sent_statsd_names())
    assert missing == {
        "airflow_ti_finish": "`airflow.ti.finish.example.example.example` is dropped"
    }
    # A rule written for a different shape of name (one part instead of two): dropped too.
    reshaped = [
        {**r, "match": "airflow.dag_processing.last_duration.*"}
        if r["match"].startswith("airflow.dag_processing.last_duration")
        else r
        for r in rules
    ]
    missing = unproduced(Mapper(reshaped), queried_metrics(), sent_statsd_names())
    assert list(missing) == ["airflow_dag_processing_last_duration"]


def test_the_charts_own_mappings_would_rename_what_they_match_first(helm_chart):
    """Why the render uses overrideMappings: with extraMappings the chart's rules come first."""
    merged = chart.installed(
        {"statsd": {"extraMappings": yaml.safe_load(MAPPING_FILE.read_text())["mappings"]}},
        helm_chart,
    )
    mapper = Mapper(chart.statsd_mappings(merged, helm_chart))
    assert mapper.map("airflow.dagrun.duration.success.example").name == "airflow_dagrun_duration"
    merged = chart.installed(
        {"statsd": {"overrideMappings": yaml.safe_load(MAPPING_FILE.read_text())["mappings"]}},
        helm_chart,
    )
    mapper = Mapper(chart.statsd_mappings(merged, helm_chart))
    assert (
        mapper.map("airflow.dagrun.duration.success.example").name
        == "airflow_dagrun_duration_success"
    )


def test_metrics_env_only_when_configured(dag_repo: Path):
    assert metrics_env(load_config(dag_repo)) == {}
    with (dag_repo / "dagyard.toml").open("a") as toml:
        toml.write('\n[monitoring]\nstatsd_host = "127.0.0.1"\nstatsd_port = 9999\n')
    env = metrics_env(load_config(dag_repo))
    assert env["AIRFLOW__METRICS__STATSD_ON"] == "True"
    assert env["AIRFLOW__METRICS__STATSD_PORT"] == "9999"


@pytest.mark.timeout(600)
def test_real_airflow_statsd_packets_map_to_the_dashboards_metrics(dag_repo: Path, tmp_path: Path):
    receiver = Receiver()
    with (dag_repo / "dagyard.toml").open("a") as toml:
        toml.write(f'\n[monitoring]\nstatsd_host = "127.0.0.1"\nstatsd_port = {receiver.port}\n')
    (dag_repo / "dags" / "_development" / "metrics_fail.py").write_text(FAILING_DAG)
    dev = _root.start_dev(dag_repo)
    slack = SlackWebApi().start()
    slack.workspace.add_channel("platform-alerts")
    try:
        receiver.wait_for(
            "airflow.scheduler_heartbeat",
            "airflow.dag_processor_heartbeat",
            "airflow.dag_processing.import_errors",
            "airflow.dag_processing.total_parse_time",
        )
        with httpx.Client(
            base_url=dev.url, headers={"Authorization": f"Bearer {dev.token()}"}, timeout=30
        ) as http:
            http.patch("/api/v2/dags/metrics_fail", json={"is_paused": False}).raise_for_status()
            http.post(
                "/api/v2/dags/metrics_fail/dagRuns", json={"logical_date": None}
            ).raise_for_status()
            receiver.wait_for("airflow.ti.finish.metrics_fail.boom.failed", "airflow.ti_failures")
            _wait_failed(http, "metrics_fail")
        # the alerter's own metrics, sent by a real cycle that announces the failure
        config = load_config(dag_repo)
        alerts = config.alerts.model_copy(update={"slack_api_url": slack.url})
        settings = settings_from(
            config.model_copy(update={"alerts": alerts}),
            airflow_url=dev.url,
            airflow_token=dev.token(),
            slack_token=TOKEN,
            state_file=tmp_path / "alerts.sqlite",
        )
        result = run_cycle(settings)
        assert result.ok and result.announced >= 1, result
        receiver.wait_for(
            "dagyard.alerter.heartbeat",
            "dagyard.alerter.last_success",
            "dagyard.alerter.failed.analyst_at_example__com.metrics_fail",
            timeout=10,
        )
    finally:
        dev.stop()
        slack.stop()
    receiver.close()

    mapper = Mapper.from_file(MAPPING_FILE)
    mapped = {mapper.map(name) for name in receiver.names()}
    names = {m.name for m in mapped if m.name}
    for expected in (
        "airflow_scheduler_heartbeat",
        "airflow_dag_processor_heartbeat",
        "airflow_dag_processing_import_errors",
        "airflow_dag_processing_total_parse_time_seconds",
        "airflow_dag_processing_last_duration",
        "airflow_ti_finish",
        "airflow_ti_failures",
        "dagyard_alerter_heartbeat",
        "dagyard_alerter_last_success_timestamp_seconds",
        "dagyard_alerter_pending",
        "dagyard_failed_tasks",
    ):
        assert expected in names, expected
    finish = [m for m in mapped if m.name == "airflow_ti_finish"]
    assert (
        ("dag_id", "metrics_fail"),
        ("state", "failed"),
        ("task_id", "boom"),
    ) in {m.labels for m in finish}
    owners = {m.labels for m in mapped if m.name == "dagyard_failed_tasks"}
    assert (("dag_id", "metrics_fail"), ("owner", "analyst_at_example__com")) in owners
    # every metric the dashboard uses that a laptop can produce was really produced
    local = {
        base_name(m)
        for m in dashboard_metrics()
        if not m.startswith(("airflow_triggerer", "airflow_dagrun_schedule", "airflow_pool"))
        and not m.startswith(("airflow_executor", "dagyard_alerter_cycle_failed"))
    }
    assert local <= names, local - names


def _wait_failed(http: httpx.Client, dag_id: str, timeout: float = 120) -> None:
    """Wait until the API lists a failed task instance of the DAG."""
    deadline = time.monotonic() + timeout
    while True:
        page = http.get(
            f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances", params={"state": "failed"}
        )
        if page.json()["total_entries"]:
            return
        assert time.monotonic() < deadline, f"no failed task instance of {dag_id}"
        time.sleep(0.5)
