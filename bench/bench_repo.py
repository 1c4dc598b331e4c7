"""Benchmark a DAG repository made by `dagyard init`, from its own environment.

1. `dagyard init` -> `make dev` ready in the new repository, package caches warm: the whole
   first-day path (template, `uv lock`, uv bootstrapped by the Makefile, `uv sync --frozen`
   of the lock into the repository's `.venv`, Airflow started). Target: <= 30 s.
2. `dagyard dev` started from the repository's own `.venv` against `airflow standalone` from the
   same `.venv` on the same DAG folder, alternated in one run. Target: <= 8 s and >= 2.5x faster.

"Ready" is the same for both, measured from outside (bench_dev.wait_ready): the API answers,
health reports the metadatabase, scheduler and DAG processor healthy, and the DAG is listed.
Prints a Markdown section for docs/benchmarks.md. Run: `python -m bench repo` (about 5 min).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_dev import (
    SETTLE_SECONDS,
    free_port,
    median,
    start_standalone,
    stop_standalone,
    stop_tree,
    tree_pss_mb,
    wait_ready,
)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DAGS = ["hello_dagyard"]


def user_env() -> dict[str, str]:
    """A shell with Python 3.11, git and make, and no uv: the Makefile bootstraps its own."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    python_bin = Path(sys.base_prefix) / "bin"
    return {**keep, "PATH": os.pathsep.join([str(python_bin), "/usr/bin", "/bin"])}


def init_to_ready(parent: Path, number: int) -> tuple[float, float, Path]:
    """Seconds from `dagyard init` to `make dev` ready, and of `init` alone; the repository."""
    repo = parent / f"acme-{number}"
    env = user_env()
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "dagyard"), "init", str(repo), "--org", "acme", "--email-domain", "acme.com"],
        check=True,
        capture_output=True,
        env=env,
    )
    initialised = time.monotonic()
    port = free_port()
    toml = repo / "dagyard.toml"
    toml.write_text(toml.read_text().replace("port = 8080", f"port = {port}"))
    process = subprocess.Popen(
        ["make", "dev"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}", DAGS, timeout=600)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    return ready - started, initialised - started, repo


def dev_from_repo(repo: Path) -> tuple[float, float]:
    """Start `dagyard dev` from the repository's `.venv`: seconds to ready, memory (PSS MB)."""
    time.sleep(SETTLE_SECONDS)
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [str(repo / ".venv" / "bin" / "dagyard"), "dev", "--port", str(port)],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}", DAGS) - started
        time.sleep(2)
        memory = tree_pss_mb(process.pid)
    finally:
        stop_tree(process)
    return ready, memory


def standalone_from_repo(repo: Path, home: Path) -> tuple[float, float]:
    """Start `airflow standalone` from the repository's `.venv` on the same DAG folder."""
    process, _, ready = start_standalone(repo, home, DAGS, repo / ".venv" / "bin")
    try:
        time.sleep(2)
        memory = tree_pss_mb(process.pid)
    finally:
        stop_standalone(process)
    return ready, memory


def _figures(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def main() -> None:
    """Run both measurements and print the Markdown section."""
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="dagyard-bench-repo-") as tmp:
        parent = Path(tmp)
        # one untimed round fills the package caches (uv's and pip's), as on a laptop that
        # has installed dagyard before
        _, _, warm = init_to_ready(parent, 0)
        shutil.rmtree(warm)
        firsts, inits, repos = [], [], []
        for number in range(1, ROUNDS + 1):
            total, init, repo = init_to_ready(parent, number)
            firsts.append(total)
            inits.append(init)
            repos.append(repo)
        repo = repos[-1]
        dev, standalone, dev_mb, standalone_mb = [], [], [], []
        home = parent / "standalone-home"
        home.mkdir()
        for _ in range(ROUNDS):
            seconds, memory = dev_from_repo(repo)
            dev.append(seconds)
            dev_mb.append(memory)
            seconds, memory = standalone_from_repo(repo, home)
            standalone.append(seconds)
            standalone_mb.append(memory)
    ratio = median(standalone) / median(dev)
    print("## A DAG repository made by dagyard init\n")
    print(
        "`python -m bench repo` (bench/bench_repo.py). A repository made by `dagyard init` "
        "from this checkout (dagyard as an editable path source); `make dev` run with Python "
        "3.11, git and make on the PATH and no uv, so the Makefile bootstraps it. "
        f"{ROUNDS} rounds after one untimed round that fills the package caches. Load average "
        f"at the start: {load[0]:.1f} (2 cores).\n"
    )
    print("| measurement | target | dagyard | baseline | ratio |")
    print("|---|---|---|---|---|")
    print(
        f"| `dagyard init` → `make dev` ready, caches warm | ≤ 30 s | "
        f"**{median(firsts):.1f} s** ({_figures(firsts)}) | — | |"
    )
    print(
        f"| of which `dagyard init` (template, `uv lock`, `git init`) | — | {median(inits):.1f} s "
        f"({_figures(inits)}) | — | |"
    )
    print(
        f"| `dagyard dev` from the repository's `.venv`, start to ready | ≤ 8 s, ≥ 2.5× faster | "
        f"**{median(dev):.1f} s** ({_figures(dev)}) | `airflow standalone` from the same "
        f".venv {median(standalone):.1f} s ({_figures(standalone)}) | **{ratio:.1f}×** |"
    )
    print(
        f"| memory of the running environment, sum of PSS | — | {median(dev_mb):.0f} MB | "
        f"`airflow standalone` {median(standalone_mb):.0f} MB | "
        f"{median(standalone_mb) / median(dev_mb):.1f}× less |"
    )


if __name__ == "__main__":
    main()
