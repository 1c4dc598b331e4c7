"""Read a DAG file's source: find where things are written, and which findings are silenced.

Rules learn facts from the DAGs Airflow built (owners, tasks, settings) and use this module to
point at the line that set them. Suppression comments live here too::

    owner = "bob"  # dagyard: ignore[DY110]
    # dagyard: ignore-file[DY141, DY142]      (anywhere in the file: the whole file)
"""

from __future__ import annotations

import ast
import re
from functools import cached_property
from pathlib import Path

_IGNORE = re.compile(r"#\s*dagyard:\s*ignore(?P<file>-file)?(?:\[(?P<ids>[^\]]*)\])?", re.I)
DAG_CALLS = {"DAG", "dag"}


class Source:
    """One Python file's text, lines and syntax tree (parsed on first use)."""

    def __init__(self, path: Path, text: str | None = None):
        self.path = path
        if text is None:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        self.text = text
        self.lines = text.splitlines()

    @cached_property
    def tree(self) -> ast.Module | None:
        """The syntax tree, or None when the file does not parse."""
        try:
            return ast.parse(self.text, filename=str(self.path))
        except (SyntaxError, ValueError):
            return None

    def line(self, number: int | None) -> str:
        """The text of 1-based line `number` ("" when out of range)."""
        if number is None or not 1 <= number <= len(self.lines):
            return ""
        return self.lines[number - 1]

    @cached_property
    def _suppressions(self) -> tuple[dict[int, set[str] | None], set[str] | None]:
        per_line: dict[int, set[str] | None] = {}
        whole: set[str] | None = set()
        for number, text in enumerate(self.lines, start=1):
            if "dagyard" not in text:
                continue
            for match in _IGNORE.finditer(text):
                ids = match.group("ids")
                rules = {i.strip().upper() for i in ids.split(",") if i.strip()} if ids else None
                if match.group("file"):
                    whole = None if rules is None or whole is None else whole | rules
                else:
                    previous = per_line.get(number, set())
                    per_line[number] = (
                        None if rules is None or previous is None else (previous | rules)
                    )
        return per_line, whole

    def suppressed(self, rule_id: str, line: int | None) -> bool:
        """True when a `# dagyard: ignore[...]` comment silences `rule_id` at `line`."""
        per_line, whole = self._suppressions
        if whole is None or rule_id in whole:
            return True
        if line is None or line not in per_line:
            return False
        rules = per_line[line]
        return rules is None or rule_id in rules

    @cached_property
    def _calls(self) -> list[ast.Call]:
        if self.tree is None:
            return []
        found = [node for node in ast.walk(self.tree) if isinstance(node, ast.Call)]
        return sorted(found, key=lambda node: (node.lineno, node.col_offset))

    def calls(self) -> list[ast.Call]:
        """Every call in the file, in source order."""
        return self._calls

    def dag_calls(self) -> list[ast.Call]:
        """Calls that create a DAG: `DAG(...)`, `@dag(...)`, `models.DAG(...)`."""
        return [call for call in self.calls() if _call_name(call) in DAG_CALLS]

    def dag_line(self, dag_id: str) -> int | None:
        """Line of the call that creates DAG `dag_id` (by its `dag_id=` or decorated function)."""
        calls = self.dag_calls()
        for call in calls:
            value = keyword(call, "dag_id")
            if value is None and call.args:
                value = call.args[0]
            if isinstance(value, ast.Constant) and value.value == dag_id:
                return call.lineno
        for line, made in self._dag_decorators:
            if made == dag_id:
                return line
        # One place in the file makes a DAG: an id built at run time is made there.
        sites = {call.lineno for call in calls} | {line for line, _ in self._dag_decorators}
        return sites.pop() if len(sites) == 1 else None

    @cached_property
    def _dag_decorators(self) -> list[tuple[int, str]]:
        """(line, DAG id) of every decorator that turns a function into a DAG."""
        functions = (
            node
            for node in (ast.walk(self.tree) if self.tree is not None else ())
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        return [made for function in functions for made in _dags_made_by(function)]

    def dag_call(self, dag_id: str) -> ast.Call | None:
        """The call that creates DAG `dag_id`, when it can be found."""
        line = self.dag_line(dag_id)
        for call in self.dag_calls():
            if call.lineno == line:
                return call
        return None

    def task_line(self, task_id: str) -> int | None:
        """Line of the operator call with `task_id="..."`, or of the `@task` function."""
        for call in self.calls():
            value = keyword(call, "task_id")
            if isinstance(value, ast.Constant) and value.value == task_id:
                return call.lineno
        if self.tree is not None:
            for node in ast.walk(self.tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == (
                    task_id
                ):
                    return node.decorator_list[0].lineno if node.decorator_list else node.lineno
        return None

    def keyword_line(self, name: str, near: int | None = None) -> int | None:
        """Line of `name=` in a call (or `"name":` in a dict), the one at/after `near` first."""
        lines = []
        if self.tree is not None:
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Call):
                    lines += [kw.value.lineno for kw in node.keywords if kw.arg == name]
                elif isinstance(node, ast.Dict):
                    lines += [
                        value.lineno
                        for key, value in zip(node.keys, node.values, strict=True)
                        if isinstance(key, ast.Constant) and key.value == name
                    ]
        lines.sort()
        if near is not None:
            after = [line for line in lines if line >= near]
            if after:
                return after[0]
        return lines[0] if lines else None

    def string_line(self, value: str) -> int | None:
        """Line of the first string literal equal to `value`."""
        if self.tree is None or not value:
            return None
        found = [
            node.lineno
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Constant) and node.value == value
        ]
        return min(found) if found else None

    def static_dag_ids(self) -> list[str]:
        """DAG ids written as literals (`dag_id="x"`) or taken from `@dag` function names."""
        ids = []
        for call in self.dag_calls():
            value = keyword(call, "dag_id")
            if value is None and call.args:
                value = call.args[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                ids.append(value.value)
        if self.tree is not None:
            for node in ast.walk(self.tree):
                if isinstance(node, ast.FunctionDef) and any(
                    _name(d) == "dag"
                    or (
                        (isinstance(d, ast.Call) and _call_name(d) == "dag")
                        and keyword(d, "dag_id") is None
                    )
                    for d in node.decorator_list
                ):
                    ids.append(node.name)
        return ids


_QUICK_ID = re.compile(r"""\bdag_id\s*=\s*(?:r|f)?["']([^"'{}]+)["']""")
_QUICK_DECORATED = re.compile(r"^@(?:\w+\.)?dag\b(?:\((?P<args>[^)]*)\))?\s*\ndef\s+(\w+)", re.M)


def quick_dag_ids(text: str) -> list[str]:
    """DAG ids read with regular expressions (no parse): for the files a check does not load.

    Finds `dag_id="x"` literals and `@dag` functions without a `dag_id`; ~20x faster than
    `Source.static_dag_ids`, which it approximates.
    """
    ids = _QUICK_ID.findall(text)
    for match in _QUICK_DECORATED.finditer(text):
        if "dag_id" not in (match.group("args") or ""):
            ids.append(match.group(2))
    return ids


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value passed as `name=` to `call`, if any."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _call_name(call: ast.Call) -> str | None:
    return _name(call.func)


# Decorators that turn a function into a DAG named after it: `@dag` and `@asset` (whose DAG
# takes the asset's `name=` when one is given).
_DAG_DECORATORS = {"dag", "asset"}


def _dags_made_by(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[int, str]]:
    """(line, DAG id) of each of `function`'s decorators that makes a DAG of it."""
    made = []
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        if (_call_name(call) if call else _name(decorator)) not in _DAG_DECORATORS:
            continue
        named = keyword(call, "name") if call else None
        dag_id = named.value if isinstance(named, ast.Constant) else function.name
        made.append((decorator.lineno, dag_id))
    return made


_PIPELINE_ID = re.compile(r"""^pipeline\s*:\s*["']?([A-Za-z0-9_.-]+)["']?\s*(?:#.*)?$""", re.M)
# what a rule looks for in Python (a DAG() keyword) -> the key a pipeline file writes it with
_PIPELINE_KEYS = {"dag_id": "pipeline", "default_args": "retries", "task_id": "steps"}


def quick_pipeline_ids(text: str) -> list[str]:
    """The id written on a pipeline file's top-level `pipeline:` line (no YAML parse)."""
    return _PIPELINE_ID.findall(text)


class PipelineSource(Source):
    """A pipeline file (YAML): the same questions as `Source`, answered from its keys."""

    @cached_property
    def tree(self) -> ast.Module | None:
        """A pipeline file has no Python syntax tree."""
        return None

    def _key_lines(self, name: str, top_level: bool = False) -> list[int]:
        indent = "" if top_level else r"\s*"
        pattern = re.compile(rf"^{indent}['\"]?{re.escape(name)}['\"]?\s*:")
        return [n for n, text in enumerate(self.lines, start=1) if pattern.match(text)]

    def dag_line(self, dag_id: str) -> int | None:
        """Line of the `pipeline:` key."""
        found = self._key_lines("pipeline", top_level=True)
        return found[0] if found else None

    def task_line(self, task_id: str) -> int | None:
        """Line of the step whose id is `task_id`."""
        found = [n for n in self._key_lines(task_id) if self.lines[n - 1][:1].isspace()]
        return found[0] if found else None

    def keyword_line(self, name: str, near: int | None = None) -> int | None:
        """Line of the key `name` (or the pipeline key that plays its part)."""
        found = self._key_lines(name) or self._key_lines(_PIPELINE_KEYS.get(name, name))
        if near is not None:
            after = [line for line in found if line >= near]
            if after:
                return after[0]
        return found[0] if found else None

    def string_line(self, value: str) -> int | None:
        """Line of the first value equal to `value`."""
        if not value:
            return None
        pattern = re.compile(rf"""[:\[,-]\s*["']?{re.escape(value)}["']?\s*(?:[,\]#]|$)""")
        for number, text in enumerate(self.lines, start=1):
            if pattern.search(text):
                return number
        return None

    def static_dag_ids(self) -> list[str]:
        """The pipeline's id."""
        return quick_pipeline_ids(self.text)


def open_source(path: Path, text: str | None = None) -> Source:
    """The `Source` of a DAG file, or a `PipelineSource` for a pipeline file."""
    from dagyard.pipelines import is_pipeline_file

    return PipelineSource(path, text) if is_pipeline_file(path) else Source(path, text)
