"""What is wrong with a pipeline file: where (file, line, column), what, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from dagyard.errors import DagyardError


class Problem(NamedTuple):
    """One mistake in a pipeline (or template) file; `line` and `column` are 1-based."""

    file: Path
    line: int
    column: int
    text: str
    message: str
    hint: str

    def location(self) -> str:
        """`file:line:col`, as editors and terminals link it."""
        return f"{self.file}:{self.line}:{self.column}"

    def render(self, source_line: str | None = None) -> str:
        """The problem as people read it: location, sentence, the line with a caret, the fix."""
        parts = [f"{self.location()}: {self.message}"]
        if source_line is not None and source_line.strip():
            width = max(1, len(self.text)) if self.text else 1
            parts.append(f"    {source_line.rstrip()}")
            parts.append("    " + " " * (self.column - 1) + "^" * width)
        parts.append(f"  what to do: {self.hint}")
        return "\n".join(parts)


class PipelineError(DagyardError):
    """A pipeline file that cannot be turned into a DAG; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "\n".join(p.location() + ": " + p.message for p in problems),
            problems[0].hint if problems else None,
        )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` Did you mean 'x'?` for the closest choice, or "" when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
