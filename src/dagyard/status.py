"""`dagyard status`: the platform's health in one place, read from Airflow's REST API v2.

Everything about Airflow comes over HTTP with a bearer token (`/api/v2/monitor/health`,
`/api/v2/jobs`, DAGs, import errors, task instances, pools); the metadata database's size and
history tables are read by Airflow's own clean-up code (`dagyard.maintenance`), and the alerter
by its state file. Files are placed in teams the way the alerter routes them
(`dagyard.alerts.routing`).

Something is a *problem* (the command exits 1) when a component is unhealthy, a running
scheduler, DAG processor or triggerer stopped sending heartbeats, the alerter is late, or a part
could not be read. Import errors and failed tasks are the DAG owners' to fix: they are listed,
grouped by team and owner, and do not make the platform unhealthy.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from dagyard import maintenance
from dagyard.alerts import routing
from dagyard.alerts.source import AirflowSource, BrokenFile, DagInfo, SourceError
from dagyard.alerts.state import Store
from dagyard.config import Config

COMPONENTS = ("metadatabase", "scheduler", "dag_processor", "triggerer")
JOB_TYPES = {
    "SchedulerJob": "scheduler",
    "DagProcessorJob": "dag_processor",
    "TriggererJob": "triggerer",
}
TASK_STATES = ("running", "queued", "scheduled", "deferred", "up_for_retry")
NO_TEAM = "(no team)"
NO_OWNER = "(no owner)"

NOT_VISIBLE = (
    "Airflow judges schedulers, DAG processors and triggerers by the heartbeats they write to "
    "the metadata database; the API does not say whether their processes or pods exist.",
    "The API lists the components that registered; it cannot say how many schedulers should "
    "be running, and a scheduler that died long ago is marked failed by the others and drops "
    "off the list.",
    "Only the API server that answered is checked; other API server replicas, the executor's "
    "workers (LocalExecutor processes or Kubernetes pods) and statsd are not visible.",
)


class LocalSession(NamedTuple):
    """The `dagyard dev` being looked at: when it started and which components it started."""

    started_at: datetime
    components: frozenset[str] | None


class Component(NamedTuple):
    """One part of Airflow as `/api/v2/monitor/health` reports it."""

    name: str
    status: str  # healthy | unhealthy | never started | not started
    latest_heartbeat: str | None
    seconds_ago: float | None
    note: str | None = None


class Job(NamedTuple):
    """One running scheduler, DAG processor or triggerer (`/api/v2/jobs`)."""

    component: str
    id: int
    hostname: str | None
    start_date: str | None
    latest_heartbeat: str | None
    seconds_ago: float | None
    alive: bool
    leftover: bool  # started before the `dagyard dev` being looked at: an earlier session's


class DagCounts(NamedTuple):
    """DAGs Airflow knows (stale ones left out) and files that do not import."""

    active: int
    unpaused: int
    paused: int
    files_with_import_errors: int


class BrokenFileEntry(NamedTuple):
    """A DAG file that does not import, with the team and owner it belongs to."""

    team: str
    owner: str
    file: str
    error: str
    since: str


class FailureGroup(NamedTuple):
    """Failed task instances of one team and owner in the window, per DAG."""

    team: str
    owner: str
    failures: int
    dags: dict[str, int]


class PoolUse(NamedTuple):
    """Slots of one pool and what uses them."""

    name: str
    slots: int
    occupied: int
    running: int
    queued: int
    deferred: int
    open: int


class Alerter(NamedTuple):
    """What the alerter's state file says about its last cycles."""

    state_file: str
    found: bool
    last_cycle: str | None = None
    last_cycle_ok: bool | None = None
    last_success: str | None = None
    seconds_since_success: float | None = None
    pending: int | None = None
    late: bool | None = None


class TableRows(NamedTuple):
    """One history table: rows, oldest row, rows `dagyard db clean` would remove today."""

    table: str
    rows: int
    oldest: str | None
    removable: int | None


class Database(NamedTuple):
    """The metadata database, read by Airflow's own clean-up code."""

    where: str
    size_bytes: int | None
    retention_days: int
    tables: list[TableRows]
    archives: list[str]


class Status(NamedTuple):
    """Everything `dagyard status` shows; `problems` empty means healthy."""

    airflow_url: str
    checked_at: str
    window_hours: float
    components: list[Component]
    jobs: list[Job]
    dags: DagCounts | None
    import_errors: list[BrokenFileEntry]
    failures: list[FailureGroup]
    task_instances: dict[str, int]
    pools: list[PoolUse]
    alerter: Alerter | None
    database: Database | None
    problems: list[str]
    not_visible: list[str]

    @property
    def healthy(self) -> bool:
        """True when nothing is unhealthy."""
        return not self.problems


class StatusSource(AirflowSource):
    """The alerter's REST API client, plus the reads only the status screen needs."""

    reader = "dagyard status"

    def health(self) -> dict[str, Any]:
        """`GET /api/v2/monitor/health`."""
        return self.get("/api/v2/monitor/health")

    def total(self, path: str, **params: Any) -> int:
        """How many items a list endpoint has for these filters."""
        return self.get(path, {**params, "limit": 1})["total_entries"]

    def every(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list endpoint."""
        return list(self.pages(path, key, params))


def gather(
    config: Config,
    url: str,
    token: str,
    *,
    window: timedelta,
    local: LocalSession | None = None,
    alerter_file: Path | None = None,
    alerter_late: timedelta = timedelta(minutes=30),
    database_env: dict[str, str] | None = None,
    database_where: str = "",
) -> Status:
    """Read everything the status screen shows (the database in parallel with the API)."""
    now = datetime.now(UTC)
    problems: list[str] = []
    database: list[tuple[Database | None, str | None]] = [(None, None)]
    reader = None
    if database_env is not None:
        reader = threading.Thread(
            target=lambda: database.__setitem__(
                0, _database(config, database_env, database_where, now)
            )
        )
        reader.start()
    source = StatusSource(url, token)
    components: list[Component] = []
    jobs: list[Job] = []
    dags = None
    broken: list[BrokenFileEntry] = []
    failures: list[FailureGroup] = []
    task_instances: dict[str, int] = {}
    pools: list[PoolUse] = []
    try:
        components = _components(source.health(), local, now)
        jobs = _jobs(source, local, now)
        known = source.dags()
        broken = _broken_files(config, source.import_errors(), known)
        dags = _dag_counts(source, len({b.file for b in broken}))
        failures = _failures(config, source, known, now - window)
        task_instances = {
            state: source.total("/api/v2/dags/~/dagRuns/~/taskInstances", state=state)
            for state in TASK_STATES
        }
        pools = [_pool(p) for p in source.every("/api/v2/pools", "pools")]
    except SourceError as error:
        problems.append(f"Airflow could not be read: {error}")
    finally:
        source.close()
    problems.extend(_component_problems(components, jobs))
    alerter = _alerter(alerter_file, alerter_late, now) if alerter_file else None
    if alerter and alerter.late:
        problems.append(_late_sentence(alerter, alerter_late))
    if reader is not None:
        reader.join()
    if database[0][1]:
        problems.append(database[0][1])
    return Status(
        airflow_url=url,
        checked_at=now.isoformat(timespec="seconds"),
        window_hours=window.total_seconds() / 3600,
        components=components,
        jobs=jobs,
        dags=dags,
        import_errors=broken,
        failures=failures,
        task_instances=task_instances,
        pools=pools,
        alerter=alerter,
        database=database[0][0],
        problems=problems,
        not_visible=list(NOT_VISIBLE),
    )


def as_dict(value: Any) -> Any:
    """A status (or any part of it) as plain JSON-ready data."""
    if isinstance(value, Status):
        return {"healthy": value.healthy, **as_dict(value._asdict())}
    if hasattr(value, "_asdict"):
        return as_dict(value._asdict())
    if isinstance(value, dict):
        return {key: as_dict(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset):
        return [as_dict(item) for item in value]
    return value


def seconds_since(timestamp: str | None, now: datetime) -> float | None:
    """Seconds from an ISO timestamp (Airflow's, with a zone) to `now`."""
    if not timestamp:
        return None
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return round((now - moment).total_seconds(), 1)


# --- components -----------------------------------------------------------------------------


def _components(
    health: dict[str, Any], local: LocalSession | None, now: datetime
) -> list[Component]:
    found = []
    for name in COMPONENTS:
        entry = health.get(name) or {}
        heartbeat = entry.get(f"latest_{name}_heartbeat")
        status = entry.get("status") or "never started"
        note = None
        started = local.components if local is not None else None
        if name == "triggerer" and started is not None and name not in started:
            status = "not started"
            note = 'this dagyard dev runs without one ([dev] triggerer = "never")'
        found.append(Component(name, status, heartbeat, seconds_since(heartbeat, now), note))
    return found


def _jobs(source: StatusSource, local: LocalSession | None, now: datetime) -> list[Job]:
    running = source.every("/api/v2/jobs", "jobs", job_state="running", order_by="id")
    alive = {
        job["id"]
        for job in source.every(
            "/api/v2/jobs", "jobs", job_state="running", is_alive="true", order_by="id"
        )
    }
    found = []
    for job in running:
        component = JOB_TYPES.get(job.get("job_type") or "")
        if component is None:
            continue
        started = job.get("start_date")
        leftover = bool(
            local is not None
            and started
            and datetime.fromisoformat(started.replace("Z", "+00:00")) < local.started_at
        )
        found.append(
            Job(
                component=component,
                id=job["id"],
                hostname=job.get("hostname"),
                start_date=started,
                latest_heartbeat=job.get("latest_heartbeat"),
                seconds_ago=seconds_since(job.get("latest_heartbeat"), now),
                alive=job["id"] in alive,
                leftover=leftover,
            )
        )
    return found


def _component_problems(components: list[Component], jobs: list[Job]) -> list[str]:
    problems = []
    for component in components:
        label = component.name.replace("_", " ")
        if component.status == "unhealthy":
            when = (
                f"; its last heartbeat was {ago(component.seconds_ago)}"
                if component.seconds_ago is not None
                else ""
            )
            problems.append(f"The {label} is unhealthy{when}.")
        elif component.status == "never started" and component.name != "triggerer":
            problems.append(f"No {label} has ever started on this Airflow.")
    for job in jobs:
        if not job.alive and not job.leftover:
            problems.append(
                f"The {job.component.replace('_', ' ')} job {job.id} on {job.hostname or '?'} "
                f"is marked running but sent no heartbeat for {ago(job.seconds_ago, '')}: "
                "its process is gone or hung."
            )
    return problems


def ago(seconds: float | None, suffix: str = " ago") -> str:
    """ "4 s ago", "3 min ago", "2.5 h ago", for people."""
    if seconds is None:
        return "an unknown time"
    if seconds < 120:
        return f"{seconds:.0f} s{suffix}"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min{suffix}"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h{suffix}"
    return f"{seconds / 86400:.1f} days{suffix}"


# --- DAGs, import errors, failures ----------------------------------------------------------


def _dag_counts(source: StatusSource, broken_files: int) -> DagCounts:
    paused = source.total("/api/v2/dags", paused="true")
    unpaused = source.total("/api/v2/dags", paused="false")
    return DagCounts(paused + unpaused, unpaused, paused, broken_files)


def _owner_label(owners: tuple[str, ...]) -> str:
    return ", ".join(routing.owner_emails(owners)) or NO_OWNER


def _broken_files(
    config: Config, errors: list[BrokenFile], dags: dict[str, DagInfo]
) -> list[BrokenFileEntry]:
    """Each broken file with its team (by folder) and owner: the owners of the DAGs it held
    when it last imported, else the team's members (as the alerter names them)."""
    paths = routing.dag_paths(config, dags.values())
    owners_by_file: dict[str, set[str]] = defaultdict(set)
    for dag_id, path in paths.items():
        if path:
            owners_by_file[path].update(routing.owner_emails(dags[dag_id].owners))
    found = []
    for error in errors:
        path = routing.broken_path(config, error)
        team = config.team_of(path)
        owners = sorted(owners_by_file.get(path, ()))
        if not owners and team:
            owners = [m.lower() for m in config.teams[team].members]
        lines = [line for line in error.stacktrace.strip().splitlines() if line.strip()]
        found.append(
            BrokenFileEntry(
                team=team or NO_TEAM,
                owner=", ".join(owners) or NO_OWNER,
                file=path,
                error=lines[-1].strip() if lines else "",
                since=error.timestamp,
            )
        )
    return sorted(found, key=lambda b: (b.team, b.owner, b.file))


def _failures(
    config: Config, source: StatusSource, dags: dict[str, DagInfo], since: datetime
) -> list[FailureGroup]:
    paths = routing.dag_paths(config, dags.values())
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for failure in source.failed_task_instances(since):
        dag = dags.get(failure.dag_id)
        path = paths.get(failure.dag_id)
        team = (config.team_of(path) if path else None) or NO_TEAM
        owner = _owner_label(dag.owners) if dag else NO_OWNER
        counts[(team, owner)][failure.dag_id] += 1
    groups = [
        FailureGroup(team, owner, sum(per_dag.values()), dict(per_dag.most_common()))
        for (team, owner), per_dag in counts.items()
    ]
    return sorted(groups, key=lambda g: (g.team, -g.failures, g.owner))


def _pool(pool: dict[str, Any]) -> PoolUse:
    return PoolUse(
        name=pool["name"],
        slots=pool["slots"],
        occupied=pool.get("occupied_slots") or 0,
        running=pool.get("running_slots") or 0,
        queued=pool.get("queued_slots") or 0,
        deferred=pool.get("deferred_slots") or 0,
        open=pool.get("open_slots") or 0,
    )


# --- the alerter ----------------------------------------------------------------------------


def _alerter(path: Path, late_after: timedelta, now: datetime) -> Alerter:
    """Read (never change) the alerter's state file: last cycle, last success, pending."""
    if not path.is_file():
        return Alerter(state_file=str(path), found=False)
    store = Store(path)
    try:
        last_cycle = store.get_meta("last_cycle")
        last_success = store.get_meta("last_success")
        pending = store.count("new")
    finally:
        store.close()
    cycle_at, _, outcome = (last_cycle or "").partition(" ")
    success_at = datetime.fromtimestamp(float(last_success), UTC) if last_success else None
    since = (now - success_at).total_seconds() if success_at else None
    return Alerter(
        state_file=str(path),
        found=True,
        last_cycle=_iso(cycle_at),
        last_cycle_ok=(outcome == "ok") if outcome else None,
        last_success=success_at.isoformat(timespec="seconds") if success_at else None,
        seconds_since_success=round(since, 1) if since is not None else None,
        pending=pending,
        late=since is None or since > late_after.total_seconds(),
    )


def _iso(epoch: str) -> str | None:
    return (
        datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="seconds") if epoch else None
    )


def _late_sentence(alerter: Alerter, late_after: timedelta) -> str:
    limit = ago(late_after.total_seconds(), "")
    if alerter.seconds_since_success is None:
        return f"The alerter is late: it has never finished a cycle ({alerter.state_file})."
    failed = " (its last cycle failed)" if alerter.last_cycle_ok is False else ""
    return (
        f"The alerter is late: its last successful cycle was "
        f"{ago(alerter.seconds_since_success)}, more than {limit}{failed}; "
        f"{alerter.pending} failure(s) wait to be announced."
    )


# --- the metadata database ------------------------------------------------------------------


def _database(
    config: Config, env: dict[str, str], where: str, now: datetime
) -> tuple[Database | None, str | None]:
    """Size and history tables (`dagyard db status`) and the dry run of `dagyard db clean`;
    or the problem that stopped reading them."""
    cleanup = config.cleanup
    spec = {
        "cutoffs": maintenance.cutoffs(cleanup.retention_days, cleanup.tables, now),
        "batch_size": cleanup.batch_size,
    }
    answers: dict[str, Any] = {}

    def run(action: str, spec: dict[str, Any]) -> None:
        try:
            answers[action] = maintenance.run_worker(env, action, spec)
        except maintenance.CleanError as error:
            answers[action] = error

    plan = threading.Thread(target=run, args=("plan", spec))
    plan.start()
    run("status", {})
    plan.join()
    failed = [a for a in answers.values() if isinstance(a, Exception)]
    if failed:
        return None, f"The metadata database ({where}) could not be read: {failed[0]}"
    removable = {p.table: p.rows for p in maintenance.plan_from(answers["plan"])}
    tables = [
        TableRows(t["table"], t["rows"], t["oldest"], removable.get(t["table"]))
        for t in answers["status"]["tables"]
    ]
    database = Database(
        where=where,
        size_bytes=answers["status"]["size_bytes"],
        retention_days=cleanup.retention_days,
        tables=sorted(tables, key=lambda t: (-t.rows, t.table)),
        archives=answers["status"]["archives"],
    )
    return database, None
