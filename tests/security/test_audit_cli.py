"""`dagyard audit` pieces that need no server: durations, formatting, plain errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dagyard.cli import app
from dagyard.security import audit

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2026, 11, 18, 12, 0, tzinfo=UTC)),
        ("12h", datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
        ("30m", datetime(2026, 11, 25, 11, 30, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 11, 12, 0, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:00:00+09:00", datetime(2026, 10, 31, 23, 0, tzinfo=UTC)),
    ],
)
def test_since(text: str, expected: datetime) -> None:
    assert audit.parse_since(text, NOW) == expected


def test_bad_since_is_a_usage_error(dag_repo: Path) -> None:
    with pytest.raises(audit.AuditError, match="neither a duration nor a date"):
        audit.parse_since("last week", NOW)
    result = CliRunner().invoke(
        app, ["audit", "--since", "yesterday", "--project", str(dag_repo)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2 and "neither a duration nor a date" in result.output


def test_no_server_known_is_a_usage_error(dag_repo: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "--project", str(dag_repo)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "which Airflow?" in result.output


def test_format_event() -> None:
    event = audit.Event(
        NOW, "ana@example.com", "trigger_dag_run", "sales", "manual__1", None, '{"a": 1}'
    )
    line = audit.format_event(event)
    assert line.startswith("2026-11-25 12:00:00  ana@example.com")
    assert "trigger_dag_run" in line and "sales/manual__1" in line and line.endswith('{"a": 1}')
    long = audit.format_event(event._replace(extra="x" * 500), width=20)
    assert long.endswith("x" * 19 + "…")
