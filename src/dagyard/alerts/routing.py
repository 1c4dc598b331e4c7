"""Where a failure goes: the channel of its folder or team (from `dagyard.toml`), else the default.

A DAG is placed by its file: its path inside the DAGs folder (`data_lake/x.py`) picks the team
with `Config.team_of`, or a more specific `[alerts] folder_channels` entry.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import PurePosixPath

from dagyard.alerts.source import BrokenFile, DagInfo
from dagyard.config import Config
from dagyard.paths import longest_folder_match


def relative_path(
    config: Config,
    fileloc: str | None,
    relative: str | None,
    bundle: str | None,
    dags_path: str | None = None,
) -> str | None:
    """The file's path inside the DAGs folder, as teams and folders in the config name it."""
    if fileloc:
        try:
            base = dags_path or config.dags_path.as_posix()
            return PurePosixPath(fileloc).relative_to(base).as_posix()
        except ValueError:
            pass
    if relative is None:
        return None
    if bundle and bundle != "dags" and config.team_of(relative) is None:
        for folder in config.dev.folders:
            if folder.strip("/").replace("/", "-") == bundle:
                return f"{folder.strip('/')}/{relative}"
    return relative


def dag_path(config: Config, dag: DagInfo | None) -> str | None:
    """The path of a DAG's file inside the DAGs folder (None when Airflow does not know it)."""
    if dag is None:
        return None
    return relative_path(config, dag.fileloc, dag.relative_fileloc, dag.bundle_name)


def dag_paths(config: Config, dags: Iterable[DagInfo]) -> dict[str, str | None]:
    """`dag_path` for many DAGs at once (the DAGs folder is resolved once)."""
    base = config.dags_path.as_posix()
    return {
        d.dag_id: relative_path(config, d.fileloc, d.relative_fileloc, d.bundle_name, base)
        for d in dags
    }


def broken_path(config: Config, broken: BrokenFile) -> str:
    """The path of a broken file inside the DAGs folder."""
    absolute = broken.filename if broken.filename.startswith("/") else None
    path = relative_path(config, absolute, broken.filename, broken.bundle_name)
    return path or broken.filename


def channel_for(config: Config, path: str | None) -> str:
    """The Slack channel for a file: folder override, then team channel, then the default."""
    if path:
        channel = longest_folder_match(path, config.alerts.folder_channels.items())
        if channel:
            return channel
        team = config.team_of(path)
        if team and config.teams[team].slack_channel:
            return config.teams[team].slack_channel  # type: ignore[return-value]
    return config.alerts.default_channel


def is_quiet(config: Config, dag_id: str) -> bool:
    """True for DAGs whose failures are recorded but never announced (`quiet_dags` patterns)."""
    return any(fnmatch.fnmatchcase(dag_id, pattern) for pattern in config.alerts.quiet_dags)


def owner_emails(owners: tuple[str, ...]) -> tuple[str, ...]:
    """Split `owner="a@x.com, b@x.com"` style values into single, lower-case entries."""
    found: list[str] = []
    for owner in owners:
        for part in owner.replace(";", ",").split(","):
            part = part.strip()
            if part and part.lower() not in found:
                found.append(part.lower())
    return tuple(found)
