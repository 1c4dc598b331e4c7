"""A stable identity for an import error's text, so an unchanged broken file is told once.

Airflow refreshes an import error's timestamp at every re-parse of the file (every 30 s by
default), and the text itself carries parts that change while the error does not: where the
DAG bundle happens to be checked out (a temporary folder, a per-commit version folder), memory
addresses in object representations, times, temporary file names, and line numbers that move
when someone edits lines above the error. These are masked before hashing; what stays is the
exception, its message, and the code shown in the traceback.
"""

from __future__ import annotations

import hashlib
import re

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 2026-12-01T05:41:47.123456+00:00, 2026-12-01 05:41:47, 05:41:47.12
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
        "<time>",
    ),
    (re.compile(r"\b0x[0-9a-fA-F]{4,}\b"), "0x<addr>"),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    # An absolute path keeps only its last part: the checkout folder is not the error.
    (
        re.compile(
            r"(?<![\w.~-])(?:[A-Za-z]:)?(?:[/\\][^/\\\s\"':,()<>]+)*[/\\]([^/\\\s\"':,()<>]+)"
        ),
        r"\1",
    ),
    # tempfile's random names (tmpab_3k9x2)
    (re.compile(r"\btmp[a-z0-9_]{6,10}\b"), "<tmp>"),
    (re.compile(r"\bline \d+"), "line <n>"),
    (re.compile(r"\bpid[ =:]*\d+", re.I), "pid <n>"),
)
_TIMEOUT = "DagBag import timeout"


def normalized(error: str) -> str:
    """The error text with its volatile parts masked (see the module docstring)."""
    text = error.strip()
    if _TIMEOUT in text:
        # Where the timeout interrupted the file changes from parse to parse; the fact does not.
        text = text[text.index(_TIMEOUT) :].splitlines()[0]
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def error_hash(error: str) -> str:
    """A short stable hash of the error's content (12 hex digits)."""
    return hashlib.sha256(normalized(error).encode()).hexdigest()[:12]
