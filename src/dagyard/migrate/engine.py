"""One file through the migration: dagyard's rewrites, ruff's AIR3 fixes, dead imports removed,
then what is left for the author, with lines in the file as it was."""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import multiprocessing
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
PARALLEL_FROM = 40
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


class _Prepared(NamedTuple):
    """A Python file after dagyard's own rewrites (or the reason it cannot be migrated)."""

    text: str
    code: str
    changes: list[str]
    renames: dict[str, str]
    error: str | None


def _prepare(text: str, path: Path, today: dt.date | None) -> _Prepared:
    try:
        ast.parse(text, filename=str(path))
        rewritten = rewrite_source(text, today=today)
    except SyntaxError as error:
        return _Prepared(text, text, [], {}, _syntax_error(error.lineno, error.msg))
    except cst.ParserSyntaxError as error:
        return _Prepared(text, text, [], {}, _syntax_error(error.raw_line, error.message))
    return _Prepared(text, rewritten.code, rewritten.changes, rewritten.renames, None)


def migrate_python_texts(
    items: list[tuple[str, Path]], today: dt.date | None = None
) -> list[FileResult]:
    """Migrate many Python modules' texts at once (ruff runs once per step for all of them)."""
    prepared = _parallel(_prepare, [(text, path, today) for text, path in items])
    good = [index for index, item in enumerate(prepared) if item.error is None]
    ruff = ruff_pass.airflow3_pass(
        [prepared[i].text for i in good],
        [prepared[i].code for i in good],
        [prepared[i].renames for i in good],
    )
    leftovers = _parallel(_leftovers, [(text,) for text in ruff.texts])
    results = [
        FileResult(path, item.text, item.text, [], [], item.error)
        for item, (_, path) in zip(prepared, items, strict=True)
    ]
    for position, index in enumerate(good):
        item, after = prepared[index], ruff.texts[position]
        changes = list(item.changes)
        if after != item.code:
            changes.append("ruff AIR3 fixes applied")
        findings = leftovers[position] + [
            Finding(d.code, d.line, d.message, _ruff_hint(d.code))
            for d in ruff.diagnostics[position]
        ]
        results[index] = FileResult(items[index][1], item.text, after, changes, _dedupe(findings))
    return results


def migrate_python(text: str, path: Path, today: dt.date | None = None) -> FileResult:
    """Migrate one Python module's text; a module that does not parse is left as it is."""
    return migrate_python_texts([(text, path)], today)[0]


def _leftovers(code: str) -> list[Finding]:
    return find_leftovers(code) + missing_airflow_imports(code)


def _parallel(function, arguments: list[tuple]) -> list:
    """`function(*a)` for every `a`, on every core when there are many (forked workers)."""
    if len(arguments) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [function(*a) for a in arguments]
    context = multiprocessing.get_context("fork")
    with context.Pool(os.cpu_count()) as pool:
        return pool.starmap(function, arguments, chunksize=16)


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


def migrate_files(paths: list[Path], today: dt.date | None = None) -> list[FileResult]:
    """Read and migrate every file of `paths`: Python modules together, templates one by one."""
    results: dict[Path, FileResult] = {}
    python: list[tuple[str, Path]] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            results[path] = FileResult(path, "", "", [], [], f"cannot read it ({error})")
            continue
        if path.suffix == ".py":
            python.append((text, path))
        else:
            results[path] = migrate_template(text, path)
    for result in migrate_python_texts(python, today):
        results[result.path] = result
    return [results[path] for path in paths]


def files_to_migrate(paths: Iterable[Path]) -> list[Path]:
    """Python files that mention Airflow, and template files with Jinja, under `paths`."""
    found: list[Path] = []
    for path in paths:
        candidates = [path] if path.is_file() else _walk(path)
        for candidate in candidates:
            if _wanted(candidate):
                found.append(candidate)
    return sorted(set(found))


def with_imported_helpers(files: list[Path], root: Path, search_paths: list[Path]) -> list[Path]:
    """`files` plus every module of the repository they import, directly or through others,
    that mentions Airflow (helpers outside the DAGs folder need migrating too)."""
    from dagyard.parsing.imports import build_graph

    project = [path for path in _walk(root) if path.suffix == ".py"]
    graph = build_graph(project, search_paths)
    seen = {path.resolve() for path in files}
    queue = list(seen)
    while queue:
        for imported in graph.imports.get(queue.pop(), ()):
            imported = imported.resolve()
            if imported not in seen:
                seen.add(imported)
                queue.append(imported)
    return sorted(path for path in seen if _wanted(path))


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
