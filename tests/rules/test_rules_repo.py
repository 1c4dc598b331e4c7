"""Every rule on a DAG repo with one planted mistake per file, checked once by the real CLI.

The repo is a copy of examples/dag-repo: its own DAGs must stay clean, and each planted file
must produce exactly the findings of its mistake (file, rule and line).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from support import DAGYARD, copy_example_repo

HEAD = "from datetime import datetime\n\nfrom airflow.sdk import DAG\n"
OK_ARGS = 'catchup=False, tags=["data_mart"], default_args={"owner": "a@example.com", "retries": 1}'

PLANTED = {
    "data_mart/bad_owner.py": HEAD
    + textwrap.dedent(
        """
        with DAG(
            dag_id="bad_owner",
            schedule=None,
            start_date=datetime(2024, 1, 1),
            catchup=False,
            tags=["data_mart"],
            default_args={"owner": "bob", "retries": 1},
        ):
            pass
        """
    ),
    "data_mart/wrong_domain.py": HEAD
    + 'dag = DAG(dag_id="wrong_domain", schedule=None, start_date=datetime(2024, 1, 1), '
    'catchup=False, tags=["data_mart"], default_args={"owner": "kim@gmail.com", "retries": 1})\n',
    "data_mart/suppressed_owner.py": HEAD
    + 'dag = DAG(dag_id="suppressed_owner", schedule=None, start_date=datetime(2024, 1, 1), '
    'catchup=False, tags=["data_mart"],\n'
    '    default_args={"owner": "bob", "retries": 1})  # dagyard: ignore[DY110]\n',
    "data_lake/pod_local.py": textwrap.dedent(
        """
        from datetime import datetime

        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from airflow.sdk import DAG

        from common.team_pod import TeamPodOperator

        with DAG(
            dag_id="pod_local",
            schedule=None,
            start_date=datetime(2024, 1, 1),
            catchup=False,
            tags=["data_lake"],
            default_args={"owner": "a@example.com", "retries": 1},
        ):
            KubernetesPodOperator(
                task_id="pod",
                image="python:3.11-slim",
                in_cluster=False,
                config_file="~/.kube/config",
                cluster_context="minikube",
            )
            TeamPodOperator(task_id="team_pod", cluster_context="kind-dev")
            KubernetesPodOperator(task_id="clean_pod", image="python:3.11-slim")
        """
    ),
    "common/team_pod.py": textwrap.dedent(
        """
        from airflow.sdk import BaseOperator


        class TeamPodOperator(BaseOperator):
            def __init__(self, cluster_context=None, **kwargs):
                super().__init__(**kwargs)
                self.cluster_context = cluster_context
        """
    ),
    "data_mart/leaky.py": HEAD + "\nfrom common.leaky_helper import TOKEN\n\n" + 'API_KEY = "sk_'
    'live_51H8xY2eZvKYlo2C9xYz3Ab7q"\n'
    + f'dag = DAG(dag_id="leaky", schedule=None, start_date=datetime(2024, 1, 1), {OK_ARGS})\n',
    "common/leaky_helper.py": 'TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"\n',
    "data_mart/lookalikes.py": textwrap.dedent(
        """
        from datetime import datetime

        from airflow.providers.standard.operators.bash import BashOperator
        from airflow.sdk import DAG, BaseHook, Variable

        TABLE = Variable.get("report_table")
        SETTINGS = Variable.get("report_settings", deserialize_json=True)
        HOST = BaseHook.get_connection("warehouse").host
        password = "{{ conn.warehouse.password }}"

        with DAG(
            dag_id=f"lookalikes_{len(TABLE) > 0}_{SETTINGS.get('x', 1)}_{HOST != ''}",
            schedule="@daily",
            start_date=datetime(2024, 1, 1),
            catchup=False,
            tags=["data_mart"],
            default_args={"owner": "a@example.com", "retries": 1},
        ):
            BashOperator(task_id="load", bash_command="psql -p {{ conn.warehouse.password }}")
        """
    ),
    "data_mart/stand_ins.py": textwrap.dedent(
        """
        from datetime import datetime

        from airflow.providers.standard.operators.empty import EmptyOperator
        from airflow.sdk import DAG, Variable

        for name in ("configured_owner", "env_owner", "unknown_owner"):
            with DAG(
                dag_id=f"stand_in_{name}",
                schedule=None,
                start_date=datetime(2024, 1, 1),
                catchup=False,
                tags=["data_mart"],
                default_args={"owner": Variable.get(name), "retries": 1},
            ):
                EmptyOperator(task_id="only")
        """
    ),
    "data_mart/conventions.py": textwrap.dedent(
        """
        from datetime import datetime

        from airflow.providers.standard.operators.empty import EmptyOperator
        from airflow.sdk import DAG

        with DAG(
            dag_id="conventions",
            schedule="@daily",
            start_date=datetime.now(),
            default_args={"owner": "a@example.com"},
        ):
            EmptyOperator(task_id="only")
        """
    ),
    # manual and asset-triggered DAGs never catch up: no DY142
    "data_mart/never_catches_up.py": HEAD
    + "from airflow.sdk import Asset\n\n"
    + 'BY_HAND = DAG(dag_id="by_hand", schedule=None, start_date=datetime(2024, 1, 1), '
    + 'tags=["data_mart"], default_args={"owner": "a@example.com", "retries": 1})\n'
    + 'ON_ASSET = DAG(dag_id="on_asset", schedule=[Asset("s3://lake/orders")], '
    + 'tags=["data_mart"], default_args={"owner": "a@example.com", "retries": 1})\n',
    "data_mart/bad_schedule.py": HEAD
    + f'dag = DAG(dag_id="bad_schedule", schedule="0 25 * * *", start_date=datetime(2024, 1, 1), '
    f"{OK_ARGS})\n",
    "data_mart/many_tasks.py": HEAD
    + "from airflow.providers.standard.operators.empty import EmptyOperator\n"
    + f'with DAG(dag_id="many_tasks", schedule=None, start_date=datetime(2024, 1, 1), {OK_ARGS}):\n'
    + "    for n in range(25):\n        EmptyOperator(task_id=f't{n}')\n",
    "data_mart/slow.py": "import time\n\n"
    + HEAD
    + "time.sleep(1.3)\n"
    + f'dag = DAG(dag_id="slow", schedule=None, start_date=datetime(2024, 1, 1), {OK_ARGS})\n',
    "data_mart/lake_tagged.py": HEAD
    + 'dag = DAG(dag_id="lake_tagged", schedule=None, start_date=datetime(2024, 1, 1), '
    'catchup=False, tags=["data_lake"], default_args={"owner": "a@example.com", "retries": 1})\n',
    "orphans/nobody.py": HEAD
    + f'dag = DAG(dag_id="nobody", schedule=None, start_date=datetime(2024, 1, 1), {OK_ARGS})\n',
    "data_mart/broken_import.py": HEAD + "\nimport pandas_that_is_not_installed\n",
    "data_mart/exits.py": "import sys\n\n" + HEAD + "\nsys.exit(1)\n",
    "data_mart/forgotten.py": (
        "from airflow.sdk import dag\n\n\n@dag(schedule=None)\ndef forgotten():\n    pass\n"
    ),
    "data_mart/factory_made.py": "from common.factory import make\n\ndag = make('factory_made')\n",
    "common/factory.py": HEAD
    + "\n\ndef make(dag_id):\n"
    + f"    return DAG(dag_id=dag_id, schedule=None, start_date=datetime(2024, 1, 1), {OK_ARGS})\n",
    "data_mart/twin.py": HEAD
    + f'dag = DAG(dag_id="daily_revenue_mart", schedule=None, start_date=datetime(2024, 1, 1), '
    f"{OK_ARGS})\n",
    # Airflow's own importer hands this DAG over twice (the module's `dag` and the with-block)
    "data_mart/named_in_with.py": HEAD
    + "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
    + 'with DAG(dag_id="named_in_with", schedule=None, '
    + f"start_date=datetime(2024, 1, 1), {OK_ARGS}) as dag:\n"
    + "    pass\n"
    + 'EmptyOperator(task_id="after", dag=dag)\n',
    "data_mart/airflow2.py": "from airflow.operators.bash import BashOperator\n"
    + HEAD
    + 'with DAG(dag_id="airflow2", schedule_interval="@daily", start_date=datetime(2024, 1, 1), '
    + f"{OK_ARGS}):\n"
    + '    BashOperator(task_id="hello", bash_command="echo hello")\n',
}

CONFIG_EXTRA = """
[check]
max_tasks = 20
max_parse_seconds = 1.0
stand_in_variables = { configured_owner = "configured", env_owner = "overridden" }
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[dict, int, Path]:
    repo = copy_example_repo(tmp_path_factory.mktemp("rules") / "repo")
    for name, text in PLANTED.items():
        path = repo / "dags" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    config = repo / "dagyard.toml"
    text = config.read_text().replace(
        'pod_operators = ["KubernetesPodOperator"]',
        'pod_operators = ["KubernetesPodOperator", "TeamPodOperator"]',
    )
    config.write_text(text + CONFIG_EXTRA)
    done = subprocess.run(
        [DAGYARD, "check", "--all", "--format", "json", "--project", str(repo)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "AIRFLOW_VAR_ENV_OWNER": "from-environment"},
    )
    return json.loads(done.stdout), done.returncode, repo


def found(report: dict, file: str) -> list[tuple[str, int | None]]:
    return sorted((f["rule"], f["line"]) for f in report["findings"] if f["file"] == f"dags/{file}")


def test_exit_code_is_1_with_errors(checked):
    report, code, _ = checked
    assert code == 1
    assert report["summary"]["errors"] > 0


def test_example_dags_are_clean(checked):
    report, _, _ = checked
    originals = [
        "_development/hello_taskflow.py",
        "_development/my_first_report.py",
        "crawling/public_holidays.py",
        "data_lake/ingest_rental_events.py",
        "data_lake/sync_vehicle_catalog.pipeline.yaml",
        "monitoring/table_freshness.pipeline.yaml",
    ]
    for name in originals:
        assert found(report, name) == [], name
    assert found(report, "data_mart/daily_revenue_mart.py") == [("DY104", 10)]


def test_owner(checked):
    report, _, _ = checked
    assert found(report, "data_mart/bad_owner.py") == [("DY110", 11)]
    assert found(report, "data_mart/wrong_domain.py") == [("DY110", 4)]
    messages = [f["message"] for f in report["findings"] if f["rule"] == "DY110"]
    assert any("'kim@gmail.com', which is not an address of example.com" in m for m in messages)


def test_suppression_comment(checked):
    report, _, _ = checked
    assert found(report, "data_mart/suppressed_owner.py") == []


def test_pod_local_settings_on_kpo_and_configured_operator(checked):
    report, _, _ = checked
    assert found(report, "data_lake/pod_local.py") == [
        ("DY120", 20),
        ("DY120", 21),
        ("DY120", 22),
        ("DY120", 24),
    ]


def test_secrets_in_dag_and_imported_helper(checked):
    report, _, _ = checked
    assert found(report, "data_mart/leaky.py") == [("DY130", 7)]
    assert found(report, "common/leaky_helper.py") == [("DY130", 1)]
    leaked = [f for f in report["findings"] if f["rule"] == "DY130"]
    assert all("sk_live" not in f["message"] for f in leaked)


def test_lookalikes_parse_with_stand_ins_and_are_not_secrets(checked):
    report, _, _ = checked
    # only the top-level look-ups themselves (DY107): no secret, no load error
    assert found(report, "data_mart/lookalikes.py") == [("DY107", 7), ("DY107", 8), ("DY107", 9)]
    assert "dags/data_mart/lookalikes.py" in report["summary"]["checked"]


def test_stand_ins_come_from_environment_then_config_then_placeholder(checked):
    report, _, _ = checked
    owners = sorted(
        f["message"]
        for f in report["findings"]
        if f["file"] == "dags/data_mart/stand_ins.py" and f["rule"] == "DY110"
    )
    assert len(owners) == 3
    assert "'stand_in_configured_owner' has the owner 'configured'" in owners[0]
    assert "'stand_in_env_owner' has the owner 'from-environment'" in owners[1]
    assert "'stand_in_unknown_owner' has the owner 'dagyard-stand-in-unknown_owner'" in owners[2]


def test_conventions(checked):
    report, _, _ = checked
    assert found(report, "data_mart/never_catches_up.py") == []
    assert found(report, "data_mart/conventions.py") == [
        ("DY140", 7),
        ("DY141", 7),
        ("DY142", 7),
        ("DY144", 10),
    ]


def test_schedule(checked):
    report, _, _ = checked
    assert ("DY143", 4) in found(report, "data_mart/bad_schedule.py")


def test_budgets(checked):
    report, _, _ = checked
    assert found(report, "data_mart/many_tasks.py") == [("DY145", 5)]
    assert found(report, "data_mart/slow.py") == [("DY146", 6)]  # the time.sleep line


def test_team_folder(checked):
    report, _, _ = checked
    assert found(report, "data_mart/lake_tagged.py") == [("DY147", 4)]
    assert found(report, "orphans/nobody.py") == [("DY147", None)]


def test_load_failures(checked):
    report, _, _ = checked
    assert found(report, "data_mart/broken_import.py") == [("DY101", 5)]
    assert found(report, "data_mart/exits.py") == [("DY102", 7)]


def test_no_dag_and_safe_mode_skip(checked):
    report, _, _ = checked
    assert found(report, "data_mart/forgotten.py") == [("DY103", None)]
    assert found(report, "data_mart/factory_made.py") == [("DY103", 3)]
    assert found(report, "common/factory.py") == []


def test_duplicate_dag_id(checked):
    report, _, _ = checked
    assert found(report, "data_mart/twin.py") == [("DY104", 4)]
    assert found(report, "data_mart/named_in_with.py") == []


def test_airflow_ruff_rules(checked):
    report, _, _ = checked
    rules = found(report, "data_mart/airflow2.py")
    assert ("DY143", 5) in rules
    air = [f for f in report["findings"] if f["file"] == "dags/data_mart/airflow2.py"]
    assert any(f["rule"] == "DY150" and f["message"].startswith("AIR3") for f in air)


def test_every_finding_says_what_and_how(checked):
    report, _, _ = checked
    for finding in report["findings"]:
        assert finding["message"] and finding["hint"], finding
        assert len(finding["hint"]) < 300
