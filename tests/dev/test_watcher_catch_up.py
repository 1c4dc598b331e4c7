"""Saves made after the "ready" line but before the file watcher runs are not lost."""

from __future__ import annotations

import os
import time
from pathlib import Path

from watchfiles import Change

from dagyard.airflow_env import Bundle
from dagyard.dev.watcher import DagFileWatcher

HOUR_NS = 3600 * 10**9


def _age(path: Path, moment_ns: int) -> None:
    os.utime(path, ns=(moment_ns, moment_ns))


def test_files_saved_since_the_moment_are_named_and_older_ones_are_not(tmp_path):
    dags, templates = tmp_path / "dags", tmp_path / "templates"
    folder = dags / "_development"
    (folder / "__pycache__").mkdir(parents=True)
    templates.mkdir()
    old = {
        folder / "old.py": "x = 1\n",
        folder / "old.pipeline.yaml": "pipeline: old\n",
        templates / "old_template.py": "y = 1\n",
    }
    for path, text in old.items():
        path.write_text(text)
        _age(path, time.time_ns() - HOUR_NS)
    moment = time.time_ns()
    (folder / "saved.py").write_text("x = 2\n")
    (folder / "saved.pipeline.yaml").write_text("pipeline: saved\n")
    (templates / "greet.py").write_text("z = 1\n")
    (folder / "notes.txt").write_text("not a DAG file\n")
    (folder / "__pycache__" / "saved.cpython-311.py").write_text("")

    watcher = DagFileWatcher([Bundle("dev", folder)], dags, None, "key", print, tmp_path, templates)

    assert sorted(watcher.saved_since(moment)) == sorted(
        [
            (Change.modified, str(folder / "saved.py")),
            (Change.modified, str(folder / "saved.pipeline.yaml")),
            (Change.modified, str(templates / "greet.py")),
        ]
    )


def test_nothing_saved_since_means_no_changes(tmp_path):
    folder = tmp_path / "dags" / "_development"
    folder.mkdir(parents=True)
    (folder / "report.py").write_text("x = 1\n")
    _age(folder / "report.py", time.time_ns() - HOUR_NS)
    watcher = DagFileWatcher(
        [Bundle("dev", folder)], tmp_path / "dags", None, "key", print, tmp_path
    )
    assert watcher.saved_since(time.time_ns()) == []
