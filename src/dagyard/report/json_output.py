"""`--format json`: every finding and a summary, for scripts and editors."""

from __future__ import annotations

import json
from pathlib import Path

from dagyard.paths import relative
from dagyard.rules.engine import Report


def to_dict(report: Report, root: Path) -> dict:
    """The report as plain data (paths relative to `root`)."""
    return {
        "findings": [
            {
                "rule": f.rule,
                "name": f.name,
                "severity": f.severity,
                "message": f.message,
                "hint": f.hint,
                "file": relative(f.file, root),
                "line": f.line,
                "column": f.column,
                "source": f.source_line,
            }
            for f in report.findings
        ],
        "summary": {
            "files": len(report.files),
            "dags": sum(len(c.result.dags) for c in report.files if c.result),
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "seconds": round(report.seconds, 3),
            "base": report.base,
            "checked": [c.relative for c in report.files],
            "scope": report.scope,
            "airflow_parses": report.airflow_parses,
            "notes": list(report.notes),
        },
    }


def render_json(report: Report, root: Path) -> str:
    """The report as one JSON document (one line)."""
    return json.dumps(to_dict(report, root), ensure_ascii=False)
