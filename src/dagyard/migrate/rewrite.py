"""dagyard's own Airflow 2 -> 3 rewrites, for the idioms ruff's AIR3 fixes leave alone.

Each rewrite keeps its meaning and touches only the code it changes (libcst keeps every other
character of the file as it was):

- imports from the old module paths Airflow 2 kept as shims (`airflow.operators.bash_operator`,
  `airflow.contrib.*`, …) -> the path Airflow 2 itself pointed them to (ruff then moves those
  to Airflow 3), renaming the class where Airflow did (`DummyOperator` -> `EmptyOperator`);
- `schedule_interval=` -> `schedule=`;
- `days_ago(n)` -> the fixed date it meant on the day of the migration;
- `provide_context=True` removed (Airflow 2 already passed the context always);
- removed template variables and context keys -> their replacements of the same meaning.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import libcst as cst

from dagyard.migrate.moves import new_location
from dagyard.migrate.templates import SAME_MEANING, looks_like_template, rewrite_template

DAG_CALLABLES = {"DAG", "dag"}


class Rewritten(NamedTuple):
    """A module after dagyard's rewrites, and what was done to it in plain words."""

    code: str
    changes: list[str]
    renames: dict[str, str]


def rewrite_source(code: str, today: dt.date | None = None) -> Rewritten:
    """Apply every rewrite to the Python source `code` (raises libcst.ParserSyntaxError)."""
    module = cst.parse_module(code)
    transformer = _Airflow2Idioms(today or dt.datetime.now(dt.UTC).date())
    updated = module.visit(transformer)
    if transformer.needs_pendulum and not _imports_pendulum(updated):
        updated = _add_import(updated, "import pendulum")
    return Rewritten(updated.code, sorted(set(transformer.changes)), transformer.renames)


class _Airflow2Idioms(cst.CSTTransformer):
    def __init__(self, today: dt.date) -> None:
        super().__init__()
        self.today = today
        self.renames: dict[str, str] = {}
        self.changes: list[str] = []
        self.needs_pendulum = False

    # imports -------------------------------------------------------------------------------
    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.FlattenSentinel | cst.RemovalSentinel:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        module = _dotted(updated_node.module)
        kept: list[cst.ImportAlias] = []
        moved: dict[str, list[cst.ImportAlias]] = {}
        for alias in updated_node.names:
            name = _dotted(alias.name)
            target = new_location(module, name)
            if target is None:
                kept.append(alias)
                continue
            if target.name != name and alias.asname is None:
                self.renames[name] = target.name
            moved.setdefault(target.module, []).append(
                alias.with_changes(name=cst.Name(target.name), comma=cst.MaybeSentinel.DEFAULT)
            )
            self.changes.append(f"import of {name} from {module} -> {target.module}")
        if not moved:
            return updated_node
        statements: list[cst.ImportFrom] = []
        if kept:
            statements.append(updated_node.with_changes(names=_commas(kept)))
        for new_module, aliases in moved.items():
            statements.append(cst.ImportFrom(module=_attribute(new_module), names=_commas(aliases)))
        return cst.FlattenSentinel(statements)

    # names renamed by Airflow (DummyOperator -> EmptyOperator) ------------------------------
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.renames.get(updated_node.value)
        return updated_node.with_changes(value=new) if new else updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)

    # calls: schedule_interval, provide_context, days_ago -------------------------------------
    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.Call | cst.BaseExpression:
        callee = _callee_name(updated_node.func)
        if callee == "days_ago":
            return self._fixed_start_date(updated_node)
        args = []
        for arg in updated_node.args:
            keyword = arg.keyword.value if arg.keyword else None
            if keyword == "provide_context":
                self.changes.append("provide_context removed")
                continue
            if keyword == "schedule_interval" and callee in DAG_CALLABLES:
                self.changes.append("schedule_interval -> schedule")
                arg = arg.with_changes(keyword=cst.Name("schedule"))
            args.append(arg)
        if len(args) == len(updated_node.args) and all(
            a is b for a, b in zip(args, updated_node.args, strict=True)
        ):
            return updated_node
        if args:
            args[-1] = args[-1].with_changes(comma=updated_node.args[-1].comma)
        return updated_node.with_changes(args=args)

    def _fixed_start_date(self, call: cst.Call) -> cst.BaseExpression:
        if len(call.args) != 1 or call.args[0].keyword is not None:
            return call
        value = call.args[0].value
        if not isinstance(value, cst.Integer):
            return call
        day = self.today - dt.timedelta(days=int(value.value))
        self.needs_pendulum = True
        self.changes.append(f"days_ago({value.value}) -> {day.isoformat()}")
        return cst.parse_expression(
            f'pendulum.datetime({day.year}, {day.month}, {day.day}, tz="UTC")'
        )

    # templates and context keys -------------------------------------------------------------
    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        value = updated_node.value
        if not looks_like_template(value):
            return updated_node
        quote = updated_node.quote[-1]
        changed = rewrite_template(value, quote=quote).text
        if changed != value:
            self.changes.append("template variables replaced")
        return updated_node.with_changes(value=changed)

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.Subscript:
        if len(updated_node.slice) != 1:
            return updated_node
        index = updated_node.slice[0].slice
        if not isinstance(index, cst.Index):
            return updated_node
        new_key = _context_key(index.value)
        if new_key is None:
            return updated_node
        self.changes.append("context key replaced")
        return updated_node.with_changes(
            slice=[updated_node.slice[0].with_changes(slice=index.with_changes(value=new_key))]
        )


def _context_key(node: cst.BaseExpression) -> cst.SimpleString | None:
    """The replacement for a removed context key used as a subscript, when one exists."""
    if not isinstance(node, cst.SimpleString):
        return None
    key = node.evaluated_value
    replacement = SAME_MEANING.get(key) if isinstance(key, str) else None
    if replacement is None or replacement.context_key is None:
        return None
    quote = node.quote
    return cst.SimpleString(f"{quote}{replacement.context_key}{quote}")


def _callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(node)


def _attribute(dotted: str) -> cst.Attribute | cst.Name:
    parts = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    return [
        alias.with_changes(
            comma=cst.MaybeSentinel.DEFAULT
            if index == len(aliases) - 1
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        for index, alias in enumerate(aliases)
    ]


def _imports_pendulum(module: cst.Module) -> bool:
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import) and any(
                _dotted(alias.name) == "pendulum" and alias.asname is None for alias in small.names
            ):
                return True
    return False


def _add_import(module: cst.Module, line: str) -> cst.Module:
    """Insert `line` after the module docstring and `from __future__` imports."""
    body = list(module.body)
    position = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0]
        is_docstring = (
            index == 0
            and isinstance(first, cst.Expr)
            and isinstance(first.value, cst.SimpleString | cst.ConcatenatedString)
        )
        is_future = (
            isinstance(first, cst.ImportFrom)
            and first.module is not None
            and (_dotted(first.module) == "__future__")
        )
        if is_docstring or is_future:
            position = index + 1
            continue
        break
    body.insert(position, cst.parse_statement(f"{line}\n"))
    return module.with_changes(body=body)
