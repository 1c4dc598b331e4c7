"""Ties between DAGs of different teams: who can make whose DAG run, read or clear.

Airflow checks the permissions of a *person* on the API, but a running task acts for nobody:
a `TriggerDagRunOperator` starts any DAG, an `ExternalTaskMarker` clears any DAG's tasks, an
`ExternalTaskSensor` reads any DAG's state, and a task that updates an asset starts every DAG
scheduled on it. `edges` lists these ties from what loading the DAG files gave;
`crossing` keeps those that reach another team without `[teams.NAME] links_to` allowing it.
`asset_scheduled` names the DAGs that creating an asset event can start.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config
from dagyard.parsing.dag_facts import DagSummary, Link

VERBS = {
    "triggers": "triggers",
    "waits_on": "waits on",
    "clears": "clears tasks of",
    "feeds": "starts, through asset",
}


class LoadedDag(NamedTuple):
    """One DAG as loaded from its file."""

    path: Path
    summary: DagSummary


class Edge(NamedTuple):
    """DAG `source` (of team `source_team`) can start, clear or read DAG `target`.

    `target` is None when it is only known at run time (a template); `via` names the task, or
    the asset for `feeds`.
    """

    kind: str  # triggers | waits_on | clears | feeds
    source: str
    source_team: str | None
    path: Path
    target: str | None
    target_team: str | None
    task_id: str
    via: str = ""

    def describe(self) -> str:
        """One plain sentence: what this DAG does to which DAG of which team."""
        if self.target is None:
            return (
                f"DAG '{self.source}' (task '{self.task_id}') {VERBS[self.kind]} a DAG chosen "
                "at run time, which may belong to any team"
            )
        owner = f"team {self.target_team}" if self.target_team else "no team"
        how = f" '{self.via}'," if self.kind == "feeds" else ""
        return (
            f"DAG '{self.source}' (task '{self.task_id}') {VERBS[self.kind]}{how} DAG "
            f"'{self.target}' of {owner}"
        )


def dag_teams(
    config: Config, dags: Iterable[LoadedDag], other_dag_ids: dict[str, list[Path]] | None = None
) -> dict[str, str | None]:
    """Every known DAG id with its team: from loaded DAGs, then from other files' literal ids."""
    teams: dict[str, str | None] = {}
    for dag_id, paths in (other_dag_ids or {}).items():
        teams[dag_id] = config.team_of_file(paths[0]) if paths else None
    for dag in dags:
        teams[dag.summary.dag_id] = config.team_of_file(dag.path)
    return teams


def _asset_keys(link: Link) -> set[str]:
    return {f"name:{link.target}"} | ({f"uri:{link.uri}"} if link.uri else set())


def edges(config: Config, dags: list[LoadedDag], teams: dict[str, str | None]) -> list[Edge]:
    """Every tie from a loaded DAG to another DAG (templated targets included)."""
    found: list[Edge] = []
    consumers: dict[str, list[LoadedDag]] = {}
    for dag in dags:
        for link in dag.summary.links:
            if link.kind == "consumes":
                for key in _asset_keys(link):
                    consumers.setdefault(key, []).append(dag)
    for dag in dags:
        source = dag.summary.dag_id
        team = config.team_of_file(dag.path)
        for link in dag.summary.links:
            if link.kind in ("triggers", "waits_on", "clears"):
                target = None if "{{" in link.target or "{%" in link.target else link.target
                found.append(
                    Edge(
                        link.kind,
                        source,
                        team,
                        dag.path,
                        target,
                        teams.get(target) if target else None,
                        link.task_id,
                    )
                )
            elif link.kind == "produces":
                reached = {
                    consumer.summary.dag_id: consumer
                    for key in _asset_keys(link)
                    for consumer in consumers.get(key, [])
                }
                for target, consumer in sorted(reached.items()):
                    if target == source:
                        continue
                    found.append(
                        Edge(
                            "feeds",
                            source,
                            team,
                            dag.path,
                            target,
                            config.team_of_file(consumer.path),
                            link.task_id,
                            link.target,
                        )
                    )
    return found


def allowed_teams(config: Config, source: str | None, target: str | None) -> bool:
    """True when DAGs of team `source` may start, read or clear DAGs of team `target`."""
    if source is None or source == target:
        return True
    links_to = config.teams[source].links_to
    return "*" in links_to or (target is not None and target in links_to)


def allowed(config: Config, edge: Edge) -> bool:
    """True when the edge stays in its team, or `[teams.SOURCE] links_to` allows it."""
    if edge.source_team is None:
        return True  # DAGs outside every team's folder are DY147's concern
    if edge.target is not None and edge.target_team == edge.source_team:
        return True
    links_to = config.teams[edge.source_team].links_to
    if "*" in links_to:
        return True
    return edge.target_team is not None and edge.target_team in links_to


def crossing(config: Config, found: Iterable[Edge]) -> list[Edge]:
    """The edges that reach another team's DAG (or an unknown one) without being allowed."""
    return [edge for edge in found if not allowed(config, edge)]


class Mention(NamedTuple):
    """A loaded DAG's asset that a DAG file of another team, not loaded, names too."""

    dag: LoadedDag
    dag_team: str | None
    link: Link
    path: Path
    team: str

    def edge(self) -> Edge:
        """The tie it may be: the producing side's team starts the consuming side's DAG."""
        producing, consuming = (
            (self.dag_team, self.team)
            if self.link.kind == "produces"
            else (self.team, self.dag_team)
        )
        return Edge("feeds", self.dag.summary.dag_id, producing, self.dag.path, None, consuming,
                    self.link.task_id, self.link.target)  # fmt: skip


def _names_an_asset(link: Link) -> bool:
    """The link produces or consumes an asset by its name (an alias names no asset)."""
    return link.kind in ("produces", "consumes") and not link.target.startswith("alias:")


def mentions(config: Config, dags: list[LoadedDag], unloaded: Iterable[Path]) -> list[Mention]:
    """Assets of loaded DAGs that DAG files of other teams which were not loaded also name.

    A partial check (`--changed`, or some files) cannot tell whether such a file produces or
    consumes the asset; naming it as a quoted string is enough to be reported.
    """
    if not any(_names_an_asset(link) for dag in dags for link in dag.summary.links):
        return []  # no asset to look for: the other files need not be read
    texts = {}
    for path in unloaded:
        team = config.team_of_file(path)
        if team is not None:
            try:
                texts[path] = (team, Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
    found = []
    for dag in dags:
        mine = config.team_of_file(dag.path)
        if mine is None:
            continue
        for link in dag.summary.links:
            if not _names_an_asset(link):
                continue
            quoted = {f'"{v}"' for v in (link.target, link.uri) if v}
            quoted |= {f"'{v}'" for v in (link.target, link.uri) if v}
            for path, (team, text) in sorted(texts.items()):
                if team != mine and any(q in text for q in quoted):
                    found.append(Mention(dag, mine, link, path, team))
    return found


def asset_scheduled(
    config: Config, dags: Iterable[LoadedDag]
) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """DAGs scheduled on assets: (dag_id, team, asset names), sorted by DAG id.

    Creating an asset event for any of those assets starts the DAG (once its other assets,
    if any, have events too).
    """
    result = []
    for dag in dags:
        assets = tuple(
            sorted({link.target for link in dag.summary.links if link.kind == "consumes"})
        )
        if assets:
            result.append((dag.summary.dag_id, config.team_of_file(dag.path), assets))
    return sorted(result)


def load_dags(config: Config) -> tuple[list[LoadedDag], list[str]]:
    """Load every DAG file of the project (isolated children); return DAGs and load errors."""
    from dagyard._airflow.dag_discovery import listing
    from dagyard.parsing import pool, runtime
    from dagyard.parsing.selection import checkable

    runtime.prepare(config)
    files = checkable(listing(config.dags_path))
    results = pool.load_many(
        files,
        jobs=config.check.jobs,
        timeout=config.check.timeout_seconds,
        memory_mb=config.check.memory_mb,
        project_root=config.root,
        isolation=config.check.isolation,
    )
    dags = [LoadedDag(Path(r.path), summary) for r in results for summary in r.dags]
    errors = [f"{r.path}: {r.errors[0].message}" for r in results if r.errors]
    return dags, errors
