"""Contract: a check added with `_airflow.task_hooks.add_pre_execute_check` runs in Airflow's
task runner just before `execute`, after the DAG's own `pre_execute`, and an
`AirflowFailException` from it fails the task without retries and without executing it.

A real task run: the DAG is parsed, written to a migrated SQLite metadata DB and run with
`dag.test()`, which drives each task through Airflow's task runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DAG_FILE = """
from datetime import datetime
from pathlib import Path

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.sdk.exceptions import AirflowFailException

from dagyard._airflow.task_hooks import add_pre_execute_check, pre_execute_hook

TRACE = Path(__file__).with_name("trace.txt")


def note(what):
    with TRACE.open("a") as trace:
        trace.write(what + "\\n")


def given(context):
    note(f"given {context['task'].task_id}")


def check(context):
    note(f"check {context['task'].task_id}")
    if context["task"].task_id == "refused":
        raise AirflowFailException("no cluster here")


with DAG("contract_task_hooks", schedule=None, start_date=datetime(2024, 1, 1)):
    refused = PythonOperator(
        task_id="refused", python_callable=lambda: note("execute refused"),
        pre_execute=given, retries=3,
    )
    allowed = PythonOperator(task_id="allowed", python_callable=lambda: note("execute allowed"))
for task in (refused, allowed):
    add_pre_execute_check(task, check)
    add_pre_execute_check(task, check)  # the policy may see a task twice: still one check
assert pre_execute_hook(allowed) is check
"""

RUN = """
import json, sys
from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

DagBundlesManager().sync_bundles_to_db()
bag = DagBag(dag_folder=sys.argv[1], bundle_name="dags-folder")
assert not bag.import_errors, bag.import_errors
sync_bag_to_db(bag, "dags-folder", None)
run = bag.dags["contract_task_hooks"].test()
print(json.dumps({
    ti.task_id: [str(ti.state), ti.try_number] for ti in run.get_task_instances()
}))
"""


def test_the_check_runs_after_the_given_hook_and_fails_the_try_without_retries(tmp_path: Path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "contract_task_hooks.py").write_text(DAG_FILE)
    home = tmp_path / "airflow"
    db_file = tmp_path / "airflow.db"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from dagyard.dev import database; "
            "database.prepare_sqlite(Path(sys.argv[1]), reset=False)",
            str(db_file),
        ],
        check=True,
        env={**_plain_env(), "AIRFLOW_HOME": str(home)},
    )
    env = {
        **_plain_env(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db_file}",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(dags)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    states = json.loads(done.stdout.strip().splitlines()[-1])
    assert states == {"refused": ["failed", 1], "allowed": ["success", 1]}
    trace = (dags / "trace.txt").read_text().splitlines()
    assert [line for line in trace if "refused" in line] == ["given refused", "check refused"]
    assert [line for line in trace if "allowed" in line] == ["check allowed", "execute allowed"]


def _plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DAGYARD"))}
