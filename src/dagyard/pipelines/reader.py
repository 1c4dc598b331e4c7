"""Read a pipeline's YAML, keeping where every key and value was written.

Syntax mistakes (tabs, indentation, unclosed quotes, duplicate keys) become `Problem`s with the
line and column of the mistake and a plain sentence; a valid file becomes plain Python data
plus `Positions`, which later checks use to point at the offending key or value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from dagyard.pipelines.errors import PipelineError, Problem

Key = tuple[Any, ...]
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
# libyaml (C) composes the nodes, with their positions, ~30x faster than a pure-Python parser
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.SafeLoader("")
_STR = "tag:yaml.org,2002:str"
_SCALARS = {
    f"tag:yaml.org,2002:{name}": getattr(yaml.SafeLoader, f"construct_yaml_{name}")
    for name in ("int", "float", "bool", "null")
}


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
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = _line_column(data[: error.start].decode("utf-8", "replace"))
            problem = Problem(
                path, line, column, "", "the file is not UTF-8 text (a character here is not)",
                "save the file as UTF-8 (the default of every modern editor)",
            )  # fmt: skip
            raise PipelineError([problem]) from None
    lines = text.splitlines()
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        raise PipelineError([_syntax_problem(path, lines, error)]) from None
    except yaml.YAMLError as error:  # a character YAML does not accept (e.g. a NUL byte)
        line, column = _line_column(text[: getattr(error, "position", 0)])
        problem = Problem(
            path, line, column, "", "the file contains a character YAML does not accept",
            "remove it (it is often invisible: retype the line in a plain-text editor)",
        )  # fmt: skip
        raise PipelineError([problem]) from None
    builder = _Builder(path, lines)
    data = builder.build(node, ()) if node is not None else None
    keys, values = builder.keys, builder.values
    return Document(path, data, Positions(keys, values), lines)


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


MAX_DEPTH = 40


class _Builder:
    """Plain data from composed YAML nodes, recording where each key and value is written.

    Anchors and aliases (`&name` / `*name`) are refused: a pipeline has no use for them, and
    aliases of aliases expand exponentially ("billion laughs"). So are Python-specific tags
    and nesting deeper than MAX_DEPTH.
    """

    def __init__(self, file: Path, lines: list[str]):
        self.file = file
        self.lines = lines
        self.keys: dict[Key, tuple[int, int]] = {}
        self.values: dict[Key, tuple[int, int]] = {}
        self.seen: set[int] = set()

    def fail(self, node: yaml.Node, message: str, hint: str) -> PipelineError:
        line, column = _at(node)
        text = token_at(_line(self.lines, line), column)
        return PipelineError([Problem(self.file, line, column, text, message, hint)])

    def build(self, node: yaml.Node, path: Key) -> Any:
        if id(node) in self.seen:
            raise self.fail(
                node, "anchors and aliases (&name, *name) cannot be used in a pipeline file",
                "write the value out where it is needed",
            )  # fmt: skip
        self.seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise self.fail(
                node, f"the file nests blocks more than {MAX_DEPTH} levels deep",
                "a pipeline needs a few levels only; see docs/pipelines.md",
            )  # fmt: skip
        if node.tag == _MERGE:
            raise self.fail(
                node, "merge keys (<<: *name) cannot be used in a pipeline file",
                "write the settings out where they are needed",
            )  # fmt: skip
        if node.tag not in _PLAIN_TAGS:
            raise self.fail(
                node, f"the tag {_tag_name(node.tag)} cannot be used "
                "in a pipeline file", "remove the '!' tag and write the plain value",
            )  # fmt: skip
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.values[(*path, index)] = _at(item)
                items.append(self.build(item, (*path, index)))
            return items
        if node.tag == _TIMESTAMP:
            # dates stay text here, so that a wrong one (2024-13-01) is reported at its position
            return str(node.value)
        try:
            if node.tag == _STR:
                return node.value
            return _SCALARS[node.tag](_CONSTRUCTOR, node)
        except (yaml.YAMLError, KeyError, ValueError):
            raise self.fail(
                node,
                f"'{node.value}' cannot be read as {_tag_name(node.tag)}",
                "remove the '!' tag and write the plain value",
            ) from None

    def mapping(self, node: yaml.MappingNode, path: Key) -> dict:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.build(key_node, (*path, "?"))
            if isinstance(key, list | dict):
                raise self.fail(key_node, "a key must be a plain word", "write key: value")
            where = (*path, key)
            if where in self.keys:
                raise self.fail(
                    key_node, f"'{key}' is written twice (it is already set on line "
                    f"{self.keys[where][0]})", f"keep one '{key}:' and delete the other",
                )  # fmt: skip
            self.keys[where] = _at(key_node)
            self.values[where] = _at(value_node)
            result[key] = self.build(value_node, where)
        return result


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _line_column(before: str) -> tuple[int, int]:
    """1-based (line, column) of the character that follows `before`."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def _syntax_problem(path: Path, lines: list[str], error: yaml.MarkedYAMLError) -> Problem:
    problem = str(error.problem or "")
    context = str(error.context or "")
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)

    def at(where_line: int, where_column: int, message: str, hint: str) -> Problem:
        text = lines[where_line - 1] if 1 <= where_line <= len(lines) else ""
        return Problem(path, where_line, where_column, token_at(text, where_column), message, hint)

    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    if "\t" in text[: max(column, len(text) - len(text.lstrip()))]:
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
    if "flow" in context and error.context_mark is not None:
        start = error.context_mark
        return at(
            start.line + 1,
            start.column + 1,
            "this [ or { is opened but never closed",
            "add the closing ] or } (a list or block written on one line must end on it)",
        )
    if any(
        words in problem
        for words in ("mapping values are not allowed", "block end", "did not find expected key")
    ):
        previous = _previous_line(lines, line)
        if "mapping values" in problem and previous and ":" not in lines[previous - 1]:
            return at(
                previous,
                _indent(lines[previous - 1]) + 1,
                "this line is not 'key: value': its ':' is missing",
                "add ':' after the key (a space after it too), e.g. pipeline: daily_sales",
            )
        return at(
            line,
            _indent(text) + 1 if text.strip() else column,
            "this line is indented differently from the lines around it",
            "line it up with the other keys of its block (same number of spaces), or quote "
            "a value that contains ': '",
        )
    if "could not find expected ':'" in problem:
        start = error.context_mark or error.problem_mark
        return at(
            start.line + 1,
            start.column + 1,
            "this line is not 'key: value': its ':' is missing",
            "add ':' after the key (a space after it too), e.g. owner: ana@example.com",
        )
    return at(
        line,
        column,
        f"this is not valid YAML ({problem or context})",
        "compare the line with the examples in docs/pipelines.md (spaces, colons, quotes)",
    )


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _previous_line(lines: list[str], line: int) -> int | None:
    """The number of the last non-empty, non-comment line before `line`."""
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None
