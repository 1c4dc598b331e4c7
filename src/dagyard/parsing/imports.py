"""The repository's import graph, read from the source (nothing is imported).

`build_graph` parses every Python file of the repo once and resolves its `import` statements to
files of the project (the DAGs folder and the project root are on `sys.path` while parsing).
`dependents` walks the graph backwards: the DAG files that import a changed helper, directly or
through other helpers, are exactly the ones whose result can change.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class ImportGraph(NamedTuple):
    """Which project files each file imports, and which outside modules it names."""

    imports: dict[Path, set[Path]]
    external: dict[Path, set[str]]

    def imported_by(self) -> dict[Path, set[Path]]:
        """The reverse graph: for each project file, the files that import it directly."""
        reverse: dict[Path, set[Path]] = {}
        for importer, targets in self.imports.items():
            for target in targets:
                reverse.setdefault(target, set()).add(importer)
        return reverse

    def helpers(self) -> set[Path]:
        """Project files imported by at least one other project file."""
        return {target for targets in self.imports.values() for target in targets}


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+(?P<plain>[^\n#;]*))",
    re.M,
)


def _split_names(text: str) -> list[str]:
    text = text.replace("(", " ").replace(")", " ").replace("\\", " ")
    names = []
    for part in text.split(","):
        words = part.split()
        if words and words[0] != "*":
            names.append(words[0])
    return names


def imported_names(text: str, module: str | None, is_package: bool) -> list[str]:
    """Absolute dotted names a module imports (for `from a import b`: both `a.b` and `a`).

    Reads the statements with a regular expression rather than a full parse: it is ~20x
    faster on a 700-file repo, and a stray match (say, in a docstring) only adds an edge.
    """
    names: list[str] = []
    for match in _IMPORT.finditer(text):
        if match.group("plain") is not None:
            names.extend(_split_names(match.group("plain")))
            continue
        raw = match.group("module")
        level = len(raw) - len(raw.lstrip("."))
        base = _absolute(raw.lstrip(".") or None, level, module, is_package)
        if base is None:
            continue
        if base:
            names.append(base)
        names.extend(
            f"{base}.{name}" if base else name for name in _split_names(match.group("names"))
        )
    return [name for name in names if all(part.isidentifier() for part in name.split("."))]


def _absolute(name: str | None, level: int, module: str | None, is_package: bool) -> str | None:
    if level == 0:
        return name
    if module is None:
        return None
    parts = module.split(".")
    package = parts if is_package else parts[:-1]
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, name] if name else base)


def module_name(path: Path, search_paths: list[Path]) -> str | None:
    """The dotted name `path` is imported as, from the first search path that contains it."""
    for root in search_paths:
        if path.is_relative_to(root):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts)
    return None


def resolve(name: str, search_paths: list[Path]) -> list[Path]:
    """Project files that `import name` executes (the module and its parent packages)."""
    parts = name.split(".")
    for root in search_paths:
        found: list[Path] = []
        for depth in range(1, len(parts) + 1):
            base = root.joinpath(*parts[:depth])
            if (base / "__init__.py").is_file():
                found.append(base / "__init__.py")
            elif base.with_suffix(".py").is_file() and depth == len(parts):
                found.append(base.with_suffix(".py"))
            elif not base.is_dir():
                break
        if found and (found[-1].stem == parts[-1] or found[-1].parent.name == parts[-1]):
            return found
    return []


def build_graph(files: Iterable[Path], search_paths: list[Path]) -> ImportGraph:
    """Read each file and resolve its imports to project files (unreadable files import none)."""
    imports: dict[Path, set[Path]] = {}
    external: dict[Path, set[str]] = {}
    cache: dict[str, list[Path]] = {}
    for file in files:
        file = file.resolve()
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            imports[file], external[file] = set(), set()
            continue
        module = module_name(file, search_paths)
        targets: set[Path] = set()
        outside: set[str] = set()
        for name in imported_names(text, module, file.name == "__init__.py"):
            if name not in cache:
                cache[name] = resolve(name, search_paths)
            if cache[name]:
                targets.update(cache[name])
            elif not _is_project_top(name.split(".")[0], tuple(search_paths)):
                outside.add(name)
        targets.discard(file)
        imports[file], external[file] = targets, outside
    return ImportGraph(imports, external)


@functools.lru_cache(maxsize=4096)
def _is_project_top(top: str, search_paths: tuple[Path, ...]) -> bool:
    return any((root / top).is_dir() or (root / f"{top}.py").is_file() for root in search_paths)


def dependents(graph: ImportGraph, changed: Iterable[Path]) -> set[Path]:
    """Every file that imports one of `changed`, directly or through other files."""
    return importers(graph.imported_by(), *changed)


def importers(reverse: dict[Path, set[Path]], *changed: Path) -> set[Path]:
    """Every file that imports one of `changed` in the reverse graph (see `imported_by`)."""
    seen: set[Path] = set()
    queue = deque(path.resolve() for path in changed)
    while queue:
        for importer in reverse.get(queue.popleft(), ()):
            if importer not in seen:
                seen.add(importer)
                queue.append(importer)
    return seen
