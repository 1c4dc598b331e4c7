"""Benchmark `dagyard dev` and `dagyard run` against stock Airflow on the same DAG folder.

Baselines, run side by side in the same session:
- `airflow standalone` (same Airflow version, migrated SQLite DB, same DAG folder, every request
  an admin so the API can be polled the same way) for start-up time and memory;
- `airflow dags test` for running a DAG once.

Prints a Markdown section for docs/benchmarks.md. Run: `python -m bench dev` (about 10 min).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dag-repo"
BIN = Path(sys.executable).parent
DEV_DAGS = ["hello_taskflow", "my_first_report"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
EDITS = int(os.environ.get("BENCH_EDITS", "10"))
SETTLE_SECONDS = 3.0  # before each timed start, so the last environment's exit is not measured

ONE_TASK_DAG = """\
from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

with DAG("one_task", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="only", python_callable=lambda: print("done"))
"""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_repo(parent: Path, name: str) -> Path:
    """A copy of the example DAG repo without local state."""
    target = parent / name
    shutil.copytree(
        EXAMPLE, target, ignore=shutil.ignore_patterns(".dagyard", "__pycache__", ".venv", ".tools")
    )
    (target / "dags" / "_development" / "one_task.py").write_text(ONE_TASK_DAG)
    return target


def wait_ready(url: str, expected: list[str], timeout: float = 300) -> float:
    """Poll until the API is healthy and lists `expected`; return the monotonic time it was."""
    deadline = time.monotonic() + timeout
    token = None
    with httpx.Client(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if token is None:
                    token = client.get("/auth/token").json()["access_token"]
                health = client.get("/api/v2/monitor/health").json()
                healthy = all(
                    (health.get(part) or {}).get("status") == "healthy"
                    for part in ("metadatabase", "scheduler", "dag_processor")
                )
                listed = {
                    d["dag_id"]
                    for d in client.get(
                        "/api/v2/dags", headers={"Authorization": f"Bearer {token}"}
                    ).json()["dags"]
                }
                if healthy and set(expected) <= listed:
                    return time.monotonic()
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.05)
    raise TimeoutError(f"{url} not ready within {timeout} s")


def tree_pss_mb(pid: int) -> float:
    """Sum of the proportional set size of a process and all its descendants, in MB."""
    total = 0
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 1e6


def stop_tree(process: subprocess.Popen, signum: int = signal.SIGINT) -> None:
    """Stop a started command and make sure nothing of it is left."""
    try:
        tree = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    process.send_signal(signum)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    for child in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def start_dagyard_dev(project: Path, *extra: str) -> tuple[subprocess.Popen, str, float]:
    """Start `dagyard dev`; return the process, its URL and the seconds until ready."""
    time.sleep(SETTLE_SECONDS)
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [str(BIN / "dagyard"), "dev", "--project", str(project), "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    ready = wait_ready(url, [*DEV_DAGS, "one_task"])
    return process, url, ready - started


def standalone_env(project: Path, home: Path, port: int) -> dict[str, str]:
    """Environment for `airflow standalone` on the same DAG folder as `dagyard dev`."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags" / "_development"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "PYTHONPATH": str(project / "dags"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def start_standalone(
    project: Path, home: Path, dags: list[str] | None = None, bin_dir: Path = BIN
) -> tuple[subprocess.Popen, str, float]:
    """Start `airflow standalone` from `bin_dir` on a migrated DB until `dags` are listed;
    return process, URL, seconds until ready."""
    port = free_port()
    env = standalone_env(project, home, port)
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    if not (home / "airflow.db").exists():
        subprocess.run(
            [str(bin_dir / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True
        )
    time.sleep(SETTLE_SECONDS)
    started = time.monotonic()
    process = subprocess.Popen(
        [str(bin_dir / "airflow"), "standalone"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    ready = wait_ready(url, dags or [*DEV_DAGS, "one_task"])
    return process, url, ready - started


def stop_standalone(process: subprocess.Popen) -> None:
    """Stop `airflow standalone` and everything it left behind (it leaves its scheduler)."""
    stop_tree(process, signal.SIGTERM)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def time_change(
    url: str, change: Callable[[int], str], check: Callable[[httpx.Client, str], bool], rounds: int
) -> list[float]:
    """Seconds from making a change to seeing it through the API, once per round."""
    token = httpx.get(f"{url}/auth/token").json()["access_token"]
    results = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=5) as api:
        for number in range(rounds):
            started = time.monotonic()
            marker = change(number)
            deadline = started + 120
            while time.monotonic() < deadline and not check(api, marker):
                time.sleep(0.02)
            results.append(time.monotonic() - started)
            time.sleep(0.5)
    return results


def edit_tag(project: Path) -> Callable[[int], str]:
    """A change: give hello_taskflow a new tag; returns the tag."""
    path = project / "dags" / "_development" / "hello_taskflow.py"
    original = path.read_text()

    def change(number: int) -> str:
        tag = f"edit{number}x{int(time.time())}"
        path.write_text(original.replace('"taskflow"]', f'"taskflow", "{tag}"]'))
        return tag

    return change


def has_tag(api: httpx.Client, tag: str) -> bool:
    """Whether hello_taskflow carries `tag` according to the API."""
    response = api.get("/api/v2/dags/hello_taskflow")
    return response.is_success and tag in [t["name"] for t in response.json()["tags"]]


def new_file(project: Path) -> Callable[[int], str]:
    """A change: add a new DAG file; returns its dag_id."""

    def change(number: int) -> str:
        dag_id = f"brand_new_{number}_{int(time.time())}"
        (project / "dags" / "_development" / f"{dag_id}.py").write_text(
            ONE_TASK_DAG.replace('"one_task"', f'"{dag_id}"')
        )
        return dag_id

    return change


def is_listed(api: httpx.Client, dag_id: str) -> bool:
    """Whether the API lists `dag_id`."""
    return api.get(f"/api/v2/dags/{dag_id}").status_code == 200


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and exit code of a command."""
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    return time.monotonic() - started, result.returncode


def dags_test_env(project: Path, home: Path) -> dict[str, str]:
    """Environment for `airflow dags test` on the same DAG folder, migrated DB, same secrets."""
    env = standalone_env(project, home, free_port())
    secrets = project / ".dagyard" / "secrets"
    env["AIRFLOW__SECRETS__BACKEND"] = "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    env["AIRFLOW__SECRETS__BACKEND_KWARGS"] = (
        f'{{"connections_file_path": "{secrets / "connections.yaml"}", '
        f'"variables_file_path": "{secrets / "variables.yaml"}"}}'
    )
    return env


def median(values: list[float]) -> float:
    """Median of a list of numbers."""
    return statistics.median(values)


def main() -> None:
    """Run every measurement and print the Markdown section."""
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="dagyard-bench-") as tmp:
        base = Path(tmp)
        project = fresh_repo(base, "repo")
        cache = base / "cache"
        os.environ["XDG_CACHE_HOME"] = str(cache)

        # Fresh project, first time on this machine (no migrated template yet).
        process, _, first_ever = start_dagyard_dev(project)
        stop_tree(process)
        # Fresh project with the template cached.
        fresh_times = []
        for number in range(ROUNDS):
            other = fresh_repo(base, f"fresh{number}")
            process, _, seconds = start_dagyard_dev(other)
            fresh_times.append(seconds)
            stop_tree(process)

        # Start with a migrated DB: dagyard dev vs airflow standalone, alternating.
        dev_times, standalone_times, dev_pss, standalone_pss = [], [], [], []
        home = base / "standalone-home"
        home.mkdir()
        for _ in range(ROUNDS):
            process, _, seconds = start_dagyard_dev(project)
            dev_times.append(seconds)
            time.sleep(5)
            dev_pss.append(tree_pss_mb(process.pid))
            stop_tree(process)
            process, _, seconds = start_standalone(project, home)
            standalone_times.append(seconds)
            time.sleep(5)
            standalone_pss.append(tree_pss_mb(process.pid))
            stop_standalone(process)

        # Edit and new-file feedback, with dagyard dev running.
        process, url, _ = start_dagyard_dev(project)
        edits = time_change(url, edit_tag(project), has_tag, EDITS)
        additions = time_change(url, new_file(project), is_listed, EDITS)
        stop_tree(process)
        for extra in (project / "dags" / "_development").glob("brand_new_*.py"):
            extra.unlink()

        # dagyard run vs airflow dags test.
        run_env = {**os.environ}
        runs = {}
        for dag_id in ("one_task", "daily_revenue_mart"):
            ours = [
                timed([str(BIN / "dagyard"), "run", dag_id, "--project", str(project)], run_env)
                for _ in range(ROUNDS)
            ]
            test_home = base / f"dags-test-{dag_id}"
            test_home.mkdir()
            env = dags_test_env(project, test_home)
            if dag_id == "daily_revenue_mart":
                env["AIRFLOW__CORE__DAGS_FOLDER"] = str(project / "dags" / "data_mart")
            subprocess.run(
                [str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True
            )
            theirs = [
                timed([str(BIN / "airflow"), "dags", "test", dag_id], env) for _ in range(ROUNDS)
            ]
            runs[dag_id] = (ours, theirs)

    def fmt(values: list[float]) -> str:
        return f"{median(values):.1f} s (runs: {', '.join(f'{v:.1f}' for v in values)})"

    rows.append(
        (
            "start to ready, migrated DB (≤ 8 s; ≥ 2.5× faster)",
            fmt(dev_times),
            fmt(standalone_times),
            f"{median(standalone_times) / median(dev_times):.1f}×",
        )
    )
    rows.append(
        ("start to ready, fresh project, template cached (≤ 15 s)", fmt(fresh_times), "—", "")
    )
    rows.append(
        ("start to ready, fresh project, first time on the machine", f"{first_ever:.1f} s", "—", "")
    )
    rows.append(
        (
            "edit a DAG file → change visible in the API (median ≤ 1 s)",
            fmt(edits),
            "Airflow default: up to 30 s",
            "",
        )
    )
    rows.append(
        (
            "add a DAG file → listed by the API (median ≤ 1.5 s)",
            fmt(additions),
            "Airflow default: up to 300 s",
            "",
        )
    )
    for dag_id, label in (
        ("one_task", "1-task DAG (≤ 4 s)"),
        ("daily_revenue_mart", "7-task DAG (≥ 2× faster)"),
    ):
        ours, theirs = runs[dag_id]
        ok = all(code == 0 for _, code in ours) and all(code == 0 for _, code in theirs)
        ours_s, theirs_s = [s for s, _ in ours], [s for s, _ in theirs]
        rows.append(
            (
                f"`dagyard run` {label} vs `airflow dags test`"
                + ("" if ok else " (a run failed!)"),
                fmt(ours_s),
                fmt(theirs_s),
                f"{median(theirs_s) / median(ours_s):.1f}×",
            )
        )
    rows.append(
        (
            "memory of the running environment, sum of PSS (≤ 1 GB)",
            f"{median(dev_pss):.0f} MB",
            f"{median(standalone_pss):.0f} MB",
            f"{median(standalone_pss) / median(dev_pss):.1f}×",
        )
    )

    print("\n## dagyard dev and dagyard run\n")
    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {ROUNDS} rounds "
        f"({EDITS} for edits), baselines alternated with dagyard in the same run.\n"
    )
    print("| measurement | dagyard | baseline | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
