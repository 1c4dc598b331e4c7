"""ruff's AIR3 rules over many files at once: its fixes, what it still reports, and the imports
its fixes leave dead.

ruff runs once per step over a scratch folder that holds one copy of each file, with
`--isolated`, so a repository's own ruff settings neither hide files nor add unrelated fixes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

RUFF = str(Path(sys.executable).with_name("ruff"))
AIRFLOW3_RULES = "AIR3"
_UNUSED = re.compile(r"`([^`]+)` imported but unused")


class Diagnostic(NamedTuple):
    """One ruff diagnostic: rule code, message, 1-based line and column, and its fix edits."""

    code: str
    message: str
    line: int
    column: int
    edits: tuple[tuple[int, int, int, int, str], ...] = ()


class RuffResult(NamedTuple):
    """Per file (by its index in the input): the fixed text and what ruff still reports."""

    texts: list[str]
    diagnostics: list[list[Diagnostic]]


def airflow3_pass(
    originals: list[str], rewritten: list[str], renames: list[dict[str, str]]
) -> RuffResult:
    """Apply ruff's AIR3 fixes to every `rewritten` text, remove the imports the migration left
    unused (compared with `originals`), and collect what AIR3 still reports."""
    with tempfile.TemporaryDirectory(prefix="dagyard-migrate-") as scratch:
        before_dir, after_dir = Path(scratch, "before"), Path(scratch, "after")
        _write(before_dir, originals)
        _write(after_dir, rewritten)
        _ruff(
            ["--select", AIRFLOW3_RULES, "--fix-only", "--unsafe-fixes", "--exit-zero"], after_dir
        )
        unused_before = _diagnostics(before_dir, "F401", len(originals))
        unused_after = _diagnostics(after_dir, "F401", len(originals))
        texts = []
        for index in range(len(originals)):
            fixed = (after_dir / f"{index}.py").read_text(encoding="utf-8")
            texts.append(
                _drop_new_dead_imports(
                    fixed,
                    originals[index],
                    unused_before[index],
                    unused_after[index],
                    renames[index],
                )
            )
        _write(after_dir, texts)
        left = _diagnostics(after_dir, AIRFLOW3_RULES, len(originals))
    return RuffResult(texts, left)


def _write(folder: Path, texts: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    for index, text in enumerate(texts):
        (folder / f"{index}.py").write_text(text, encoding="utf-8")


def _ruff(arguments: list[str], folder: Path) -> str:
    result = subprocess.run(
        [
            RUFF,
            "check",
            "--isolated",
            "--no-cache",
            "--preview",
            "--target-version",
            "py311",
            *arguments,
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr.strip() or "ruff failed")
    return result.stdout


def _diagnostics(folder: Path, select: str, count: int) -> list[list[Diagnostic]]:
    output = _ruff(["--select", select, "--output-format", "json", "--exit-zero"], folder)
    found: list[list[Diagnostic]] = [[] for _ in range(count)]
    for item in json.loads(output or "[]"):
        edits = tuple(
            (
                edit["location"]["row"],
                edit["location"]["column"],
                edit["end_location"]["row"],
                edit["end_location"]["column"],
                edit["content"],
            )
            for edit in ((item.get("fix") or {}).get("edits") or [])
        )
        found[int(Path(item["filename"]).stem)].append(
            Diagnostic(
                item["code"],
                item["message"],
                item["location"]["row"],
                item["location"]["column"],
                edits,
            )
        )
    return found


def _bound_name(item: Diagnostic, text: str) -> str | None:
    match = _UNUSED.search(item.message)
    if not match:
        return None
    dotted = match.group(1)
    if " as " in dotted:
        return dotted.split(" as ")[-1]
    if "." in dotted and _is_from_import(text, item.line):
        return dotted.rpartition(".")[2]
    return dotted


def _drop_new_dead_imports(
    text: str,
    original: str,
    before: list[Diagnostic],
    after: list[Diagnostic],
    renames: dict[str, str],
) -> str:
    """Remove from `text` the imports unused in it that were used before the migration.

    Imports are matched by the name they bind; `renames` maps the names the rewrites changed
    (`DummyOperator` -> `EmptyOperator`), so an import that was already unused stays."""
    was_unused = Counter()
    for item in before:
        name = _bound_name(item, original)
        if name:
            was_unused[renames.get(name, name)] += 1
    newly_dead: list[Diagnostic] = []
    kept_unused: list[Diagnostic] = []
    for item in sorted(after, key=lambda d: (d.line, d.column)):
        name = _bound_name(item, text)
        if name is None:
            continue
        if was_unused[name]:
            was_unused[name] -= 1
            kept_unused.append(item)
        else:
            newly_dead.append(item)
    if not newly_dead:
        return text
    by_edit: dict[tuple, list[Diagnostic]] = defaultdict(list)
    for item in newly_dead + kept_unused:
        by_edit[item.edits].append(item)
    shared = any(
        any(other in kept_unused for other in items) and any(i in newly_dead for i in items)
        for items in by_edit.values()
    )
    if shared or any(not item.edits for item in newly_dead):
        positions = {(item.line, item.column) for item in newly_dead}
        return MetadataWrapper(cst.parse_module(text)).visit(_DropImports(positions)).code
    return _apply_edits(text, {edit for item in newly_dead for edit in item.edits})


def _apply_edits(text: str, edits: set[tuple[int, int, int, int, str]]) -> str:
    """Apply ruff's (row, column, end row, end column, content) edits, last first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row: int, column: int) -> int:
        return starts[row - 1] + column - 1 if row - 1 < len(starts) else len(text)

    for row, column, end_row, end_column, content in sorted(edits, reverse=True):
        start, end = offset(row, column), offset(end_row, end_column)
        text = text[:start] + content + text[end:]
    return text


def _is_from_import(code: str, line: int) -> bool:
    """Whether the statement around `line` is a `from … import …` (a rough look is enough)."""
    lines = code.splitlines()
    for index in range(min(line, len(lines)) - 1, -1, -1):
        text = lines[index].lstrip()
        if text.startswith("from "):
            return True
        if text.startswith("import "):
            return False
    return False


class _DropImports(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, positions: set[tuple[int, int]]) -> None:
        super().__init__()
        self.positions = positions

    def _dead(self, alias: cst.ImportAlias) -> bool:
        start = self.get_metadata(PositionProvider, alias).start
        return (start.line, start.column + 1) in self.positions

    def _keep(self, original, updated):
        names = [
            new
            for old, new in zip(original.names, updated.names, strict=True)
            if not self._dead(old)
        ]
        if not names:
            return cst.RemoveFromParent()
        if len(names) == len(updated.names):
            return updated
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        changes = {"names": names}
        if isinstance(updated, cst.ImportFrom) and updated.lpar and len(names) == 1:
            changes.update(lpar=None, rpar=None)
        return updated.with_changes(**changes)

    def leave_ImportFrom(self, original_node, updated_node):
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        return self._keep(original_node, updated_node)

    def leave_Import(self, original_node, updated_node):
        return self._keep(original_node, updated_node)
