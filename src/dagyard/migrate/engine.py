"""One file through the migration: dagyard's rewrites, ruff's AIR3 fixes, dead imports removed,
then what is left for the author, with lines in the file as it was."""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import libcst as cst

from dagyard.migrate import ruff_pass
from dagyard.migrate.findings import Finding, find_leftovers
from dagyard.migrate.importable import missing_airflow_imports
from dagyard.migrate.rewrite import rewrite_source
from dagyard.migrate.templates import looks_like_template, rewrite_template

TEMPLATE_SUFFIXES = {".sql", ".hql", ".sh", ".j2", ".jinja", ".jinja2"}
SKIPPED_FOLDERS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".dagyard", ".tox"}


class FileResult(NamedTuple):
    """One file: its text before and after, what changed, and what is left for the author.

    `findings` carry line numbers of the migrated text; `original_line` maps them back."""

    path: Path
    before: str
    after: str
    changes: list[str]
    findings: list[Finding]
    error: str | None = None

    @property
    def changed(self) -> bool:
        """Whether `--write` would change the file."""
        return self.error is None and self.after != self.before

    def original_line(self, line: int) -> int:
        """The line of the file as it was that holds the migrated text's `line`."""
        matcher = difflib.SequenceMatcher(
            a=self.before.splitlines(), b=self.after.splitlines(), autojunk=False
        )
        for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
            if b_start <= line - 1 < b_end:
                if tag == "equal":
                    return a_start + (line - 1 - b_start) + 1
                return min(a_start + 1, max(a_end, 1))
        return line


def migrate_python(text: str, path: Path, today: dt.date | None = None) -> FileResult:
    """Migrate one Python module's text; a module that does not parse is left as it is."""
    try:
        ast.parse(text, filename=str(path))
        rewritten = rewrite_source(text, today=today)
    except SyntaxError as error:
        return FileResult(path, text, text, [], [], _syntax_error(error.lineno, error.msg))
    except cst.ParserSyntaxError as error:
        return FileResult(path, text, text, [], [], _syntax_error(error.raw_line, error.message))
    name = path.name
    fixed = ruff_pass.apply_airflow3_fixes(rewritten.code, name)
    after = ruff_pass.remove_new_dead_imports(text, fixed, name, rewritten.renames)
    changes = list(rewritten.changes)
    if fixed != rewritten.code:
        changes.append("ruff AIR3 fixes applied")
    findings = (
        find_leftovers(after)
        + missing_airflow_imports(after)
        + [
            Finding(d.code, d.line, d.message, _ruff_hint(d.code))
            for d in ruff_pass.diagnostics(after, name)
        ]
    )
    return FileResult(path, text, after, changes, _dedupe(findings))


def migrate_template(text: str, path: Path) -> FileResult:
    """Migrate a template file (SQL, shell, Jinja) used by templated operator arguments."""
    change = rewrite_template(text)
    findings = [
        Finding(
            "DYM05",
            _line_of(text, word),
            f"`{word}` was removed from templates in Airflow 3",
            "see `dagyard migrate --help` and docs/migrate.md for its replacement.",
        )
        for word in sorted(set(change.leftovers))
    ]
    changes = ["template variables replaced"] if change.text != text else []
    return FileResult(path, text, change.text, changes, findings)


def migrate_file(path: Path, today: dt.date | None = None) -> FileResult:
    """Read `path` and migrate it as Python or as a template file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return FileResult(path, "", "", [], [], f"cannot read it ({error})")
    if path.suffix == ".py":
        return migrate_python(text, path, today)
    return migrate_template(text, path)


def files_to_migrate(paths: Iterable[Path]) -> list[Path]:
    """Python files that mention Airflow, and template files with Jinja, under `paths`."""
    found: list[Path] = []
    for path in paths:
        candidates = [path] if path.is_file() else _walk(path)
        for candidate in candidates:
            if _wanted(candidate):
                found.append(candidate)
    return sorted(set(found))


def _walk(folder: Path) -> list[Path]:
    files = []
    for directory, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS)
        files.extend(Path(directory) / name for name in names)
    return files


def _wanted(path: Path) -> bool:
    if path.suffix == ".py":
        try:
            return "airflow" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    if path.suffix in TEMPLATE_SUFFIXES:
        try:
            return looks_like_template(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return False
    return False


def _syntax_error(line: int | None, message: str) -> str:
    return (
        f"line {line}: Python cannot read this file ({message}); it was left untouched. "
        "Fix the syntax error, then run `dagyard migrate` again."
    )


def _ruff_hint(code: str) -> str:
    if code.startswith("AIR30"):
        return "Airflow 3 no longer has this; change the code as the message says."
    return "Airflow 3 still accepts this for now; switch to the new name when you can."


def _line_of(text: str, word: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if word in line:
            return number
    return 1


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per line: dagyard's own (with its advice) over ruff's on the same line."""
    own_lines = {f.line for f in findings if f.code.startswith("DYM")}
    unique: dict[tuple[int, str], Finding] = {}
    for finding in sorted(findings, key=lambda f: (f.line, f.code)):
        if finding.code.startswith("AIR") and finding.line in own_lines:
            continue
        unique.setdefault((finding.line, finding.message), finding)
    return list(unique.values())
