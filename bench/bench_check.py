"""Benchmark `dagyard check` against one `DagBag` over the same 700-file synthetic repo.

Generates a DAG repository in a temporary folder (700 DAG files of 3-10 tasks, shared helper
modules, 50 of them importing `common/finance.py`, and a `tests/` folder whose 70 modules import
DAG modules and `common/finance.py`, as test suites do), makes it a git repo, then measures:

- baseline: one `DagBag` over the DAGs folder in one fresh process (import included);
- the files Airflow parses (`list_py_file_paths`, safe mode) against the files checked;
- `dagyard check --all` cold (fresh process, nothing cached); with `BENCH_CHECK_COMPARE_WITH`
  set to another `dagyard` executable (say, the main branch's), that one too, alternated;
- `dagyard check FILE` on one file, cold;
- `dagyard check --watch`: from a save of one DAG file to its result line;
- `dagyard check --changed` after editing `common/finance.py`: how many DAG files it checked.

Prints a Markdown section for docs/benchmarks.md (`python -m bench check`).
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

FILES = 700
FINANCE_USERS = 50
TEST_MODULES = 70
RUNS = 3
DAGYARD = str(Path(sys.executable).with_name("dagyard"))
FOLDERS = ["data_lake", "data_mart", "monitoring", "crawling", "finance", "marketing"]

HELPERS = {
    "common/__init__.py": '"""Shared helpers."""\n',
    "common/defaults.py": '''
        """Default task arguments."""

        from datetime import timedelta


        def default_args(owner: str, retries: int = 2) -> dict:
            """Default arguments for a DAG owned by `owner`."""
            return {"owner": owner, "retries": retries, "retry_delay": timedelta(minutes=5)}
    ''',
    "common/sql.py": '''
        """SQL snippets shared by DAGs."""


        def select_day(table: str) -> str:
            """A query for one day of `table`."""
            return f"select * from {table} where ds = '{{{{ ds }}}}'"
    ''',
    "common/alerts.py": '''
        """Failure callbacks."""


        def notify(context: dict) -> None:
            """Print the failed task."""
            print("failed:", context.get("task_instance"))
    ''',
    "common/finance.py": '''
        """Finance rules shared by the finance DAGs."""

        CURRENCIES = ["KRW", "USD", "EUR"]


        def convert(amount: float, currency: str) -> float:
            """Convert to KRW."""
            return amount * {"KRW": 1, "USD": 1300, "EUR": 1400}[currency]
    ''',
}


def dag_source(index: int, rng: random.Random, finance: bool) -> str:
    """One realistic DAG file: classic operators or TaskFlow, 3-10 tasks."""
    folder = FOLDERS[index % len(FOLDERS)]
    tasks = rng.randint(3, 10)
    owner = f"team{index % 17}@example.com"
    dag_id = f"{folder}_pipeline_{index:04d}"
    imports = ["from common.defaults import default_args", "from common.sql import select_day"]
    if finance:
        imports.append("from common.finance import CURRENCIES, convert")
    if index % 3 == 0:
        body = [
            f"    @task\n    def step_{n}(value: int = {n}) -> int:\n        return value + 1\n"
            for n in range(tasks)
        ]
        chain = " >> ".join(f"step_{n}()" for n in range(tasks))
        return textwrap.dedent(
            """\
            \"\"\"Synthetic TaskFlow DAG {i}.\"\"\"

            from datetime import datetime

            from airflow.sdk import dag, task

            {imports}


            @dag(
                dag_id="{dag_id}",
                schedule="@daily",
                start_date=datetime(2024, 1, 1),
                catchup=False,
                tags=["{folder}"],
                default_args=default_args("{owner}"),
            )
            def pipeline():
            """
        ).format(i=index, imports="\n".join(imports), dag_id=dag_id, folder=folder, owner=owner) + (
            "\n".join(body) + f"\n    {chain}\n\n\npipeline()\n"
        )
    lines = [
        f'"""Synthetic DAG {index}."""',
        "",
        "from datetime import datetime",
        "",
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.providers.standard.operators.empty import EmptyOperator",
        "from airflow.providers.standard.operators.python import PythonOperator",
        "from airflow.sdk import DAG",
        *(
            ["from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator"]
            if index % 10 == 1
            else []
        ),
        "",
        *imports,
        "",
        "",
        "def work(table: str) -> int:",
        "    return len(select_day(table))",
        "",
        "",
        "with DAG(",
        f'    dag_id="{dag_id}",',
        f'    schedule="{rng.randint(0, 59)} {rng.randint(0, 23)} * * *",',
        "    start_date=datetime(2024, 1, 1),",
        "    catchup=False,",
        f'    tags=["{folder}"],',
        f'    default_args=default_args("{owner}"),',
        "):",
        '    start = EmptyOperator(task_id="start")',
        "    previous = start",
    ]
    if index % 10 == 1:
        lines.append(
            '    pod = KubernetesPodOperator(task_id="pod", name="sync", image="python:3.11-slim")'
        )
        lines.append("    start >> pod")
    for n in range(tasks - 1):
        if n % 2:
            lines.append(
                f'    step_{n} = BashOperator(task_id="step_{n}", bash_command="echo {{{{ ds }}}}")'
            )
        else:
            lines.append(
                f'    step_{n} = PythonOperator(task_id="step_{n}", python_callable=work, '
                f'op_args=["t{n}"])'
            )
        lines.append(f"    previous >> step_{n}")
        lines.append(f"    previous = step_{n}")
    return "\n".join(lines) + "\n"


def generate(root: Path) -> Path:
    """Write the synthetic repo (git repo with one commit) under `root` and return it."""
    rng = random.Random(7)
    dags = root / "dags"
    for name, text in HELPERS.items():
        path = dags / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    finance_users = set(rng.sample(range(FILES), FINANCE_USERS))
    for index in range(FILES):
        folder = dags / FOLDERS[index % len(FOLDERS)]
        folder.mkdir(exist_ok=True)
        (folder / f"pipeline_{index:04d}.py").write_text(
            dag_source(index, rng, index in finance_users)
        )
    tests = root / "tests"
    tests.mkdir()
    for n, index in enumerate(rng.sample(range(FILES), TEST_MODULES)):
        module = f"{FOLDERS[index % len(FOLDERS)]}.pipeline_{index:04d}"
        (tests / f"test_pipeline_{n:02d}.py").write_text(
            f'"""Loads a DAG module, as test suites do."""\n\nimport {module}\n'
            "from common import finance\n\n\n"
            f"def test_loads():\n    assert {module} and finance.CURRENCIES\n"
        )
    teams = "\n".join(f'[teams.{folder}]\nfolders = ["{folder}"]\n' for folder in FOLDERS)
    (root / "dagyard.toml").write_text(
        f'[project]\nname = "bench"\n\n[owners]\nemail_domains = ["example.com"]\n\n{teams}'
    )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *command], cwd=root, check=True, env=env)
    return root


BASELINE = """
import sys, time
start = time.monotonic()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], collect_dags=False)
bag.collect_dags(dag_folder=sys.argv[1], safe_mode=True)
print(len(bag.dags), len(bag.import_errors), time.monotonic() - start)
"""


AIRFLOW_PARSES = """
import json, sys
from pathlib import Path
from airflow.utils.file import list_py_file_paths
root = Path(sys.argv[1])
found = list_py_file_paths(root / "dags", safe_mode=True)
print(json.dumps(sorted(Path(p).resolve().relative_to(root).as_posix() for p in found)))
"""


def airflow_parses(root: Path) -> set[str]:
    """The files Airflow's DAG processor would parse in the repo (its own function)."""
    env = {**os.environ, "AIRFLOW_HOME": str(root / ".home")}
    done = subprocess.run(
        [sys.executable, "-c", AIRFLOW_PARSES, str(root.resolve())],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def baseline(root: Path) -> tuple[float, int]:
    """Wall time of one fresh process importing Airflow and filling one DagBag."""
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "dags"),
        "AIRFLOW_HOME": str(root / ".home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", BASELINE, str(root / "dags")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    dags = int(done.stdout.split()[0])
    return time.monotonic() - started, dags


def timed(args: list[str], root: Path, dagyard: str = DAGYARD) -> tuple[float, dict]:
    """Run `dagyard check ARGS --format json` in a fresh process; (seconds, parsed output).

    The output gets `cpu_seconds`: user + system CPU of the process and its children, a figure
    that other work on a shared machine disturbs much less than wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [dagyard, "check", *args, "--format", "json", "--project", str(root)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"dagyard check failed: {done.stdout}\n{done.stderr}") from None
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, {**data, "cpu_seconds": cpu}


def watch_latency(root: Path, target: Path) -> list[float]:
    """Seconds from writing `target` to `dagyard check --watch` printing its result."""
    process = subprocess.Popen(
        [DAGYARD, "check", "--watch", "--format", "json", "--project", str(root), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=root,
    )
    latencies = []
    try:
        assert process.stdout is not None
        process.stdout.readline()  # the first check, at start
        for n in range(RUNS + 1):
            text = target.read_text()
            time.sleep(0.3)
            saved = time.monotonic()
            target.write_text(text + f"\n# edit {n}\n")
            line = process.stdout.readline()
            if not line:
                break
            if n:  # the first save warms the file-system watcher
                latencies.append(time.monotonic() - saved)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return latencies


def main() -> None:
    """Measure and print the Markdown section."""
    with tempfile.TemporaryDirectory(prefix="dagyard-bench-check-") as tmp:
        root = generate(Path(tmp) / "repo")
        base_runs = [baseline(root) for _ in range(RUNS)]
        base = statistics.median(s for s, _ in base_runs)
        parses = airflow_parses(root)
        other = os.environ.get("BENCH_CHECK_COMPARE_WITH")
        all_runs, other_runs = [], []
        for _ in range(RUNS):
            all_runs.append(timed(["--all"], root))
            if other:
                other_runs.append(timed(["--all"], root, other))
        check_all = statistics.median(s for s, _ in all_runs)
        checked_all = set(all_runs[0][1]["summary"]["checked"])
        one_job = statistics.median(timed(["--all", "--jobs", "1"], root)[0] for _ in range(RUNS))
        files_all = all_runs[0][1]["summary"]["files"]
        one = root / "dags" / "data_lake" / "pipeline_0000.py"
        one_runs = [timed([str(one)], root)[0] for _ in range(RUNS)]
        finance = root / "dags" / "common" / "finance.py"
        finance.write_text(finance.read_text() + "\nRATE_TABLE = 'finance.rates'\n")
        changed_seconds, changed = timed(["--changed", "--base", "HEAD"], root)
        finance_users = {
            p.relative_to(root).as_posix()
            for p in (root / "dags").rglob("pipeline_*.py")
            if "common.finance" in p.read_text()
        }
        checked = set(changed["summary"]["checked"])
        watch = watch_latency(root, one)
    ratio = check_all / base
    same = "equal" if checked_all == parses else "DIFFERENT"
    compare = []
    if other_runs:
        other_all = statistics.median(s for s, _ in other_runs)
        other_cpu = statistics.median(d["cpu_seconds"] for _, d in other_runs)
        cpu_all = statistics.median(d["cpu_seconds"] for _, d in all_runs)
        other_checked = set(other_runs[0][1]["summary"]["checked"])
        compare = [
            f"| `--all`, wall / CPU | {check_all:.1f} s / {cpu_all:.1f} s CPU, "
            f"{len(checked_all)} files | `{other}` (alternated): {other_all:.1f} s / "
            f"{other_cpu:.1f} s CPU, {len(other_checked)} files | ≤ 1.5× (here "
            f"{check_all / other_all:.2f}× wall, {cpu_all / other_cpu:.2f}× CPU) |",
        ]
    lines = [
        "## dagyard check",
        "",
        f"Synthetic repo: {FILES} DAG files (3–10 tasks; classic operators and TaskFlow), "
        f"shared helpers in `dags/common/`, {FINANCE_USERS} DAGs import `common/finance.py`, "
        f"{TEST_MODULES} test modules import DAG modules and `common/finance.py`. "
        f"Median of {RUNS} runs, each in a fresh process (cold: Airflow imported every time).",
        "",
        "| measurement | dagyard check | baseline | target |",
        "|---|---|---|---|",
        f"| whole repo ({files_all} files) | `--all`: {check_all:.1f} s | one `DagBag` in one "
        f"process: {base:.1f} s ({base_runs[0][1]} DAGs) | ≤ 12 s and ≤ 1.5× baseline "
        f"(here {ratio:.2f}×) |",
        f"| whole repo, one worker | `--all --jobs 1`: {one_job:.1f} s | {base:.1f} s | "
        f"(here {one_job / base:.2f}×) |",
        f"| files checked by `--all` vs files Airflow parses | {len(checked_all)} checked | "
        f"{len(parses)} parsed (`list_py_file_paths`) | {same} |",
        *compare,
        f"| one changed file, cold | {statistics.median(one_runs):.1f} s | — | ≤ 4 s |",
        f"| `--watch`, save → result | {statistics.median(watch) if watch else float('nan'):.2f}"
        " s | — | ≤ 0.5 s |",
        f"| `--changed` after editing `common/finance.py` | {len(checked)} files checked "
        f"({'exactly' if checked == finance_users else 'NOT exactly'} the {len(finance_users)} "
        f"importers), {changed_seconds:.1f} s | — | exactly those 50 |",
        "",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
