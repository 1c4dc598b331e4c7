"""Who triggered, cleared, paused or changed what: Airflow's audit log, through the REST API.

Airflow records every change made through its API and UI in its event log, with the login of
the person who made it (`owner`). `dagyard audit` reads it with `GET /api/v2/eventLogs`,
filtered by DAG, person and time; nothing here touches the metadata database.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from dagyard.airflow_api import AirflowApi
from dagyard.errors import DagyardError

_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class AuditError(DagyardError):
    """The audit log cannot be read: `message` says what, `hint` what to do."""


class Event(NamedTuple):
    """One audit log entry."""

    when: datetime
    who: str
    event: str
    dag_id: str | None
    run_id: str | None
    task_id: str | None
    extra: str | None


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`7d`, `12h`, `30m`, `2w` ago, or an ISO date/time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    match = _SINCE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AuditError(
            f"--since {text!r} is neither a duration nor a date",
            "write a duration like 7d, 12h or 30m, or a date like 2026-11-01",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AuditLog(AirflowApi):
    """Airflow's audit log (`/api/v2/eventLogs`) of one API server."""

    error = AuditError

    def refused(self, method: str, path: str, status: int) -> AuditError:
        """Reading the audit log needs the Admin role or the audit grant."""
        return AuditError(
            f"Airflow refused to show the audit log ({status})",
            "the audit log needs the Admin role, or a team with permissions = "
            '["read audit logs"] in dagyard.toml',
        )


def fetch_events(
    log: AuditLog,
    *,
    dag_id: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    event: str | None = None,
    limit: int = 200,
) -> list[Event]:
    """The newest `limit` matching events, newest first (all pages as needed)."""
    params: dict[str, Any] = {"order_by": "-when"}
    if dag_id:
        params["dag_id"] = dag_id
    if user:
        params["owner"] = user
    if since:
        params["after"] = since.isoformat()
    if event:
        params["event"] = event
    items = log.pages("/api/v2/eventLogs", "event_logs", params, limit=limit)
    return [_event(item) for item in items]


def _event(item: dict[str, Any]) -> Event:
    return Event(
        when=datetime.fromisoformat(item["when"].replace("Z", "+00:00")),
        who=item.get("owner") or "?",
        event=item["event"],
        dag_id=item.get("dag_id"),
        run_id=item.get("run_id"),
        task_id=item.get("task_id"),
        extra=item.get("extra"),
    )


def format_event(event: Event, width: int = 60) -> str:
    """One line: time (UTC), who, what, on which DAG/run/task, and the request details."""
    target = "/".join(part for part in (event.dag_id, event.run_id, event.task_id) if part) or "-"
    extra = (event.extra or "").replace("\n", " ")
    if len(extra) > width:
        extra = extra[: width - 1] + "…"
    when = event.when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{when}  {event.who:<28} {event.event:<22} {target}  {extra}".rstrip()
