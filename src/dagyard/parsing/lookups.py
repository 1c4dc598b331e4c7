"""Variables and connections a DAG file reads while it loads (recorded in the loading child).

The check's stand-in secrets backend (`parsing.standins`) calls `record` for every look-up;
the loader sends the list back with the file's result. A look-up at parse time runs every time
Airflow parses the file, so rule DY107 reports each one at the user's line that made it.
"""

from __future__ import annotations

from typing import NamedTuple

from dagyard.parsing.sandbox import user_frame


class Lookup(NamedTuple):
    """One variable or connection read while the file loaded, and the user's line that read it."""

    kind: str  # variable | connection
    key: str
    file: str | None
    line: int | None


_seen: list[Lookup] = []


def record(kind: str, key: str) -> None:
    """Note a look-up of `key` made by the code on the caller's stack."""
    file, line = user_frame(1)
    _seen.append(Lookup(kind, key, file, line))


def reset() -> None:
    """Forget the look-ups recorded so far (before loading the next file)."""
    _seen.clear()


def recorded() -> list[Lookup]:
    """The look-ups recorded since the last `reset`."""
    return list(_seen)
