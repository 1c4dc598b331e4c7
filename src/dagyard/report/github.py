"""`--format github`: GitHub Actions workflow commands, shown as annotations on the diff."""

from __future__ import annotations

from pathlib import Path

from dagyard.paths import relative
from dagyard.rules.engine import Report


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, root: Path) -> str:
    """One `::error`/`::warning` line per finding, then a plain summary line.

    Paths are relative to `root`, which should be the repository root of the workflow
    (`GITHUB_WORKSPACE`) so that annotations land on the right file.
    """
    lines = []
    for f in report.findings:
        level = "error" if f.severity == "error" else "warning"
        props = [f"file={_escape_property(relative(f.file, root))}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f'{f.rule} {f.name}')}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(f'{f.message}. Fix: {f.hint}')}")
    lines.append(
        f"dagyard check: {len(report.errors)} error(s), {len(report.warnings)} warning(s) in "
        f"{len(report.files)} file(s)"
    )
    return "\n".join(lines)
