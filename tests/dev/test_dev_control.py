"""`dagyard dev status`, `logs` and `stop` for an environment started in another terminal."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psutil
import pytest

from dagyard.dev.supervisor import SESSION_MARKER
from support import DAGYARD, copy_example_repo, free_port, start_dev

pytestmark = pytest.mark.timeout(600)


def dagyard(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, "dev", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )


def session_processes(session: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(SESSION_MARKER) == session:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def test_status_logs_and_stop_from_another_terminal(tmp_path):
    project = copy_example_repo(tmp_path / "repo")
    dev = start_dev(project)
    try:
        state = json.loads((project / ".dagyard" / "dev.json").read_text())
        components = state["components"]
        assert set(components) == {
            "api-server",
            "execution-api",
            "scheduler",
            "dag-processor",
            "triggerer",
        }

        # a second `dagyard dev` is refused, and does not hide the running one
        second = dagyard(project, "--port", str(free_port()))
        assert second.returncode == 2
        assert f"dagyard dev is already running for this project (pid {dev.process.pid}" in (
            second.stderr
        )

        shown = dagyard(project, "status")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"dagyard dev is running → {dev.url}" in shown.stdout
        for name, pid in components.items():
            assert name in shown.stdout and str(pid) in shown.stdout
            assert psutil.Process(pid).ppid() == dev.process.pid
        assert "scheduler healthy" in shown.stdout
        assert "triggerer healthy" in shown.stdout

        logs = dagyard(project, "logs", "scheduler", "-n", "5")
        assert logs.returncode == 0
        assert len(logs.stdout.splitlines()) == 5
        scheduler_log = project / ".dagyard" / "logs" / "dev" / "scheduler.log"
        assert logs.stdout.splitlines()[-1] in scheduler_log.read_text()

        every = dagyard(project, "logs", "-n", "1")
        for name in components:
            assert f"── {name} (.dagyard/logs/dev/{name}.log)" in every.stdout

        typo = dagyard(project, "logs", "schedular")
        assert typo.returncode == 2
        assert "did you mean `scheduler`?" in typo.stderr

        follower = subprocess.Popen(
            [DAGYARD, "dev", "logs", "scheduler", "--follow", "-n", "1", "-p", str(project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert follower.stdout is not None
        first = follower.stdout.readline()  # it has shown the last line: it is following
        assert first.strip()
        family = [psutil.Process(dev.process.pid), *psutil.Process(dev.process.pid).children(True)]
        family += [p for p in session_processes(state["session"]) if p not in family]
        assert len(family) >= 5

        stopped = dagyard(project, "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert f"Stopped dagyard dev (pid {dev.process.pid})" in stopped.stdout
        assert "none of its" in stopped.stdout
        assert dev.process.wait(timeout=30) == 0
        assert running(family) == []
        assert session_processes(state["session"]) == []
        # a component slower than the grace period on a busy machine is killed, and said so
        assert "Stopped; nothing left running" in dev.text()

        # the follower saw the scheduler shut down, and ended by itself
        followed = first + follower.communicate(timeout=60)[0]
        assert follower.returncode == 0
        assert "Exiting gracefully upon receiving signal 15" in followed
        assert followed.rstrip().endswith("dagyard dev stopped.")
    finally:
        dev.stop()

    assert not (project / ".dagyard" / "dev.json").exists()
    nothing = dagyard(project, "status")
    assert nothing.returncode == 1
    assert "No dagyard dev is running for this project." in nothing.stdout
    again = dagyard(project, "stop")
    assert again.returncode == 0
    assert "Nothing to stop: no dagyard dev is running for this project." in again.stdout
    old = dagyard(project, "logs", "dag-processor", "-n", "2")
    assert old.returncode == 0
    assert "these are the last session's logs" in old.stdout
