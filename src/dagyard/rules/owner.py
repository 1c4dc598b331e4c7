"""DY110 owner: every task needs an owner, and an owner is an e-mail address of your company.

What it does
    Reads each task's `owner` as Airflow built it (from the task or `default_args`) and reports
    a DAG whose owner is missing (Airflow's default "airflow") or is not an e-mail address of
    one of the domains in `[owners] email_domains`.

Why it matters
    Alerts, the failure digest and access rules find people by the owner. A DAG owned by
    "airflow" or "bob" fails at 3 a.m. and nobody is told.

Example
    default_args={"owner": "bob"}

Fix
    default_args={"owner": "bob@example.com"}   # a real address of a configured domain
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.addresses import EMAIL
from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY110"
NAME = "owner"
SEVERITY = "error"
SUMMARY = "the DAG's owner is missing or not an e-mail address of the company"

DEFAULT_OWNERS = {"", "airflow"}


def problem(owner: str, domains: list[str]) -> str | None:
    """Why `owner` is not acceptable, or None when it is."""
    if owner.strip().lower() in DEFAULT_OWNERS:
        return "has no owner"
    match = EMAIL.match(owner.strip())
    if not match:
        return f"has the owner '{owner}', which is not an e-mail address"
    domain = match.group("domain").lower()
    allowed = [d.lower().lstrip("@") for d in domains]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        return f"has the owner '{owner}', which is not an address of {' or '.join(allowed)}"
    return None


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG with a bad or missing owner, at the line that sets it."""
    if file.result is None:
        return
    domains = ctx.config.owners.email_domains
    example = f"name@{domains[0]}" if domains else "name@company.com"
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
            yield Issue(
                f"DAG '{dag.dag_id}' {why}",
                f'set the owner to the responsible person\'s e-mail, e.g. default_args={{"owner": '
                f'"{example}"}}',
                file.path,
                line,
            )
