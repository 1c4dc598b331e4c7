"""Proof that a migration changed no pipeline: load each file as it was under Airflow 2 and as
migrated under Airflow 3, and compare what the DAGs are.

Compared: DAG ids, task ids, dependencies, schedule, start date, owner, retries, operator
classes (through the renames Airflow made) and template fields (through the template-variable
renames `dagyard migrate` made).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from dagyard import airflow_env
from dagyard.errors import DagyardError
from dagyard.migrate.engine import FileResult
from dagyard.migrate.moves import shipped_moves
from dagyard.migrate.templates import rewrite_template

DESCRIBE = Path(__file__).with_name("describe.py")
MARKER = "\n@@dagyard-describe@@\n"


class Difference(NamedTuple):
    """One thing that differs between the two loads, in plain words; a "note" is a change of
    behaviour that is not a change of structure."""

    file: str
    dag_id: str | None
    message: str
    kind: str = "difference"


CRON_NOTE = (
    "Airflow 3 runs a cron schedule as a trigger: a run's logical date ({{ ds }}, "
    "{{ logical_date }}) is the time it runs, where Airflow 2 gave the start of the interval "
    "(for @daily, one day earlier). Check the templates of this DAG, or keep Airflow 2's "
    "behaviour with a CronDataIntervalTimetable schedule."
)


class VerifyError(DagyardError):
    """A side of the comparison could not be loaded at all."""


def verify(root: Path, results: list[FileResult], airflow2_python: Path) -> list[Difference]:
    """Load every Python file of `results` before (Airflow 2) and after (Airflow 3) and compare."""
    root = root.resolve()
    python_results = [
        r
        for r in results
        if r.path.suffix == ".py" and r.error is None and r.path.resolve().is_relative_to(root)
    ]
    if not python_results:
        return []
    dags = root / "dags" if (root / "dags").is_dir() else root
    names = [r.path.resolve().relative_to(root).as_posix() for r in python_results]
    with tempfile.TemporaryDirectory(prefix="dagyard-verify-") as scratch:
        scratch_path = Path(scratch)
        before = _materialise(root, python_results, scratch_path / "before", "before")
        after = _materialise(root, python_results, scratch_path / "after", "after")
        relative_dags = dags.relative_to(root)
        old = _describe(airflow2_python, before, relative_dags, names, scratch_path / "home2")
        new = _describe(Path(sys.executable), after, relative_dags, names, scratch_path / "home3")
    differences: list[Difference] = []
    for name in names:
        differences += compare(name, old.get(name, {}), new.get(name, {}))
    return differences


def compare(name: str, old: dict, new: dict) -> list[Difference]:
    """The differences between two descriptions of one file, in plain words."""
    found: list[Difference] = []
    if new.get("error"):
        found.append(Difference(name, None, f"does not load in Airflow 3: {new['error']}"))
    if old.get("error") and not new.get("error"):
        return found  # it did not load before either; nothing to compare
    old_dags, new_dags = old.get("dags", {}), new.get("dags", {})
    for dag_id in sorted(set(old_dags) - set(new_dags)):
        if not new.get("error"):
            found.append(Difference(name, dag_id, "this DAG is missing after the migration"))
    for dag_id in sorted(set(new_dags) - set(old_dags)):
        found.append(
            Difference(
                name,
                dag_id,
                "this DAG loads only in Airflow 3 (it needs a package the Airflow 2 "
                "environment does not have)",
                "note",
            )
        )
    for dag_id in sorted(set(old_dags) & set(new_dags)):
        found += _compare_dag(name, dag_id, old_dags[dag_id], new_dags[dag_id])
    return found


def _compare_dag(name: str, dag_id: str, old: dict, new: dict) -> list[Difference]:
    found = []
    for field in ("schedule", "start_date", "owner"):
        if old.get(field) != new.get(field):
            found.append(
                Difference(name, dag_id, f"{field} was {old.get(field)!r}, now {new.get(field)!r}")
            )
    if (old.get("timetable"), new.get("timetable")) == (
        "CronDataIntervalTimetable",
        "CronTriggerTimetable",
    ):
        found.append(Difference(name, dag_id, CRON_NOTE, "note"))
    old_tasks, new_tasks = old["tasks"], new["tasks"]
    if set(old_tasks) != set(new_tasks):
        missing = sorted(set(old_tasks) - set(new_tasks))
        added = sorted(set(new_tasks) - set(old_tasks))
        found.append(Difference(name, dag_id, f"tasks differ: missing {missing}, added {added}"))
    for task_id in sorted(set(old_tasks) & set(new_tasks)):
        found += _compare_task(name, dag_id, task_id, old_tasks[task_id], new_tasks[task_id])
    return found


def _compare_task(name: str, dag_id: str, task_id: str, old: dict, new: dict) -> list[Difference]:
    found = []
    where = f"task {task_id}: "
    if _operator(old["operator"]) != new["operator"]:
        found.append(
            Difference(name, dag_id, f"{where}was a {old['operator']}, now a {new['operator']}")
        )
    for field in ("upstream", "retries", "owner"):
        if old[field] != new[field]:
            found.append(
                Difference(name, dag_id, f"{where}{field} was {old[field]!r}, now {new[field]!r}")
            )
    for field, value in old["template_fields"].items():
        expected = rewrite_template(value).text.replace('"', "'")
        got = new["template_fields"].get(field)
        if got is not None and got.replace('"', "'") != expected:
            found.append(Difference(name, dag_id, f"{where}the template `{field}` changed"))
    return found


def _operator(old_class: str) -> str:
    """The class name Airflow gave an Airflow 2 operator class (DummyOperator -> EmptyOperator)."""
    for names in shipped_moves().values():
        target = names.get(old_class)
        if target:
            return target.rpartition(".")[2]
    return old_class


def _materialise(root: Path, results: list[FileResult], target: Path, side: str) -> Path:
    """Copy the repository with its files as they were (or as migrated) into `target`."""
    shutil.copytree(
        root,
        target,
        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".dagyard"),
        dirs_exist_ok=True,
    )
    for result in results:
        relative = result.path.resolve().relative_to(root)
        (target / relative).write_text(result.before if side == "before" else result.after)
    return target


def _describe(python: Path, root: Path, dags: Path, files: list[str], home: Path) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(python), str(DESCRIBE), *files],
        cwd=root,
        env=airflow_env.describe_env(home, root / dags, root),
        capture_output=True,
        text=True,
        timeout=60 + 5 * len(files),
        check=False,
    )
    if MARKER not in result.stdout:
        raise VerifyError(
            f"{python} could not describe the DAGs:\n{result.stderr.strip()[-2000:]}",
            "the lines above say why; `dagyard migrate --check` lists the files without loading "
            "them in two Airflows",
        )
    return json.loads(result.stdout.split(MARKER, 1)[1])
