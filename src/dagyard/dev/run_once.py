"""`dagyard run`: run one DAG once, right now, without the dev environment.

How it stays fast: Airflow is imported once; a forked child builds and serves the execution API
(which tasks talk to) while the parent copies the migrated template database, parses only the
DAG's own file and creates the run; tasks then run in parallel on Airflow's LocalExecutor.
Each run gets a fresh private database under `.dagyard/run/`, so it never disturbs a running
`dagyard dev`.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from dagyard import airflow_env
from dagyard.config import Config
from dagyard.dev import components
from dagyard.dev.supervisor import ProcessGroup
from dagyard.errors import DagyardError
from dagyard.parsing.dag_lookup import find_by_loading
from dagyard.parsing.source import quick_pipeline_ids
from dagyard.paths import relative
from dagyard.pipelines import is_pipeline_file
from dagyard.workspace import Workspace, seed_local_secrets

FINAL_TASK_STATES = {"success", "failed", "skipped", "upstream_failed", "removed"}
# States shown as they are reached: the final ones, and those a run can wait in for long.
SHOWN_TASK_STATES = FINAL_TASK_STATES | {"running", "up_for_retry"}
# States a task reaches only by running (a skipped task never ran).
RAN_TASK_STATES = {"success", "failed", "up_for_retry"}
_DAG_ID_LITERAL = re.compile(r"""dag_id\s*=\s*["']([^"']+)["']|DAG\(\s*["']([^"']+)["']""")


class RunError(DagyardError):
    """The run could not start; the message says why and what to do."""


class TaskOutcome(NamedTuple):
    """How one task instance ended."""

    task_id: str
    map_index: int
    state: str
    try_number: int
    seconds: float | None
    log_file: Path | None
    max_tries: int = 0
    next_try: datetime | None = None


class RunOutcome(NamedTuple):
    """How the whole DAG run ended."""

    dag_id: str
    run_id: str
    state: str
    tasks: list[TaskOutcome]
    seconds: float


def find_dag_file(
    config: Config, dag_id: str, progress: Callable[[str], None] = lambda _text: None
) -> Path:
    """The DAG file that defines `dag_id`: found by its text when a file writes the id out (no
    imports needed), else by loading the DAGs folder's files."""
    for pipeline in sorted(config.dags_path.rglob("*.pipeline.y*ml")):
        if dag_id in quick_pipeline_ids(_text(pipeline)):
            return pipeline
    texts = {path: _text(path) for path in sorted(config.dags_path.rglob("*.py"))}
    quoted = [f for f, text in texts.items() if f'"{dag_id}"' in text or f"'{dag_id}'" in text]
    if quoted:
        return quoted[0]
    function = re.compile(rf"def {re.escape(dag_id)}\s*\(")
    decorated = [f for f, text in texts.items() if function.search(text)]
    if decorated:
        return decorated[0]
    # An id no file writes out (an f-string, a factory, the file's name): load the files.
    progress(f"No file writes {dag_id!r} out: loading the DAG files to find it")
    search = find_by_loading(config, dag_id)
    if search.file is not None:
        return search.file
    known = sorted(
        {
            m.group(1) or m.group(2)
            for text in texts.values()
            for m in _DAG_ID_LITERAL.finditer(text)
        }
        | set(search.seen_ids)
    )
    import difflib

    close = difflib.get_close_matches(dag_id, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    if search.failed:
        names = ", ".join(relative(path, config.root) for path in search.failed[:5])
        more = f" and {len(search.failed) - 5} more" if len(search.failed) > 5 else ""
        hint += (
            f" {len(search.failed)} file(s) did not load, so it may be in one of them: "
            f"{names}{more} (`dagyard check` says why)."
        )
    raise RunError(
        f"No DAG with id {dag_id!r} was found under {config.dags_path}.{hint}",
        "give the DAG's id as its file writes it: `dag_id=...` in Python, `pipeline:` in a "
        "pipeline file",
    )


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


class OneShotRun:
    """Everything one `dagyard run` starts; `stop()` ends it all."""

    def __init__(self, config: Config, dag_id: str, on_event: Callable[[str, TaskOutcome], None]):
        self.config = config
        self.dag_id = dag_id
        self.on_event = on_event
        self.workspace = Workspace(config.root)
        self.run_dir = self.workspace.root / "run"
        self.group: ProcessGroup | None = None

    def prepare(self, progress: Callable[[str], None] = lambda _text: None) -> Path:
        """Find the DAG's file, configure and import Airflow, start the execution API, ready a
        fresh database; `progress` hears about a long step."""
        dag_file = find_dag_file(self.config, self.dag_id, progress)
        seed_local_secrets(self.config, self.workspace)
        self.workspace.ensure()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        (self.run_dir / "db").mkdir(parents=True)
        execution_socket = socket.socket()
        execution_socket.bind(("127.0.0.1", 0))
        execution_socket.listen(64)
        port = execution_socket.getsockname()[1]
        env = airflow_env.run_env(self.config, self.workspace, self.run_dir, port)
        airflow_env.apply(env)
        from dagyard.policy import write_local_settings

        write_local_settings(self.workspace.home)
        components.preload(api_only=True, tasks=True)
        self.group = ProcessGroup(self.run_dir / "logs" / "dev")
        self.group.share(execution_socket.fileno())
        self.group.start(components.api_server("execution-api", execution_socket, "execution"))
        execution_socket.close()
        from dagyard.dev import database

        template = database.template_dir() / f"airflow-{database.airflow_version()}.sqlite"
        db_file = self.run_dir / "db" / "airflow.db"
        if database.sqlite_revision(template):
            shutil.copyfile(template, db_file)
        else:
            database.prepare_sqlite(db_file, reset=False)
        self.execution_url = f"http://127.0.0.1:{port}/execution/"
        return dag_file

    def execute(
        self, dag_file: Path, conf: dict[str, Any] | None, task_id: str | None
    ) -> RunOutcome:
        """Parse the DAG file, create the run and drive it to the end on the LocalExecutor."""
        started = time.monotonic()
        dag = self._load_dag(dag_file)
        if task_id is not None:
            if task_id not in dag.task_dict:
                raise RunError(
                    f"DAG {self.dag_id!r} has no task {task_id!r}; its tasks are: "
                    f"{', '.join(sorted(dag.task_dict))}",
                    "pass one of those to --task",
                )
            dag = dag.partial_subset(task_ids=[task_id], include_upstream=False)
        dag_run = self._create_run(dag, conf)
        self._wait_for_execution_api()
        state, tasks = self._drive(dag_run)
        return RunOutcome(self.dag_id, dag_run.run_id, state, tasks, time.monotonic() - started)

    def _load_dag(self, dag_file: Path) -> Any:
        from airflow import settings
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

        self._session = settings.Session()
        DagBundlesManager().sync_bundles_to_db(session=self._session)
        self._session.commit()

        if is_pipeline_file(dag_file):
            from dagyard.pipelines.airflow_importer import register

            register()
        bag = DagBag(
            dag_folder=str(dag_file),
            bundle_path=self.config.dags_path,
            bundle_name=airflow_env.RUN_BUNDLE,
            collect_dags=False,
        )
        bag.process_file(str(dag_file), only_if_updated=False, safe_mode=False)
        if bag.import_errors:
            trace = next(iter(bag.import_errors.values())).strip().splitlines()
            if is_pipeline_file(dag_file):  # file:line:col: what, the line, the caret, the fix
                raise RunError(f"{dag_file} has a mistake:\n" + "\n".join(trace[:4]))
            raise RunError(
                f"{dag_file} could not be imported: {trace[-1] if trace else '?'}",
                f"`dagyard check {dag_file}` shows the line it fails at",
            )
        if self.dag_id not in bag.dags:
            raise RunError(
                f"{dag_file} mentions {self.dag_id!r} but defines {', '.join(bag.dags) or 'no DAG'}"
            )
        sync_bag_to_db(bag, airflow_env.RUN_BUNDLE, None)
        return bag.dags[self.dag_id]

    def _create_run(self, dag: Any, conf: dict[str, Any] | None) -> Any:
        from airflow.models.dagrun import DagRun, get_or_create_dagrun
        from airflow.sdk import timezone
        from airflow.serialization.encoders import coerce_to_core_timetable
        from airflow.serialization.serialized_objects import DagSerialization
        from airflow.utils.types import DagRunTriggeredByType, DagRunType

        session = self._session
        scheduler_dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
        self._scheduler_dag = scheduler_dag
        now = timezone.utcnow()
        interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=now)
        dag_run = get_or_create_dagrun(
            dag=scheduler_dag,
            run_id=DagRun.generate_run_id(
                run_type=DagRunType.MANUAL, logical_date=now, run_after=now
            ),
            logical_date=now,
            data_interval=interval,
            run_after=now,
            conf=conf,
            triggered_by=DagRunTriggeredByType.CLI,
            triggering_user_name="dagyard run",
            start_date=now,
            session=session,
        )
        session.commit()
        return dag_run

    def _wait_for_execution_api(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        assert self.group is not None
        while time.monotonic() < deadline:
            for gone in self.group.exited():
                raise RunError(
                    f"The execution API that tasks talk to stopped before the run could start; "
                    f"its log is {gone.log_file}",
                    "the last lines of that log say why; run the command again once it is fixed",
                )
            try:
                httpx.get(self.execution_url + "health/ping", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RunError(
            "The execution API that tasks talk to did not answer within a minute; its log is in "
            f"{self.run_dir / 'logs' / 'dev'}",
            "the machine may be very busy: run the command again; if it happens again, the "
            "log says where the API server stopped",
        )

    def _drive(self, dag_run: Any) -> tuple[str, list[TaskOutcome]]:
        """The minimal scheduling loop: queue ready tasks, collect results, until the run ends."""
        from airflow.executors import workloads
        from airflow.executors.executor_loader import ExecutorLoader
        from airflow.executors.workloads import BundleInfo
        from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
        from airflow.models.dagbag import DBDagBag
        from airflow.sdk import timezone
        from airflow.utils.state import DagRunState, TaskInstanceState

        session = self._session
        executor = ExecutorLoader.get_default_executor()
        executor.start()
        seen: dict[tuple[str, int], tuple[str, int]] = {}
        try:
            while dag_run.state == DagRunState.RUNNING:
                session.expire_all()
                schedulable, _ = dag_run.update_state(session=session)
                for ti in schedulable:
                    if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                        ti.try_number += 1
                    ti.state = TaskInstanceState.SCHEDULED
                    ti.scheduled_dttm = timezone.utcnow()
                session.commit()
                for ti in dag_run.get_task_instances(session=session):
                    if ti.state == TaskInstanceState.SCHEDULED and not executor.has_task(ti):
                        workload = workloads.ExecuteTask.make(
                            ti,
                            dag_rel_path=Path(ti.dag_model.relative_fileloc),
                            generator=executor.jwt_generator,
                            bundle_info=BundleInfo(name=airflow_env.RUN_BUNDLE),
                        )
                        executor.queue_workload(workload, session=session)
                        ti.state = TaskInstanceState.QUEUED
                        session.commit()
                executor.heartbeat()
                session.expire_all()
                SchedulerJobRunner.process_executor_events(
                    executor=executor, job_id=None, scheduler_dag_bag=DBDagBag(), session=session
                )
                self._report_changes(dag_run, seen)
                if dag_run.state == DagRunState.RUNNING:
                    time.sleep(0.05)
        finally:
            stop_local_executor(executor)
        session.expire_all()
        tasks = self._report_changes(dag_run, seen)
        return str(dag_run.state), tasks

    def _report_changes(
        self, dag_run: Any, seen: dict[tuple[str, int], tuple[str, int]]
    ) -> list[TaskOutcome]:
        """Tell `on_event` each state a task instance reached since the last look (`seen`:
        the last state and try shown per task instance); return every task's outcome."""
        outcomes = []
        for ti in sorted(
            dag_run.get_task_instances(session=self._session),
            key=lambda t: (
                (t.start_date or datetime.max.replace(tzinfo=None), t.task_id)
                if t.start_date is None or t.start_date.tzinfo is None
                else (t.start_date.replace(tzinfo=None), t.task_id)
            ),
        ):
            state = str(ti.state) if ti.state else "none"
            outcome = TaskOutcome(
                ti.task_id,
                ti.map_index,
                state,
                ti.try_number,
                ti.duration,
                self._log_file(ti),
                ti.max_tries,
                self._next_try(ti) if state == "up_for_retry" else None,
            )
            outcomes.append(outcome)
            key = (ti.task_id, ti.map_index)
            if seen.get(key) == (state, ti.try_number) or state not in SHOWN_TASK_STATES:
                continue
            if state in RAN_TASK_STATES and seen.get(key) != ("running", ti.try_number):
                # the try started and ended between two looks: it still ran
                self.on_event("running", outcome._replace(state="running", next_try=None))
            seen[key] = (state, ti.try_number)
            self.on_event(state, outcome)
        return outcomes

    def _next_try(self, ti: Any) -> datetime | None:
        """When a task waiting for its retry runs again (its retry_delay after it failed)."""
        if getattr(ti, "task", None) is None:
            ti.task = self._scheduler_dag.get_task(ti.task_id)
        return ti.next_retry_datetime()

    def _log_file(self, ti: Any) -> Path | None:
        folder = self.run_dir / "logs" / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}"
        folder = folder / f"task_id={ti.task_id}"
        if ti.map_index >= 0:
            folder = folder / f"map_index={ti.map_index}"
        path = folder / f"attempt={ti.try_number}.log"
        return path if path.exists() else None

    def stop(self) -> None:
        """Stop the execution API and anything else this run started.

        No task is running any more and the database is this run's own, so nothing is lost by
        not waiting for a graceful shutdown.
        """
        if self.group is not None:
            self.group.stop(grace=0)


def stop_local_executor(executor: Any, grace: float = 0.3) -> None:
    """Stop the LocalExecutor's workers, quickly and without ever hanging.

    `LocalExecutor.end()` joins every worker with no time limit: a worker that exits while the
    stop messages are sent can leave another waiting forever, and a worker that ran a task can
    take half a second to exit. By now every task has ended, so workers still alive after
    `grace` seconds are idle and are killed.
    """
    workers = list(getattr(executor, "workers", {}).values())
    for worker in workers:
        if worker.is_alive():
            executor.activity_queue.put(None)
    deadline = time.monotonic() + grace
    for worker in workers:
        worker.join(max(deadline - time.monotonic(), 0))
        if worker.is_alive():
            worker.kill()
            worker.join(1)
    executor.workers = {}
    executor.end()


_PLUMBING_LOGGERS = ("airflow.dag_processing.", "airflow.sdk.api.", "supervisor")
_PLUMBING_EVENTS = {"Worker startup parse complete", "Pushing xcom"}


def _is_airflow_plumbing(record: dict[str, Any]) -> bool:
    """Log records about Airflow's own machinery, not about what the task did."""
    level = str(record.get("level", "")).lower()
    if level in {"warning", "error", "critical"}:
        return False
    logger = str(record.get("logger", ""))
    return logger.startswith(_PLUMBING_LOGGERS) or record.get("event") in _PLUMBING_EVENTS


def log_tail(path: Path | None, lines: int) -> list[str]:
    """The last `lines` readable lines of an Airflow 3 task log (JSON lines or text)."""
    if path is None or not path.exists():
        return []
    rendered = []
    for raw in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            rendered.append(raw)
            continue
        if not isinstance(record, dict):
            rendered.append(raw)
            continue
        level = str(record.get("level", "")).upper()
        event = str(record.get("event", ""))
        prefix = f"[{level}] " if level and level not in {"INFO"} else ""
        if event.startswith(("::group::", "::endgroup::")) or _is_airflow_plumbing(record):
            continue
        rendered.append(prefix + event)
        if record.get("error_detail"):
            for error in record["error_detail"]:
                rendered.append(f"  {error.get('exc_type')}: {error.get('exc_value')}")
    return [line for line in rendered if line.strip()][-lines:]
