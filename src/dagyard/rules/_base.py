"""What every rule shares: the facts it reads and the problems it reports."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

from dagyard.config import Config
from dagyard.parsing.loader import LoadResult
from dagyard.parsing.source import Source
from dagyard.paths import relative

Severity = Literal["error", "warning"]


# What a rule can need done while the files load (a rule module lists them in `NEEDS`).
NEED_RUFF = "ruff diagnostics of the checked files"
NEED_SECRET_SCAN = "a secret scan of each file, in its loading child"


class Issue(NamedTuple):
    """A problem as a rule reports it: what is wrong, what to do, where."""

    message: str
    hint: str
    file: Path
    line: int | None = None
    column: int | None = None


class Finding(NamedTuple):
    """A problem as the report shows it: an issue with its rule id, name and severity."""

    rule: str
    name: str
    severity: Severity
    message: str
    hint: str
    file: str
    line: int | None = None
    source_line: str = ""
    column: int | None = None


class CheckedFile(NamedTuple):
    """One file that was checked: its source and, for a DAG file, what loading it gave."""

    path: Path
    relative: str
    source: Source
    result: LoadResult | None


class Context(NamedTuple):
    """Everything repo-wide that rules may need besides the file at hand."""

    config: Config
    files: list[CheckedFile]
    other_dag_ids: dict[str, list[Path]]
    base: str | None = None
    base_dag_ids: dict[str, Path] | None = None
    deleted: tuple[Path, ...] = ()
    scanned_modules: tuple[Path, ...] = ()
    secret_scans: dict[Path, list] | None = None
    ruff_diagnostics: list[dict] | None = None
    skipped: tuple[Path, ...] = ()
    shared: frozenset[Path] = frozenset()

    def relative(self, path: Path | str) -> str:
        """`path` relative to the project root (for messages)."""
        return relative(path, self.config.root)
