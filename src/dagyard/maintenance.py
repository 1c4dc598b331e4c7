"""`dagyard db clean`: Airflow's own `db clean`, driven by the retention in `dagyard.toml`.

The work is done by `airflow.utils.db_cleanup` (the code behind `airflow db clean`) in a child
process that imports Airflow against the chosen metadata DB; this module plans it, runs it and
reports. On top of what `airflow db clean` does:

* a retention per table (`[cleanup] tables = {log = 30}`), else `retention_days`;
* a dry-run summary (rows per table) always comes first;
* the latest run of every DAG is kept with its task instances, whatever its age or type;
* a DAG version stays while a kept run, task instance or earlier try points at it, and a DAG
  row stays while the DAG has runs (Airflow 3.3 deletes the first and fails on the second);
* tables dagyard adds no filter to are cleaned by Airflow's public `run_cleanup`; the others
  through `dagyard._airflow.db_cleanup`, the adapter for the private parts;
* rows are moved and deleted in batches (one short transaction each), and every archive table
  it creates is dropped, or exported to CSV and then dropped: no `_airflow_deleted__*` left;
* the report says what was removed per table (cascades included), how fast, and the longest
  single transaction.

Run the child with `python -m dagyard.maintenance plan|clean|status SPEC_JSON`; it prints one
JSON line.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from dagyard.errors import DagyardError

ARCHIVE_PREFIX = "_airflow_deleted__"
# Filters dagyard adds to Airflow's own, in SQL on `base`, the alias Airflow gives the table.
LATEST_RUNS = (
    "SELECT d.dag_id, d.run_id FROM dag_run d WHERE (d.dag_id, d.run_after) IN "
    "(SELECT l.dag_id, max(l.run_after) FROM dag_run l GROUP BY l.dag_id)"
)
# Uncorrelated, so the database computes the ~700 latest runs once (a hashed anti-join).
KEEP_LATEST_RUN = f"(base.dag_id, base.run_id) NOT IN ({LATEST_RUNS})"
# Airflow keeps a DAG version only while a task instance points at it. A run
# (`created_dag_version_id`, set to NULL on delete) or an earlier try of a task
# (`task_instance_history`, no foreign key) that survives the clean-up points at it too.
KEEP_REFERENCED_VERSION = [
    "NOT EXISTS (SELECT 1 FROM dag_run r WHERE r.created_dag_version_id = base.id)",
    "NOT EXISTS (SELECT 1 FROM task_instance_history h WHERE h.dag_version_id = base.id)",
]
# Deleting a DAG row deletes its versions, which the runs kept above still point at (a
# foreign-key error), and leaves its runs without a DAG: a DAG with runs stays.
KEEP_DAG_WITH_RUNS = "NOT EXISTS (SELECT 1 FROM dag_run r WHERE r.dag_id = base.dag_id)"
EXTRA_FILTERS = {
    "task_instance": [KEEP_LATEST_RUN],
    "task_instance_history": [KEEP_LATEST_RUN],
    "xcom": [KEEP_LATEST_RUN],
    "dag_run": [KEEP_LATEST_RUN],
    "dag_version": KEEP_REFERENCED_VERSION,
    "dag": [KEEP_DAG_WITH_RUNS],
}


_CHECK_THE_DATABASE = "check the database URL and that the database is migrated"


class CleanError(DagyardError):
    """The clean-up could not run; the message says why and what to do."""


class TablePlan(NamedTuple):
    """One table: rows older than `before` that the clean-up would remove."""

    table: str
    before: str
    rows: int


class TableResult(NamedTuple):
    """One table after the clean-up: rows removed (including cascades), time, batches."""

    table: str
    before: str
    planned: int
    removed: int
    seconds: float


class CleanResult(NamedTuple):
    """What a clean-up did."""

    tables: list[TableResult]
    longest_transaction: float
    longest_delete: float
    archives_left: list[str]
    exported: list[str]
    seconds: float

    @property
    def removed(self) -> int:
        """Rows removed in total."""
        return sum(t.removed for t in self.tables)


def cutoffs(retention_days: int, per_table: dict[str, int], now: datetime) -> dict[str, str]:
    """ISO timestamp before which each configured table is cleaned ("*" is the default)."""
    found = {"*": (now - timedelta(days=retention_days)).isoformat()}
    for table, days in per_table.items():
        found[table] = (now - timedelta(days=days)).isoformat()
    return found


def run_worker(env: dict[str, str], action: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run `plan`, `clean` or `status` in a child process with Airflow's settings in `env`."""
    result = subprocess.run(
        [sys.executable, "-m", "dagyard.maintenance", action, json.dumps(spec)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise CleanError(
            "the clean-up stopped with an error:\n  " + "\n  ".join(detail)
            if detail
            else "the clean-up stopped without saying why",
            _CHECK_THE_DATABASE,
        )
    answer = json.loads(lines[-1])
    if "error" in answer:
        raise CleanError(
            f"the clean-up stopped with an error: {answer['error']}", _CHECK_THE_DATABASE
        )
    return answer


def plan_from(answer: dict[str, Any]) -> list[TablePlan]:
    """Decode the child's plan."""
    return [TablePlan(**item) for item in answer["plan"]]


def result_from(answer: dict[str, Any]) -> CleanResult:
    """Decode the child's result."""
    return CleanResult(
        tables=[TableResult(**t) for t in answer["tables"]],
        longest_transaction=answer["longest_transaction"],
        longest_delete=answer["longest_delete"],
        archives_left=answer["archives_left"],
        exported=answer["exported"],
        seconds=answer["seconds"],
    )


# --- in the child process (Airflow imported) ------------------------------------------------


class _Table(NamedTuple):
    name: str
    config: Any  # Airflow's clean-up settings for the table, with dagyard's filters
    before: datetime
    public: bool  # Airflow's run_cleanup can clean it (no dagyard filter on it or its dependents)


def _tables(spec: dict[str, Any]) -> list[_Table]:
    """The tables to clean, dependents first (the order Airflow cleans them in)."""
    from sqlalchemy import text

    from dagyard._airflow import db_cleanup

    chosen = []
    for name in db_cleanup.table_order(spec.get("tables")):
        before = datetime.fromisoformat(spec["cutoffs"].get(name, spec["cutoffs"]["*"]))
        filters = [text(sql) for sql in EXTRA_FILTERS.get(name, [])]
        public = not set(db_cleanup.table_order([name])) & set(EXTRA_FILTERS)
        chosen.append(_Table(name, db_cleanup.table_config(name, filters), before, public))
    return chosen


def _count(session: Any, query: Any) -> int:
    from sqlalchemy import func, select

    return session.scalars(select(func.count()).select_from(query.subquery())).one()


def _existing(session: Any) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(session.bind).get_table_names())


def _table_rows(session: Any, tables: list[str]) -> dict[str, int]:
    from sqlalchemy import text

    return {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def worker_plan(spec: dict[str, Any]) -> dict[str, Any]:
    """Dry run: rows per table that the clean-up would remove."""
    from airflow.utils.session import create_session

    from dagyard._airflow import db_cleanup

    plan = []
    with create_session() as session:
        existing = _existing(session)
        for table in _tables(spec):
            if table.name in existing:
                query = db_cleanup.old_rows(table.config, table.before, session)
                rows = _count(session, query)
                plan.append({"table": table.name, "before": table.before.isoformat(), "rows": rows})
    return {"plan": plan}


def _clean_table(table: _Table, spec: dict[str, Any], session: Any) -> int:
    """Remove the old rows of one table; return how many the dry run counted."""
    from airflow.utils.db_cleanup import run_cleanup

    from dagyard._airflow import db_cleanup

    query = db_cleanup.old_rows(table.config, table.before, session)
    planned = _count(session, query)
    session.commit()
    if not planned:
        return 0
    keep_archive = bool(spec.get("export_dir"))
    if table.public:
        run_cleanup(
            clean_before_timestamp=table.before,
            table_names=[table.name],
            confirm=False,
            skip_archive=not keep_archive,
            batch_size=spec["batch_size"],
            error_on_cleanup_failure=True,
            session=session,
        )
    else:
        db_cleanup.move_and_delete(
            query,
            table.config,
            keep_archive=keep_archive,
            batch_size=spec["batch_size"],
            session=session,
        )
    session.commit()
    return planned


def _export_archives(name: str, folder: Path, session: Any) -> list[str]:
    """Save the archive tables of `name` (and its dependents) as CSV, then drop them."""
    from airflow.utils.db_cleanup import export_archived_records
    from sqlalchemy import text

    from dagyard._airflow import db_cleanup

    folder.mkdir(parents=True, exist_ok=True)
    prefixes = tuple(f"{ARCHIVE_PREFIX}{t}__" for t in db_cleanup.table_order([name]))
    archives = sorted(t for t in _existing(session) if t.startswith(prefixes))
    if not archives:
        return []
    export_archived_records(
        export_format="csv",
        output_path=str(folder),
        table_names=[name],
        drop_archives=False,
        needs_confirm=False,
        session=session,
    )
    for archive in archives:  # only ours: Airflow's own `_xcom_archive` from a migration stays
        session.execute(text(f"DROP TABLE {archive}"))
    session.commit()
    return [f"{archive}.csv" for archive in archives]


def worker_clean(spec: dict[str, Any]) -> dict[str, Any]:
    """Delete in batches, drop or export the archives, and measure."""
    from airflow.settings import engine
    from airflow.utils.session import create_session
    from sqlalchemy import event

    longest = [0.0, 0.0]  # any transaction, transactions that deleted rows
    begun: dict[int, float] = {}
    wrote: dict[int, str] = {}
    trace = os.environ.get("DAGYARD_CLEAN_TRACE")

    def on_begin(conn: Any) -> None:
        begun[id(conn)] = time.perf_counter()

    def on_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            wrote.setdefault(id(conn), statement.strip()[:80])

    def on_end(conn: Any) -> None:
        started = begun.pop(id(conn), None)
        statement = wrote.pop(id(conn), None)
        if started is not None:
            seconds = time.perf_counter() - started
            longest[0] = max(longest[0], seconds)
            if statement:
                longest[1] = max(longest[1], seconds)
            if trace:
                print(f"transaction {seconds:.3f}s {statement or '(read)'}", file=sys.stderr)

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_end)
    event.listen(engine, "rollback", on_end)
    export_dir = spec.get("export_dir")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    exported: list[str] = []
    with create_session() as session:
        existing = _existing(session)
        chosen = [table for table in _tables(spec) if table.name in existing]
        tables = [table.name for table in chosen]
        rows_before = _table_rows(session, tables)
        session.commit()
        for table in chosen:
            table_started = time.perf_counter()
            planned = _clean_table(table, spec, session)
            if export_dir and planned:
                exported += _export_archives(table.name, Path(export_dir), session)
            results.append(
                {
                    "table": table.name,
                    "before": table.before.isoformat(),
                    "planned": planned,
                    "removed": 0,
                    "seconds": round(time.perf_counter() - table_started, 3),
                }
            )
        rows_after = _table_rows(session, tables)
        for item in results:
            item["removed"] = rows_before[item["table"]] - rows_after[item["table"]]
        leftovers = sorted(t for t in _existing(session) if t.startswith(ARCHIVE_PREFIX))
        session.commit()
    return {
        "tables": results,
        "longest_transaction": round(longest[0], 3),
        "longest_delete": round(longest[1], 3),
        "archives_left": leftovers,
        "exported": exported,
        "seconds": round(time.perf_counter() - started, 3),
    }


def worker_status(_spec: dict[str, Any]) -> dict[str, Any]:
    """Database size, and rows and oldest row of each table the clean-up knows."""
    from airflow.utils import db_cleanup
    from airflow.utils.session import create_session
    from sqlalchemy import text

    tables = []
    with create_session() as session:
        bind = session.get_bind()
        existing = _existing(session)
        for name, config in sorted(db_cleanup.config_dict.items()):
            if name not in existing:
                continue
            rows, oldest = session.execute(
                text(f"SELECT count(*), min({config.recency_column_name}) FROM {name}")
            ).one()
            tables.append({"table": name, "rows": rows, "oldest": str(oldest) if oldest else None})
        if bind.dialect.name == "postgresql":
            size = session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        elif bind.dialect.name == "sqlite" and bind.url.database:
            size = os.path.getsize(bind.url.database)
        else:
            size = None
        archives = sorted(t for t in existing if t.startswith(ARCHIVE_PREFIX))
    return {"size_bytes": size, "tables": tables, "archives": archives}


WORKERS = {"plan": worker_plan, "clean": worker_clean, "status": worker_status}


def _main(argv: list[str]) -> int:
    action, spec = argv[1], json.loads(argv[2])
    real_stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            answer = WORKERS[action](spec)
    except Exception as error:  # reported to the parent as a plain message
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        answer = {"error": f"{error.__class__.__name__}: {first_line}"}
    real_stdout.write(json.dumps(answer) + "\n")
    real_stdout.flush()
    return 0


def now_utc() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
