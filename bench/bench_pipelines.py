"""Benchmark YAML pipelines against the same pipelines as Python DAGs and as dag-factory YAML.

One generator writes 700 pipelines three ways, with the same ids, steps and dependencies
(3-10 shell steps each, chained with one fan-out):

- dagyard pipeline files (`*.pipeline.yaml`);
- Python DAG files (BashOperator, `>>`);
- dag-factory 1.1 YAML files plus the one Python loader file dag-factory needs. dag-factory is
  installed into a throwaway folder (`~/.cache/dagyard/bench-dag-factory`, added to PYTHONPATH of
  the measured process only), never into the project's lock.

Measured side by side, in one run, each median of RUNS fresh processes:

1. `dagyard check --all` on the pipelines and on the Python DAGs;
2. the parse time of Airflow's `DagBag` (what the DAG processor runs on each file) over each of
   the three folders, in one process, Airflow's own import excluded;
3. save -> visible in `dagyard dev`: an edit that adds a step, until the terminal line and until
   the REST API lists the new step, for a pipeline and for a Python DAG (EDITS edits each).

Prints a Markdown section for docs/benchmarks.md (`python -m bench pipelines`).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

FILES = int(os.environ.get("BENCH_PIPELINE_FILES", "700"))
RUNS = int(os.environ.get("BENCH_ROUNDS", "3"))
EDITS = int(os.environ.get("BENCH_EDITS", "10"))
DEV_PIPELINES = 20
PORTS = (18410, 18411)  # this benchmark's dagyard dev sessions
BIN = Path(sys.executable).parent
DAGYARD = str(BIN / "dagyard")
FOLDERS = ["data_lake", "data_mart", "monitoring", "crawling", "finance", "marketing"]
DAG_FACTORY = "dag-factory==1.1.0"
DAG_FACTORY_HOME = Path.home() / ".cache" / "dagyard" / "bench-dag-factory"
TOML = '[owners]\nemail_domains = ["example.com"]\n[dev]\nparallelism = 2\n'


def shape(index: int, rng: random.Random) -> tuple[str, str, list[tuple[str, list[str]]]]:
    """(folder, id, [(step, needs)]) of pipeline `index`: a chain with one fan-out."""
    folder = FOLDERS[index % len(FOLDERS)]
    count = rng.randint(3, 10)
    steps = [(f"step_{n}", [f"step_{n - 1}"] if n else []) for n in range(count)]
    if count > 3:  # the last step waits for the two before it
        steps[-1] = (steps[-1][0], [f"step_{count - 3}", f"step_{count - 2}"])
    return folder, f"{folder}_pipeline_{index:04d}", steps


def pipeline_yaml(folder: str, dag_id: str, steps, owner: str) -> str:
    """The dagyard pipeline file."""
    lines = [
        f"pipeline: {dag_id}",
        f"description: Synthetic pipeline {dag_id}",
        f"owner: {owner}",
        'schedule: "0 3 * * *"',
        "start_date: 2024-01-01",
        f"tags: [{folder}]",
        "retries: 2",
        "steps:",
    ]
    for step, needs in steps:
        lines += [f"  {step}:", "    uses: bash"]
        if needs:
            lines.append(f"    needs: [{', '.join(needs)}]")
        lines.append(f'    with: {{command: "echo {step} {{{{ ds }}}}"}}')
    return "\n".join(lines) + "\n"


def python_dag(folder: str, dag_id: str, steps, owner: str) -> str:
    """The equivalent Python DAG file."""
    lines = [
        f'"""Synthetic pipeline {dag_id}."""',
        "",
        "from datetime import datetime",
        "",
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.sdk import DAG",
        "",
        "with DAG(",
        f'    dag_id="{dag_id}",',
        f'    description="Synthetic pipeline {dag_id}",',
        '    schedule="0 3 * * *",',
        "    start_date=datetime(2024, 1, 1),",
        "    catchup=False,",
        f'    tags=["{folder}"],',
        f'    default_args={{"owner": "{owner}", "retries": 2}},',
        "):",
    ]
    for step, _ in steps:
        lines.append(
            f'    {step} = BashOperator(task_id="{step}", bash_command="echo {step} {{{{ ds }}}}")'
        )
    for step, needs in steps:
        for need in needs:
            lines.append(f"    {need} >> {step}")
    return "\n".join(lines) + "\n"


def dag_factory_yaml(folder: str, dag_id: str, steps, owner: str) -> str:
    """The equivalent dag-factory 1.1 configuration file."""
    lines = [
        f"{dag_id}:",
        "  default_args:",
        f"    owner: {owner}",
        "    start_date: 2024-01-01",
        "    retries: 2",
        f"  description: Synthetic pipeline {dag_id}",
        '  schedule: "0 3 * * *"',
        "  catchup: false",
        f"  tags: [{folder}]",
        "  tasks:",
    ]
    for step, needs in steps:
        lines += [
            f"    {step}:",
            "      operator: airflow.providers.standard.operators.bash.BashOperator",
            f'      bash_command: "echo {step} {{{{ ds }}}}"',
        ]
        if needs:
            lines.append(f"      dependencies: [{', '.join(needs)}]")
    return "\n".join(lines) + "\n"


DAG_FACTORY_LOADER = """\
# airflow dag: dag-factory builds every DAG from the YAML files of this folder
from pathlib import Path

from dagfactory import load_yaml_dags

load_yaml_dags(globals_dict=globals(), dags_folder=str(Path(__file__).parent))
"""


def generate(root: Path, count: int = FILES) -> dict[str, Path]:
    """Three repositories with the same `count` pipelines; returns their roots by kind."""
    rng = random.Random(11)
    repos = {kind: root / kind for kind in ("pipelines", "python", "dag_factory")}
    for repo in repos.values():
        (repo / "dags").mkdir(parents=True)
        (repo / "dagyard.toml").write_text(TOML)
    for index in range(count):
        folder, dag_id, steps = shape(index, rng)
        owner = f"team{index % 17}@example.com"
        for kind, write, name in (
            ("pipelines", pipeline_yaml, f"{dag_id}.pipeline.yaml"),
            ("python", python_dag, f"{dag_id}.py"),
            ("dag_factory", dag_factory_yaml, f"{dag_id}.yaml"),
        ):
            target = repos[kind] / "dags" / folder / name
            target.parent.mkdir(exist_ok=True)
            target.write_text(write(folder, dag_id, steps, owner))
    (repos["dag_factory"] / "dags" / "load_dag_factory.py").write_text(DAG_FACTORY_LOADER)
    return repos


def dag_factory_path() -> Path | None:
    """A folder holding dag-factory 1.1 (installed here for this benchmark only), or None."""
    marker = DAG_FACTORY_HOME / "dagfactory" / "__init__.py"
    if not marker.exists():
        uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
        target = str(DAG_FACTORY_HOME)
        done = subprocess.run(
            [uv, "pip", "install", "--quiet", "--no-deps", "--target", target, DAG_FACTORY],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return None
    return DAG_FACTORY_HOME


DAGBAG = """
import json, sys, time
started = time.perf_counter()
import airflow
from airflow.dag_processing.dagbag import DagBag
from airflow.dag_processing.importers import get_importer_registry
if sys.argv[2] == "pipelines":
    from dagyard.pipelines.airflow_importer import register
    register()
imported = time.perf_counter()
folder = sys.argv[1]
bag = DagBag(dag_folder=folder, bundle_path=folder, bundle_name="bench", collect_dags=False)
times = []
for path in sorted(get_importer_registry().list_dag_files(folder, safe_mode=True)):
    begin = time.perf_counter()
    bag.process_file(path, only_if_updated=False, safe_mode=True)
    times.append(time.perf_counter() - begin)
print(json.dumps({"import": imported - started, "parse": sum(times), "first": times[0],
                  "rest_ms": 1000 * sum(times[1:]) / max(len(times) - 1, 1),
                  "files": len(times), "dags": len(bag.dags), "errors": len(bag.import_errors),
                  "tasks": sum(len(d.tasks) for d in bag.dags.values())}))
"""


def airflow_env(repo: Path, extra_path: list[Path] | None = None) -> dict[str, str]:
    """A scratch Airflow for reading DAG files only (no database is touched)."""
    home = repo / ".airflow"
    home.mkdir(exist_ok=True)
    paths = [str(p) for p in extra_path or []] + [str(repo / "dags")]
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(repo / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'unused.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "DAGYARD_PROJECT": str(repo),
        "PYTHONPATH": os.pathsep.join(paths),
    }


def dagbag(repo: Path, kind: str, extra_path: list[Path] | None = None) -> dict:
    """One fresh process: import Airflow, then one DagBag over the repo's DAGs folder."""
    done = subprocess.run(
        [sys.executable, "-c", DAGBAG, str(repo / "dags"), kind],
        capture_output=True,
        text=True,
        timeout=900,
        env=airflow_env(repo, extra_path),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"DagBag over {repo} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_all(repo: Path) -> tuple[float, dict]:
    """Wall seconds and JSON report of `dagyard check --all` in a fresh process."""
    started = time.monotonic()
    done = subprocess.run(
        [DAGYARD, "check", "--all", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=repo,
        check=False,
    )
    seconds = time.monotonic() - started
    return seconds, json.loads(done.stdout)


def dev_repo(parent: Path, kind: str) -> tuple[Path, list[Path]]:
    """A repository with DEV_PIPELINES pipelines (or Python DAGs) in dags/_development."""
    rng = random.Random(5)
    repo = parent / f"dev_{kind}"
    folder = repo / "dags" / "_development"
    folder.mkdir(parents=True)
    (repo / "dagyard.toml").write_text(TOML)
    files = []
    for index in range(DEV_PIPELINES):
        _, dag_id, steps = shape(index, rng)
        owner = "ana@example.com"
        if kind == "pipelines":
            path = folder / f"{dag_id}.pipeline.yaml"
            path.write_text(pipeline_yaml("dev", dag_id, steps, owner))
        else:
            path = folder / f"{dag_id}.py"
            path.write_text(python_dag("dev", dag_id, steps, owner))
        files.append(path)
    return repo, files


def add_step(path: Path, number: int) -> None:
    """Edit the file as a person would: one more step at the end."""
    step = f"extra_{number}"
    if path.suffix == ".py":
        line = f'    {step} = BashOperator(task_id="{step}", bash_command="echo {number}")\n'
    else:
        line = f"  {step}:\n    uses: bash\n    with: {{command: echo {number}}}\n"
    path.write_text(path.read_text() + line)


def save_to_visible(kind: str, parent: Path, port: int) -> tuple[list[float], list[float]]:
    """Seconds from a save to the terminal line, and to the REST API listing the new step."""
    repo, files = dev_repo(parent, kind)
    output = parent / f"dev_{kind}.out"
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    with output.open("w") as sink:
        process = subprocess.Popen(
            [DAGYARD, "dev", "--project", str(repo), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    terminal, api_seen = [], []
    try:
        deadline = time.monotonic() + 240
        while "Airflow is ready" not in output.read_text():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"dagyard dev did not start:\n{output.read_text()}")
            time.sleep(0.1)
        token = subprocess.run(
            [DAGYARD, "dev", "token", "--project", str(repo)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        pauses = random.Random(7)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as api:
            for number in range(EDITS):
                path = files[number % len(files)]
                dag_id = path.name.split(".")[0]
                want = f"extra_{number}"
                before = output.read_text().count(" → ")
                # A person's pause between saves, not a fixed one: Airflow's DAG processor loops
                # once a second, and a fixed 1 s pause would land every save at the same point
                # of that loop (its worst one, as measured).
                time.sleep(pauses.uniform(0.5, 1.5))
                started = time.monotonic()
                add_step(path, number)
                seen_terminal = seen_api = None
                while seen_api is None or seen_terminal is None:
                    now = time.monotonic()
                    if now - started > 60:
                        raise RuntimeError(f"edit {number} of {kind} not visible within 60 s")
                    if seen_terminal is None and output.read_text().count(" → ") > before:
                        seen_terminal = now - started
                    if seen_api is None:
                        tasks = api.get(f"/api/v2/dags/{dag_id}/tasks").json().get("tasks", [])
                        if any(t["task_id"] == want for t in tasks):
                            seen_api = time.monotonic() - started
                    time.sleep(0.02)
                terminal.append(seen_terminal)
                api_seen.append(seen_api)
    finally:
        process.send_signal(2)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return terminal, api_seen


def median(values) -> float:
    """The median (nan for no values)."""
    values = list(values)
    return statistics.median(values) if values else float("nan")


def main() -> None:
    """Measure and print the Markdown section."""
    with tempfile.TemporaryDirectory(prefix="dagyard-bench-pipelines-") as tmp:
        repos = generate(Path(tmp))
        factory = dag_factory_path()
        # rounds interleave the kinds, so that a busy moment of the machine hits them alike
        checks: dict[str, list] = {"pipelines": [], "python": []}
        bags: dict[str, list] = {"pipelines": [], "python": []}
        if factory is not None:
            bags["dag_factory"] = []
        for _ in range(RUNS):
            for kind in checks:
                checks[kind].append(check_all(repos[kind]))
            for kind in bags:
                extra = [factory] if kind == "dag_factory" else None
                bags[kind].append(dagbag(repos[kind], kind, extra))
        dev = {
            kind: save_to_visible(kind, Path(tmp), port)
            for kind, port in zip(("pipelines", "python"), PORTS, strict=True)
        }
    check = {kind: median(s for s, _ in runs) for kind, runs in checks.items()}
    summary = {kind: runs[0][1]["summary"] for kind, runs in checks.items()}
    parse = {kind: median(r["parse"] for r in runs) for kind, runs in bags.items()}
    first = {kind: median(r["first"] for r in runs) for kind, runs in bags.items()}
    rest = {kind: median(r["rest_ms"] for r in runs) for kind, runs in bags.items()}
    loaded = {kind: runs[0] for kind, runs in bags.items()}
    factory_row = (
        f"| `DagBag` parse, dag-factory 1.1 YAML | — | — | {parse['dag_factory']:.1f} s "
        f"({loaded['dag_factory']['dags']} DAGs, {loaded['dag_factory']['errors']} errors) | "
        f"pipelines faster (here {parse['dag_factory'] / parse['pipelines']:.1f}× faster) |"
        if "dag_factory" in parse
        else "| dag-factory 1.1 | could not be installed here, not measured | | | |"
    )
    lines = [
        "## YAML pipelines",
        "",
        f"`python -m bench pipelines`: {FILES} generated pipelines (3–10 shell steps, a chain "
        "with one fan-out), written three ways with the same ids, steps and dependencies: "
        "dagyard pipeline files, Python DAG files (BashOperator, `>>`), and dag-factory 1.1 YAML "
        "(plus its one loader file; dag-factory installed in a throwaway folder for this run "
        f"only). Median of {RUNS} fresh processes each, all in one run, the kinds taking turns.",
        "",
        "| measurement | pipelines (YAML) | Python DAGs | dag-factory 1.1 | target |",
        "|---|---|---|---|---|",
        f"| `dagyard check --all` | {check['pipelines']:.1f} s ({summary['pipelines']['dags']} "
        f"DAGs) | {check['python']:.1f} s ({summary['python']['dags']} DAGs) | — | ≤ 1.5× "
        f"Python (here {check['pipelines'] / check['python']:.2f}×) |",
        f"| `DagBag` parse (what the DAG processor runs per file), one process, Airflow "
        f"import excluded | {parse['pipelines']:.1f} s ({loaded['pipelines']['dags']} DAGs, "
        f"{loaded['pipelines']['tasks']} tasks) | {parse['python']:.1f} s "
        f"({loaded['python']['dags']} DAGs) | "
        + (f"{parse['dag_factory']:.1f} s" if "dag_factory" in parse else "—")
        + f" | ≤ 1.5× Python (here {parse['pipelines'] / parse['python']:.2f}×) |",
        f"| … of which the first file (imports what the others share) | "
        f"{first['pipelines']:.2f} s | {first['python']:.2f} s | — | |",
        f"| … each further file (the DAG processor parses each file in a fork of its warmed-up "
        f"manager) | {rest['pipelines']:.1f} ms | {rest['python']:.1f} ms | — | ≤ 1.5× Python "
        f"(here {rest['pipelines'] / rest['python']:.2f}×) |",
        factory_row,
        f"| `dagyard dev`: save → terminal line (median of {EDITS}) | "
        f"{median(dev['pipelines'][0]):.2f} s | {median(dev['python'][0]):.2f} s | — | ≤ 1 s |",
        f"| `dagyard dev`: save → the new step in the REST API | "
        f"{median(dev['pipelines'][1]):.2f} s | {median(dev['python'][1]):.2f} s | — | ≤ 1 s |",
        "",
        "dag-factory builds all its DAGs inside its one loader file, so the DAG processor parses "
        "the 700 YAML files as one file, within one file's parse timeout; dagyard pipelines are "
        "700 files, each parsed (and failing) on its own.",
        "",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
