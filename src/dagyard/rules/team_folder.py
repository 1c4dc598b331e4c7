"""DY147 team-folder: a DAG lives in a folder that belongs to its team.

What it does
    With teams configured (`[teams.NAME] folders`), reports a DAG file outside every team's
    folders, and a DAG tagged with another team's name or folder than the folder it sits in.

Why it matters
    Alerts, permissions and reviews follow the folder. A DAG in the wrong folder alerts the
    wrong channel and can be changed by the wrong people.

Example
    dags/data_mart/lake_copy.py  with  tags=["data_lake"]   (data_lake belongs to team "lake")

Fix
    Move the file into its team's folder, or fix the tag; new folders are added to a team in
    dagyard.toml.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY147"
NAME = "team-folder"
SEVERITY = "warning"
SUMMARY = "the DAG is not in its team's folder"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """Report DAGs outside team folders, and DAGs tagged for another team."""
    config = ctx.config
    if file.result is None or not file.result.dags or not config.teams:
        return
    try:
        inside = file.path.relative_to(config.dags_path).as_posix()
    except ValueError:
        return
    team = config.team_of(inside)
    if team is None:
        yield Issue(
            f"no team owns the folder of this file ({inside.rsplit('/', 1)[0] or '.'})",
            "move the file into your team's folder, or add the folder to a team in dagyard.toml",
            file.path,
            None,
        )
        return
    marks = {}
    for name, section in config.teams.items():
        marks[name.lower()] = name
        for folder in section.folders:
            marks[folder.strip("/").lower()] = name
    for dag in file.result.dags:
        tagged = {marks[t.lower()] for t in dag.tags if t.lower() in marks}
        if tagged and team not in tagged:
            yield Issue(
                f"DAG '{dag.dag_id}' is tagged for team {', '.join(sorted(tagged))} but sits in "
                f"a folder of team {team}",
                "move the file into that team's folder, or fix the tag",
                file.path,
                file.source.dag_line(dag.dag_id),
            )
