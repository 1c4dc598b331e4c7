"""DY149 team-links: a DAG starts, clears, reads or feeds another team's DAG.

What it does
    For every DAG in a team's folder, lists what it does to other DAGs: a
    `TriggerDagRunOperator` that triggers one, an `ExternalTaskSensor` that waits on one, an
    `ExternalTaskMarker` that clears one's tasks, and an outlet asset that another DAG is
    scheduled on. Reports each tie that reaches a DAG of another team, a DAG no team owns, or a
    DAG chosen at run time (a templated id or a mapped one), unless `[teams.NAME] links_to`
    allows it. "Of no team" means the DAG id is outside every team's folders, or not defined
    in this repository at all (another repository's DAG on the same Airflow). When only some
    files are checked (`--changed`, or files named on the command line), an asset of a checked
    DAG that an unchecked DAG file of another team names too (as a quoted string) is reported
    as well: that file may be scheduled on the asset, or produce it.

Why it matters
    Airflow checks what a person may do on its API, not what a task does once it runs: a task
    triggers, clears or feeds any DAG. So a member of one team who may only run their own
    DAGs could start another team's DAG through one of them. Each such tie must be agreed on
    by writing it down.

Example
    # dags/data_lake/ingest.py (team lake)
    TriggerDagRunOperator(task_id="next", trigger_dag_id="daily_revenue_mart")  # team mart

Fix
    Remove the tie, or allow it in dagyard.toml: under `[teams.lake]`,
    `links_to = ["mart"]` lets lake's DAGs trigger, wait on, clear and feed mart's DAGs
    (`"*"`: every DAG, including those chosen at run time). A `# dagyard: ignore` comment in
    the DAG file does not silence this rule: the allowance belongs in dagyard.toml, where the
    platform team reviews it.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.parsing.source import Source
from dagyard.rules._base import Context, Issue
from dagyard.security import dag_links

ID = "DY149"
NAME = "team-links"
SEVERITY = "error"
SUMMARY = "a DAG starts, clears, reads or feeds another team's DAG without links_to"
SUPPRESSIBLE = False  # only dagyard.toml may allow a tie, not the DAG file's own author


def check_repo(ctx: Context) -> Iterator[Issue]:
    """Report ties from a team's DAG to other teams' DAGs that dagyard.toml does not allow."""
    config = ctx.config
    if not config.teams:
        return
    loaded = [
        dag_links.LoadedDag(file.path, summary)
        for file in ctx.files
        if file.result is not None
        for summary in file.result.dags
    ]
    teams = dag_links.dag_teams(config, loaded, ctx.other_dag_ids)
    sources = {file.path: file.source for file in ctx.files}
    for edge in dag_links.crossing(config, dag_links.edges(config, loaded, teams)):
        line = _line(sources.get(edge.path), edge)
        target = f'"{edge.target_team}"' if edge.target is not None and edge.target_team else '"*"'
        yield Issue(
            edge.describe(),
            f"remove the tie, or allow it in dagyard.toml under [teams.{edge.source_team}]: "
            f"links_to = [{target}]",
            edge.path,
            line,
        )
    unloaded = sorted({path for paths in ctx.other_dag_ids.values() for path in paths})
    for mention in dag_links.mentions(config, loaded, unloaded):
        edge = mention.edge()
        if dag_links.allowed_teams(config, edge.source_team, edge.target_team):
            continue
        line = _line(sources.get(mention.dag.path), edge)
        verb = "produces" if mention.link.kind == "produces" else "is scheduled on"
        yield Issue(
            f"DAG '{edge.source}' {verb} asset '{mention.link.target}', which "
            f"{ctx.relative(mention.path)} of team {mention.team} also names (not loaded in "
            f"this check): a DAG of team {edge.source_team} may start one of team "
            f"{edge.target_team}",
            f"check the whole repository (`dagyard check`) to see the tie; allow it under "
            f'[teams.{edge.source_team}]: links_to = ["{edge.target_team}"]',
            mention.dag.path,
            line,
        )


def _line(source: Source | None, edge: dag_links.Edge) -> int | None:
    """The line of the task making the tie, else of the DAG."""
    if source is None:
        return None
    return (source.task_line(edge.task_id) if edge.task_id else None) or source.dag_line(
        edge.source
    )
