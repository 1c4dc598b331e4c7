"""`dagyard dev` notices a changed uv.lock and changed installed packages between two looks."""

from __future__ import annotations

import os
import time
from pathlib import Path

from dagyard.airflow_env import Bundle
from dagyard.dev.dependencies import DependencyWatch, missing_module_files


def bump(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def test_a_lock_change_and_a_package_change_are_told_apart(tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text("version = 1\n")
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    watch = DependencyWatch(tmp_path, tmp_path / ".venv")
    assert watch.changed() is None
    bump(lock)
    assert watch.changed() == (True, False)
    assert watch.changed() is None
    (site / "humanize").mkdir()  # a package installed: the folder changes
    bump(site)
    assert watch.changed() == (False, True)
    bump(lock)
    watch.settle()
    assert watch.changed() is None


def test_only_files_that_missed_a_module_are_parsed_again(tmp_path):
    folder = tmp_path / "dags" / "_development"
    folder.mkdir(parents=True)
    for name in ("a.py", "b.py", "c.py"):
        (folder / name).write_text("")
    errors = [
        {
            "bundle_name": "dev",
            "filename": "a.py",
            "stack_trace": "ModuleNotFoundError: No module named 'humanize'",
        },
        {
            "bundle_name": "dev",
            "filename": "b.py",
            "stack_trace": "NameError: name 'x' is not defined",
        },
        {
            "bundle_name": "dev",
            "filename": "c.py",
            "stack_trace": "ModuleNotFoundError: No module named 'airflow.operators.bash'",
        },
        {
            "bundle_name": "dev",
            "filename": "gone.py",
            "stack_trace": "ModuleNotFoundError: No module named 'x'",
        },
    ]
    assert missing_module_files(errors, [Bundle("dev", folder)]) == [folder / "a.py"]
