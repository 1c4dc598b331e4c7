"""Read a pipeline's YAML, keeping where every key and value was written.

Syntax mistakes (tabs, indentation, unclosed quotes, duplicate keys) become `Problem`s with the
line and column of the mistake and a plain sentence; a valid file becomes plain Python data
plus `Positions`, which later checks use to point at the offending key or value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from dagyard.pipelines.errors import PipelineError, Problem

Key = tuple[Any, ...]
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class Positions(NamedTuple):
    """1-based (line, column) of each key and each value, by their path from the top."""

    keys: dict[Key, tuple[int, int]]
    values: dict[Key, tuple[int, int]]

    def of_key(self, path: Key) -> tuple[int, int]:
        """Where the key at `path` is written (or its nearest written parent)."""
        return _nearest(self.keys, path) or self.of_value(path)

    def of_value(self, path: Key) -> tuple[int, int]:
        """Where the value at `path` is written (or its nearest written parent)."""
        return _nearest(self.values, path) or _nearest(self.keys, path) or (1, 1)


class Document(NamedTuple):
    """A parsed pipeline file: its data, where each part was written, and its lines."""

    path: Path
    data: Any
    positions: Positions
    lines: list[str]

    def line(self, number: int) -> str:
        """Text of 1-based line `number` ("" when out of range)."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def problem_at(self, where: tuple[int, int], message: str, hint: str) -> Problem:
        """A problem at (line, column), its offending text taken from the file."""
        line, column = where
        return Problem(self.path, line, column, token_at(self.line(line), column), message, hint)


def _nearest(table: dict[Key, tuple[int, int]], path: Key) -> tuple[int, int] | None:
    for end in range(len(path), -1, -1):
        if path[:end] in table:
            return table[path[:end]]
    return None


_TOKEN = re.compile(r"""("[^"]*"?|'[^']*'?|[^\s,:\[\]{}#]+(?::[^\s,\[\]{}#]+)*)""")


def token_at(line: str, column: int) -> str:
    """The word (or quoted text, or rest of a scalar) starting at 1-based `column` of `line`."""
    rest = line[column - 1 :] if column >= 1 else line
    if rest.startswith("\t"):
        return "\t"
    in_flow = line[: max(column - 1, 0)].rstrip().endswith(("[", "{", ","))
    stripped = rest.split(" #")[0].rstrip().removesuffix(":")
    if not in_flow and stripped[:1] not in ("[", "{") and ": " not in stripped and stripped:
        return stripped
    match = _TOKEN.match(rest)
    return match.group(0) if match else rest[:1]


def read(path: Path, text: str | None = None) -> Document:
    """Parse `path` (or `text`, its content); raise `PipelineError` for a YAML mistake."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            problem = Problem(
                path,
                1,
                error.start + 1,
                "",
                "the file is not UTF-8 text",
                "save the file as UTF-8 (the default of every modern editor)",
            )
            raise PipelineError([problem]) from None
    lines = text.splitlines()
    yaml = YAML(typ="rt")
    # dates stay text here, so that a wrong one (2024-13-01) is reported with its position
    yaml.constructor.add_constructor(_TIMESTAMP, lambda loader, node: str(node.value))
    try:
        data = yaml.load(text)
    except MarkedYAMLError as error:
        raise PipelineError([_syntax_problem(path, lines, error)]) from None
    keys: dict[Key, tuple[int, int]] = {}
    values: dict[Key, tuple[int, int]] = {}
    _walk(data, (), keys, values)
    return Document(path, _plain(data), Positions(keys, values), lines)


def _walk(node: Any, path: Key, keys: dict, values: dict) -> None:
    if isinstance(node, CommentedMap):
        for key in node:
            line, column = node.lc.key(key)
            keys[(*path, key)] = (line + 1, column + 1)
            vline, vcolumn = node.lc.value(key)
            values[(*path, key)] = (vline + 1, vcolumn + 1)
            _walk(node[key], (*path, key), keys, values)
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            line, column = node.lc.item(index)
            values[(*path, index)] = (line + 1, column + 1)
            _walk(item, (*path, index), keys, values)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    return node


def _syntax_problem(path: Path, lines: list[str], error: MarkedYAMLError) -> Problem:
    problem = str(error.problem or "")
    context = str(error.context or "")
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)

    def at(where_line: int, where_column: int, message: str, hint: str) -> Problem:
        text = lines[where_line - 1] if 1 <= where_line <= len(lines) else ""
        return Problem(path, where_line, where_column, token_at(text, where_column), message, hint)

    if "'\\t'" in problem:
        text = lines[line - 1] if 1 <= line <= len(lines) else ""
        column = next((n + 1 for n, char in enumerate(text) if char == "\t"), column)
        return at(
            line,
            column,
            "a tab is used for indentation; YAML only accepts spaces",
            "replace the tab with spaces (2 per level); most editors have 'convert indentation "
            "to spaces'",
        )
    if "quoted scalar" in context and error.context_mark is not None:
        start = error.context_mark
        return at(
            start.line + 1,
            start.column + 1,
            "this quote is opened but never closed",
            "add the closing quote at the end of the value on this line",
        )
    if "duplicate key" in problem:
        key = re.search(r'duplicate key "([^"]*)"', problem)
        name = key.group(1) if key else "this key"
        first = _first_line_of_key(lines, name, line, column)
        where = f" (it is already set on line {first})" if first else ""
        return at(
            line,
            column,
            f"'{name}' is written twice{where}",
            f"keep one '{name}:' and delete the other",
        )
    if "mapping values are not allowed" in problem or "block end" in problem:
        return at(
            line,
            column,
            "this line is indented differently from the lines around it",
            "line it up with the other keys of its block (same number of spaces), or quote "
            "a value that contains ': '",
        )
    if "could not find expected ':'" in problem:
        return at(
            line,
            column,
            "a line here is neither 'key: value' nor a list item",
            "write it as 'key: value', or quote the text if it belongs to the line above",
        )
    return at(
        line,
        column,
        f"this is not valid YAML ({problem or context})",
        "compare the line with the examples in docs/pipelines.md (spaces, colons, quotes)",
    )


def _first_line_of_key(lines: list[str], key: str, before: int, column: int) -> int | None:
    pattern = re.compile(rf"^ {{{column - 1}}}['\"]?{re.escape(key)}['\"]?\s*:")
    for number, text in enumerate(lines[: before - 1], start=1):
        if pattern.match(text):
            return number
    return None
