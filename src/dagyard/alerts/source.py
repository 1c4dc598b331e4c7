"""Read failures from Airflow's REST API v2: failed task instances, DAG owners, import errors.

Task code may not use the metadata DB in Airflow 3, so everything comes over HTTP with a
bearer token (a service account's, or the local one `dagyard dev` mints).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from dagyard.airflow_api import AirflowApi
from dagyard.alerts.fingerprint import error_hash
from dagyard.errors import DagyardError

# Airflow caps pages at `[api] maximum_page_limit` (100 by default); asking for more lets an
# admin who raised it get fewer, larger pages. Paging never assumes the size it asked for.
PAGE_SIZE = 1000
# Lines Airflow adds when it cannot fetch a log: they are not the task's error.
_NOT_TASK_OUTPUT = ("Could not read served logs", "***", "Log message source details")


class SourceError(DagyardError):
    """Airflow's API could not be read; the message says what to check."""


class Failure(NamedTuple):
    """One task instance that reached the final `failed` state."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    end_date: str
    duration: float | None

    @property
    def key(self) -> str:
        """Identity for de-duplication: one announcement per (dag, run, task, map, try)."""
        return f"task|{self.dag_id}|{self.run_id}|{self.task_id}|{self.map_index}|{self.try_number}"


class BrokenFile(NamedTuple):
    """A DAG file that does not import (an import error listed by Airflow)."""

    filename: str
    bundle_name: str | None
    timestamp: str
    stacktrace: str

    @property
    def key(self) -> str:
        """Identity for de-duplication: one announcement per file and error content.

        Not the error's time: Airflow refreshes it at every re-parse of the unchanged file.
        """
        return f"import|{self.bundle_name or ''}|{self.filename}|{error_hash(self.stacktrace)}"


class DagInfo(NamedTuple):
    """What routing needs to know about a DAG."""

    dag_id: str
    owners: tuple[str, ...]
    fileloc: str | None
    relative_fileloc: str | None
    bundle_name: str | None


class AirflowSource(AirflowApi):
    """The alerter's reads of Airflow's REST API v2: failures, DAGs, import errors, logs."""

    error = SourceError
    # who needs the token, in the error that says it was refused
    reader = "the alerter"

    def refused(self, method: str, path: str, status: int) -> SourceError:
        """The token was refused: the alerter needs read access to every DAG."""
        return SourceError(
            f"Airflow at {self.base_url} refused the token (HTTP {status}); "
            f"give {self.reader} a valid service-account token with read access to all DAGs"
        )

    def failed_task_instances(self, since: datetime) -> Iterator[Failure]:
        """Every task instance in the final `failed` state that ended at or after `since`.

        Uses keyset (cursor) paging ordered by end date, so rows arriving while we page are
        neither skipped nor repeated. `up_for_retry` is a different state and never matches.
        """
        cursor = ""
        while True:
            page = self.get(
                "/api/v2/dags/~/dagRuns/~/taskInstances",
                params={
                    "state": "failed",
                    "end_date_gte": since.isoformat(),
                    "order_by": "end_date",
                    "limit": PAGE_SIZE,
                    "cursor": cursor,
                },
            )
            for item in page["task_instances"]:
                yield Failure(
                    dag_id=item["dag_id"],
                    run_id=item["dag_run_id"],
                    task_id=item["task_id"],
                    map_index=item["map_index"],
                    try_number=item["try_number"],
                    end_date=item["end_date"] or "",
                    duration=item.get("duration"),
                )
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def dags(self) -> dict[str, DagInfo]:
        """Every DAG with its owners and file, by DAG id (all pages)."""
        params = {"order_by": "dag_id", "exclude_stale": "false"}
        return {
            dag["dag_id"]: DagInfo(
                dag_id=dag["dag_id"],
                owners=tuple(dag.get("owners") or ()),
                fileloc=dag.get("fileloc"),
                relative_fileloc=dag.get("relative_fileloc"),
                bundle_name=dag.get("bundle_name"),
            )
            for dag in self.pages("/api/v2/dags", "dags", params, page_size=PAGE_SIZE)
        }

    def import_errors(self) -> list[BrokenFile]:
        """The DAG files Airflow currently cannot import (all pages)."""
        return [
            BrokenFile(
                filename=item["filename"],
                bundle_name=item.get("bundle_name"),
                timestamp=item["timestamp"],
                stacktrace=item.get("stack_trace") or "",
            )
            for item in self.pages(
                "/api/v2/importErrors", "import_errors", {"order_by": "id"}, page_size=PAGE_SIZE
            )
        ]

    def recovered_dags(self, dag_ids: set[str], since: datetime) -> dict[str, str]:
        """DAGs among `dag_ids` with a successful run that ended after `since`: id -> end date."""
        found: dict[str, str] = {}
        if not dag_ids:
            return found
        params = {"state": "success", "end_date_gte": since.isoformat(), "order_by": "end_date"}
        for run in self.pages("/api/v2/dags/~/dagRuns", "dag_runs", params, page_size=PAGE_SIZE):
            if run["dag_id"] in dag_ids and run.get("end_date"):
                found[run["dag_id"]] = max(found.get(run["dag_id"], ""), run["end_date"])
        return found

    def error_excerpt(self, failure: Failure, lines: int) -> str:
        """The first lines of the error in the task's log (empty when the log has none)."""
        path = (
            f"/api/v2/dags/{quote(failure.dag_id, safe='')}/dagRuns/"
            f"{quote(failure.run_id, safe='')}/taskInstances/"
            f"{quote(failure.task_id, safe='')}/logs/{failure.try_number}"
        )
        try:
            page = self.get(path, {"map_index": failure.map_index})
        except SourceError:
            return ""
        return error_excerpt(page.get("content"), lines)


def error_excerpt(content: Any, lines: int) -> str:
    """Pick the error out of a log response: the exception first, else the last error lines."""
    if isinstance(content, str):
        text_lines = content.splitlines()
        entries: list[dict[str, Any]] = [{"event": line} for line in text_lines]
    else:
        entries = [e if isinstance(e, dict) else {"event": str(e)} for e in content or []]
    for entry in reversed(entries):
        details = entry.get("error_detail")
        if details:
            last = details[-1] if isinstance(details, list) else details
            if isinstance(last, dict) and last.get("exc_type"):
                head = f"{last['exc_type']}: {last.get('exc_value', '')}".strip()
                frames = [f for f in last.get("frames") or [] if isinstance(f, dict)]
                own = [f for f in frames if "site-packages" not in str(f.get("filename"))]
                where = [
                    f'  File "{_short(f.get("filename"))}", line {f.get("lineno")}, '
                    f"in {f.get('name')}"
                    for f in (own or frames)[-(lines - 1) :]
                ]
                return "\n".join([head, *where][:lines])
    errors = [
        str(e.get("event", ""))
        for e in entries
        if (
            str(e.get("level", "")).lower() in {"error", "critical"}
            or "Error" in str(e.get("event", ""))
            or "Traceback" in str(e.get("event", ""))
        )
        and not str(e.get("event", "")).startswith(_NOT_TASK_OUTPUT)
    ]
    return "\n".join(errors[:lines])


def _short(filename: object) -> str:
    """A DAG file path from its DAGs folder on (`dags/x/y.py`), else as it is."""
    text = str(filename)
    index = text.rfind("/dags/")
    return text[index + 1 :] if index >= 0 else text


def log_url(ui_url: str, failure: Failure) -> str:
    """Link to the task try's log in the Airflow 3 UI."""
    base = ui_url.rstrip("/")
    url = (
        f"{base}/dags/{quote(failure.dag_id, safe='')}/runs/{quote(failure.run_id, safe='')}"
        f"/tasks/{quote(failure.task_id, safe='')}"
    )
    if failure.map_index >= 0:
        url += f"/mapped/{failure.map_index}"
    return f"{url}?try_number={failure.try_number}"
