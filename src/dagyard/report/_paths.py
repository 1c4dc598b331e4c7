"""Paths as reports show them: relative to the project (or the git work tree)."""

from __future__ import annotations

from pathlib import Path


def relative(path: str | Path, root: Path) -> str:
    """`path` relative to `root` when inside it, else as given."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
