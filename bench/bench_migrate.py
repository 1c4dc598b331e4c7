"""`dagyard migrate` on a generated 700-file Airflow 2 repository, side by side with ruff's AIR3
fixes alone: how many files load in Airflow 3 afterwards, and the wall time of each.

Of the 700 files, 630 use only idioms that can be fixed automatically (old operator paths,
`DummyOperator`, `days_ago`, `provide_context`, `schedule_interval`, `Dataset`, removed template
variables) and 70 need a person (metadata-database access, a SubDAG, `Variable.get` at module
level). A shared helper module with old imports is imported by every file.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dagyard import airflow_env
from dagyard.migrate import describe

FILES = 700
NEEDS_A_PERSON_EVERY = 10
ROUNDS = 3
DAGYARD = str(Path(sys.executable).with_name("dagyard"))
RUFF = str(Path(sys.executable).with_name("ruff"))

HELPER = '''"""Shared helpers (Airflow 1.10 style)."""
from airflow.hooks.base_hook import BaseHook
from airflow.operators.python_operator import PythonOperator


def uri(conn_id):
    return BaseHook.get_connection(conn_id).get_uri()


def printer(task_id, **kwargs):
    return PythonOperator(task_id=task_id, python_callable=print, provide_context=True, **kwargs)
'''

FIXABLE = '''"""Generated pipeline {n}."""
from datetime import timedelta

from airflow import DAG
from airflow.datasets import Dataset
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
from airflow.sensors.external_task_sensor import ExternalTaskSensor
from airflow.utils.dates import days_ago

from common.helpers import printer


def work(**context):
    return context["execution_date"]


with DAG(
    "pipeline_{n}",
    schedule_interval="{minute} 3 * * *",
    start_date=days_ago(2),
    default_args={{
        "owner": "team{team}@example.com", "retries": 2, "retry_delay": timedelta(minutes=5)
    }},
    catchup=False,
) as dag:
    wait = ExternalTaskSensor(
        task_id="wait", external_dag_id="pipeline_{previous}", mode="reschedule"
    )
    start = DummyOperator(task_id="start")
    extract = BashOperator(
        task_id="extract",
        bash_command="extract {{{{ ds }}}} {{{{ next_ds }}}} {{{{ execution_date }}}}",
    )
    transform = PythonOperator(task_id="transform", python_callable=work, provide_context=True)
    load = BashOperator(
        task_id="load",
        bash_command="load {{{{ yesterday_ds_nodash }}}}",
        outlets=[Dataset("s3://lake/{n}")],
    )
    report = printer("report")
    wait >> start >> extract >> transform >> load >> report
'''

NEEDS_A_PERSON = '''"""Generated pipeline {n} that a person must finish."""
from airflow import DAG, settings
from airflow.models import TaskInstance, Variable
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

TABLE = Variable.get("table_{n}", default_var="t")


def count_failures(**context):
    session = settings.Session()
    return session.query(TaskInstance).filter(TaskInstance.state == "failed").count()


with DAG("pipeline_{n}", schedule_interval="@daily", start_date=days_ago(1),
         default_args={{"owner": "team{team}@example.com"}}) as dag:
    PythonOperator(task_id="count", python_callable=count_failures, provide_context=True)
'''


def generate(root: Path) -> Path:
    """The 700-file Airflow 2 repository under `root`; returns its dags folder."""
    dags = root / "dags"
    (dags / "common").mkdir(parents=True)
    (dags / "common" / "__init__.py").write_text("")
    (dags / "common" / "helpers.py").write_text(HELPER)
    for n in range(FILES):
        folder = dags / f"team{n % 7}"
        folder.mkdir(exist_ok=True)
        template = NEEDS_A_PERSON if n % NEEDS_A_PERSON_EVERY == 0 else FIXABLE
        text = template.format(n=n, team=n % 7, minute=n % 60, previous=max(n - 1, 0))
        (folder / f"pipeline_{n}.py").write_text(text)
    return dags


def loading(dags: Path, home: Path) -> set[str]:
    """The files that load in Airflow 3 with no import error and give a DAG."""
    files = sorted(p.relative_to(dags).as_posix() for p in dags.glob("team*/*.py"))
    result = subprocess.run(
        [sys.executable, describe.__file__, *files],
        cwd=dags,
        env=airflow_env.describe_env(home, dags),
        capture_output=True,
        text=True,
        check=True,
    )
    described = json.loads(result.stdout.split("@@dagyard-describe@@\n", 1)[1])
    return {name for name, info in described.items() if not info["error"] and info["dags"]}


def fixable_files() -> set[str]:
    """The generated files whose every problem can be fixed automatically."""
    return {f"team{n % 7}/pipeline_{n}.py" for n in range(FILES) if n % NEEDS_A_PERSON_EVERY != 0}


def timed(command: list[str], cwd: Path, finished_with: str | None = None) -> float:
    """Wall seconds of `command`; when `finished_with` is given, its output must contain it
    (findings for a person exit 1, so the exit code alone does not tell a crash apart)."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if finished_with is not None and finished_with not in result.stdout:
        raise RuntimeError(f"{' '.join(command)} did not finish:\n{result.stdout}{result.stderr}")
    return seconds


def rounds(
    pristine: Path, scratch: Path, command: list[str], finished_with: str | None = None
) -> tuple[list[float], Path]:
    """`command` run ROUNDS times, each on a fresh copy of the pristine repository: the
    seconds of each round and the last round's repository."""
    seconds = []
    for round_number in range(ROUNDS):
        repo = shutil.copytree(pristine, scratch / str(round_number))
        seconds.append(timed(command, repo, finished_with))
    return seconds, repo


def _median(seconds: list[float]) -> str:
    rounds_text = ", ".join(f"{s:.1f}" for s in seconds)
    return f"{statistics.median(seconds):.1f} s ({rounds_text})"


def main() -> None:
    """Measure and print the Markdown section for docs/benchmarks.md."""
    with tempfile.TemporaryDirectory(prefix="dagyard-bench-migrate-") as scratch:
        scratch_path = Path(scratch)
        pristine = scratch_path / "pristine"
        generate(pristine)
        fixable = fixable_files()

        ruff_command = [RUFF, "check", "--isolated", "--no-cache", "--preview"]
        ruff_command += ["--select", "AIR3", "--fix", "--unsafe-fixes", "dags"]
        ruff_seconds, ruff_repo = rounds(pristine, scratch_path / "ruff", ruff_command)
        ruff_loads = loading(ruff_repo / "dags", scratch_path / "home-ruff")

        verify = [DAGYARD, "migrate", "--verify"]
        verify_seconds, _ = rounds(pristine, scratch_path / "verify", verify, "✔ verified")

        write = [DAGYARD, "migrate", "--write"]
        dagyard_seconds, dagyard_repo = rounds(
            pristine, scratch_path / "dagyard", write, "701 changed"
        )
        dagyard_loads = loading(dagyard_repo / "dags", scratch_path / "home-dagyard")

    print("## dagyard migrate (700 Airflow 2 files)\n")
    print(
        f"{FILES} DAG files ({len(fixable)} fixable automatically, {FILES - len(fixable)} "
        f"needing a person) and one shared helper; median of {ROUNDS} rounds each (rounds in "
        "brackets), same machine, same run.\n"
    )
    print("| | fixable files that load in Airflow 3 | all files that load | wall time |")
    print("|---|---|---|---|")
    for name, loads, seconds in (
        ("ruff AIR3 fixes alone", ruff_loads, ruff_seconds),
        ("`dagyard migrate --write`", dagyard_loads, dagyard_seconds),
    ):
        print(
            f"| {name} | {len(loads & fixable)} / {len(fixable)} | {len(loads)} / {FILES} "
            f"| {_median(seconds)} |"
        )
    print(f"| `dagyard migrate --verify` (Airflow 2 and 3 loads) | | | {_median(verify_seconds)} |")


if __name__ == "__main__":
    main()
