"""Problems in `dagyard.toml` as people read them: the line, a plain sentence, what to do.

`config` reads and validates the file; this module turns TOML's and pydantic's errors into
`ConfigProblem`s and finds the line a key is written on.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from dagyard.errors import DagyardError


class ConfigProblem(NamedTuple):
    """One problem in a config file: where it is, what is wrong and what to do."""

    file: Path
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        text = f"{where}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(DagyardError):
    """The config file could not be read; `problems` says why, one entry per problem."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def address_line(text: str, key: tuple[str, ...], address: str) -> int | None:
    """The line of `text` where `address` is written in the list at `key`."""
    start = locate_key(text, key)
    lines = text.splitlines()
    for number in range(start or 1, len(lines) + 1):
        if address in lines[number - 1].lower():
            return number
    return start


def syntax_problem(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ConfigProblem:
    """A TOML syntax error as a plain sentence at its line."""
    message = str(error)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) if match else len(text.splitlines()) or None
    reason = re.sub(r"\s*\(at (line|end of document).*\)$", "", message)
    return ConfigProblem(
        path,
        line,
        f"this is not valid TOML ({reason[0].lower() + reason[1:]})",
        "check quotes, brackets and '=' on this line; text values need quotes, like name = \"x\"",
    )


def validation_problems(
    path: Path, text: str, error: ValidationError, model: type[BaseModel]
) -> list[ConfigProblem]:
    """Each of pydantic's errors about `model` as a plain sentence at its line of `text`."""
    problems = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        line = locate_key(text, loc)
        problems.append(ConfigProblem(path, line, *_explain(model, loc, item)))
    return problems


def _explain(
    model: type[BaseModel], loc: tuple[str, ...], item: dict[str, Any]
) -> tuple[str, str | None]:
    """Turn one pydantic error into a plain sentence and a hint."""
    kind = item["type"]
    where = _describe(loc)
    got = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden":
        section_model = _model_at(model, loc[:-1])
        known = sorted(section_model.model_fields) if section_model else []
        known = [k for k in known if k != "root"]
        guess = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        section = f"[{'.'.join(loc[:-1])}]" if len(loc) > 1 else "the top level"
        hint = f"did you mean `{guess[0]}`?" if guess else f"known keys: {', '.join(known)}"
        return f"unknown key `{loc[-1]}` in {section}", hint
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{where} must be a whole number (got {got!r})", None
    if kind in {"bool_parsing", "bool_type"}:
        return f"{where} must be true or false (got {got!r})", "write true or false, without quotes"
    if kind == "string_type":
        return f"{where} must be text (got {got!r})", 'put text in quotes, like "value"'
    if kind == "list_type":
        return f"{where} must be a list (got {got!r})", 'write a list like ["a", "b"]'
    if kind in {"dict_type", "model_type"}:
        return f"{where} must be a table (got {got!r})", f"write it as a [{'.'.join(loc)}] section"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
        bounds = " and ".join(f"{words.get(k, k)} {v}" for k, v in ctx.items())
        return f"{where} is out of range (got {got!r}; must be {bounds})", None
    if kind == "literal_error":
        return f"{where} must be one of {ctx.get('expected')} (got {got!r})", None
    if kind == "value_error":
        return f"{where}: {ctx.get('error', item['msg'])}", None
    return f"{where}: {item['msg'].lower()}", None


def _describe(loc: tuple[str, ...]) -> str:
    if len(loc) == 1:
        return f"`{loc[0]}`"
    keys = [part for part in loc if not part.isdigit()]
    return f"[{'.'.join(keys[:-1])}] `{keys[-1]}`" if len(keys) > 1 else f"`{keys[0]}`"


def _model_at(model: type[BaseModel], loc: tuple[str, ...]) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_dotted(key: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", key)
    return tuple(next(p for p in part if p) if any(part) else "" for part in parts)


def locate_key(text: str, loc: tuple[str, ...]) -> int | None:
    """Return the 1-based line where the key at `loc` is written in TOML `text`.

    Falls back to the closest enclosing key or table when the exact key is not written
    (for example a missing key, or an item inside a list).
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault(table + _split_dotted(key.group(1)), number)
    for length in range(len(loc), 0, -1):
        if loc[:length] in found:
            return found[loc[:length]]
    return None
