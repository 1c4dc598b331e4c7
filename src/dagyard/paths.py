"""Paths as dagyard shows and matches them: relative to the project, owned by the longest folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

Owner = TypeVar("Owner")


def relative(path: str | Path, root: Path) -> str:
    """`path` relative to `root` (POSIX style) when inside it, else as given."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def longest_folder_match(relative_path: str, folders: Iterable[tuple[str, Owner]]) -> Owner | None:
    """What the longest of `folders` (pairs of folder and owner) that contains the file maps to.

    `relative_path` is relative to the same place as the folders (e.g. the DAGs folder);
    `data_lake/raw` beats `data_lake` for `data_lake/raw/x.py`. None when no folder contains it.
    """
    best: tuple[int, Owner] | None = None
    for folder, owner in folders:
        prefix = folder.strip("/") + "/"
        if relative_path.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), owner)
    return best[1] if best else None
