"""Exit codes as the README's table says, and help texts that show every word they were given."""

from __future__ import annotations

import re
import select
import signal
import subprocess

import typer
from typer.testing import CliRunner

from dagyard.cli import build_app
from support import DAGYARD, SMALL_DAG


def test_ctrl_c_ends_check_watch_with_130(dag_repo):
    target = dag_repo / "dags" / "_development" / "watched.py"
    target.write_text(SMALL_DAG.format(dag_id="watched", owner="a@example.com"))
    process = subprocess.Popen(
        [DAGYARD, "check", "--watch", "--format", "json", str(target)],
        cwd=dag_repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready, "no first report from dagyard check --watch"
        process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_port_out_of_range_is_a_usage_error(dag_repo):
    done = subprocess.run(
        [DAGYARD, "dev", "--project", str(dag_repo), "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert not (dag_repo / ".dagyard" / "dev.json").exists()


def test_version_names_dagyard_and_airflow():
    done = subprocess.run([DAGYARD, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert re.fullmatch(r"dagyard \S+ \(Apache Airflow 3\.3\.\d+\)\n", done.stdout)


def _commands(group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


def test_every_bracketed_word_of_a_help_text_is_shown():
    """`[check] jobs` in a help text must not come out as `( jobs)` (rich markup eats it)."""
    app = build_app()
    root = typer.main.get_command(app)
    runner = CliRunner()
    checked = 0
    for path, command in _commands(root):
        texts = [getattr(p, "help", None) or "" for p in command.params]
        words = {w for text in texts for w in re.findall(r"\[[a-z_.]+\]", text.replace("\\", ""))}
        if not words:
            continue
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
        for word in words:
            assert word in shown, f"dagyard {' '.join(path)} --help lost {word}"
            checked += 1
    assert checked >= 5
