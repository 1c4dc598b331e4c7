"""ruff's AIR3 rules: its fixes, what it still reports, and the imports its fixes leave dead.

ruff runs on the text through standard input with `--isolated`, so a repository's own ruff
settings (excludes, selected rules) neither hide files nor add unrelated fixes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

RUFF = str(Path(sys.executable).with_name("ruff"))
AIRFLOW3_RULES = "AIR3"
_UNUSED = re.compile(r"`([^`]+)` imported but unused")


class Diagnostic(NamedTuple):
    """One ruff diagnostic: rule code, message, 1-based line and column."""

    code: str
    message: str
    line: int
    column: int


def _ruff(arguments: list[str], code: str, filename: str) -> str:
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
            "--stdin-filename",
            filename,
            "-",
        ],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr.strip() or "ruff failed")
    return result.stdout


def apply_airflow3_fixes(code: str, filename: str) -> str:
    """`code` with every fix of ruff's AIR3 rules applied (unsafe ones included)."""
    return _ruff(
        ["--select", AIRFLOW3_RULES, "--fix-only", "--unsafe-fixes", "--exit-zero"], code, filename
    )


def diagnostics(code: str, filename: str, select: str = AIRFLOW3_RULES) -> list[Diagnostic]:
    """What ruff still reports for `select` on `code`."""
    output = _ruff(["--select", select, "--output-format", "json", "--exit-zero"], code, filename)
    return [
        Diagnostic(
            item["code"], item["message"], item["location"]["row"], item["location"]["column"]
        )
        for item in json.loads(output or "[]")
    ]


def remove_new_dead_imports(
    before: str, after: str, filename: str, renames: dict[str, str] | None = None
) -> str:
    """Remove from `after` the imports that are unused in it but were used in `before`.

    Imports are matched by the name they bind; `renames` maps names the rewrites changed
    (`DummyOperator` -> `EmptyOperator`), so an import that was already unused stays."""
    renames = renames or {}
    was_unused = Counter(renames.get(name, name) for name in _unused(before, filename).values())
    newly_dead: set[tuple[int, int]] = set()
    for position, name in sorted(_unused(after, filename).items()):
        if was_unused[name]:
            was_unused[name] -= 1
        else:
            newly_dead.add(position)
    if not newly_dead:
        return after
    wrapper = MetadataWrapper(cst.parse_module(after))
    return wrapper.visit(_DropImports(newly_dead)).code


def _unused(code: str, filename: str) -> dict[tuple[int, int], str]:
    found = {}
    for item in diagnostics(code, filename, select="F401"):
        match = _UNUSED.search(item.message)
        if match:
            dotted = match.group(1)
            if " as " in dotted:
                bound = dotted.split(" as ")[-1]
            elif item.line and "." in dotted and _is_from_import(code, item.line):
                bound = dotted.rpartition(".")[2]
            else:
                bound = dotted
            found[(item.line, item.column)] = bound
    return found


def _is_from_import(code: str, line: int) -> bool:
    """Whether the statement around `line` is a `from … import …` (a rough look is enough)."""
    lines = code.splitlines()
    for index in range(line - 1, -1, -1):
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
