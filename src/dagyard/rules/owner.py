"""DY110 owner: every task needs an owner, and an owner is an e-mail address of your company.

What it does
    Reads each task's `owner` as Airflow built it (from the task or `default_args`, or from a
    pipeline file's `owner:`) and reports a DAG or pipeline whose owner is missing (Airflow's
    default "airflow") or is not an e-mail address of one of the domains in `[owners]
    email_domains`. When the file does not load, the owners written as text in it (`"owner":
    "..."`, `owner="..."`, a pipeline's `owner:` line) are still read and checked. A DAG or
    pipeline with such an owner still loads and runs: only this check reports it.

Why it matters
    Alerts, the failure digest and access rules find people by the owner. A DAG owned by
    "airflow" or "bob" fails at 3 a.m. and nobody is told.

Example
    default_args={"owner": "bob"}

Fix
    default_args={"owner": "bob@example.com"}   # a real address of a configured domain
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from dagyard.addresses import DEFAULT_OWNERS
from dagyard.addresses import owner_problem as problem
from dagyard.pipelines import is_pipeline_file
from dagyard.rules._base import CheckedFile, Context, Issue

__all__ = ["DEFAULT_OWNERS", "ID", "NAME", "SEVERITY", "SUMMARY", "check_file", "problem"]

ID = "DY110"
NAME = "owner"
SEVERITY = "error"
SUMMARY = "the DAG's owner is missing or not an e-mail address of the company"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG with a bad or missing owner, at the line that sets it."""
    if file.result is None:
        return
    domains = ctx.config.owners.email_domains
    example = f"name@{domains[0]}" if domains else "name@company.com"
    pipeline = is_pipeline_file(file.path)
    if file.result.errors and not file.result.dags:
        if pipeline:
            yield from _from_pipeline_text(file, domains, example)
        else:
            yield from _from_source(file, domains, example)
        return
    for dag in file.result.dags:
        written = [t.owner for t in dag.tasks] or [dag.owner]
        owners = sorted({o.strip() for owner in written for o in owner.split(",")})
        for owner in owners:
            why = problem(owner, domains)
            if why is None:
                continue
            line = (
                file.source.string_line(owner)
                or file.source.keyword_line("owner", file.source.dag_line(dag.dag_id))
                or file.source.dag_line(dag.dag_id)
            )
            if pipeline:
                yield Issue(
                    f"DAG '{dag.dag_id}' {why}",
                    _pipeline_hint(example),
                    file.path,
                    line,
                    _column(file.source.line(line), owner),
                )
            else:
                yield Issue(f"DAG '{dag.dag_id}' {why}", _hint(example), file.path, line)


def _hint(example: str) -> str:
    return (
        f'set the owner to the responsible person\'s e-mail, e.g. default_args={{"owner": '
        f'"{example}"}}'
    )


def _pipeline_hint(example: str) -> str:
    return f"write the e-mail address of the person responsible, e.g. owner: {example}"


def _column(text: str, owner: str) -> int | None:
    """1-based column of `owner` in the line `text` (None when it is not there as written)."""
    at = text.find(owner, text.find(":") + 1) if owner else -1
    return at + 1 if at >= 0 else None


_PIPELINE_OWNER = re.compile(
    r"""^owner\s*:\s*(?P<quote>["']?)(?P<owner>.*?)(?P=quote)\s*(?:#.*)?$"""
)


def _from_pipeline_text(file: CheckedFile, domains: list[str], example: str) -> Iterator[Issue]:
    """The `owner:` line of a pipeline file that did not load (its other mistakes: DY170)."""
    for number, text in enumerate(file.source.lines, start=1):
        match = _PIPELINE_OWNER.match(text)
        if match is None:
            continue
        owner = match.group("owner")
        why = problem(owner, domains)
        if why is not None:
            yield Issue(
                f"this file (which did not load) {why}",
                _pipeline_hint(example),
                file.path,
                number,
                match.start("owner") + 1,
            )
        return


def written_owners(tree: ast.Module | None) -> Iterator[tuple[str, int]]:
    """(owner, line) for each owner written as a text literal: `"owner": "x"` or `owner="x"`."""
    if tree is None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _is_text(key, "owner") and _is_text(value):
                    yield value.value, value.lineno
        elif isinstance(node, ast.keyword) and node.arg == "owner" and _is_text(node.value):
            yield node.value.value, node.value.lineno


def _is_text(node: ast.AST | None, equal: str | None = None) -> bool:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return equal is None or node.value == equal


def _from_source(file: CheckedFile, domains: list[str], example: str) -> Iterator[Issue]:
    """Owners read from the text of a file that did not load (the DAG id is not known)."""
    for written, line in written_owners(file.source.tree):
        for owner in sorted({o.strip() for o in written.split(",")}):
            why = problem(owner, domains)
            if why is not None:
                yield Issue(
                    f"this file (which did not load) {why}", _hint(example), file.path, line
                )
