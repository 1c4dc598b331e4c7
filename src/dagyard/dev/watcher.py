"""React to saved DAG files: have Airflow re-parse them at once and show the result.

On each save the watcher (1) asks the DAG processor to parse the file next
(`PUT /api/v2/parseDagFile/{file_token}`, or a priority parsing request for a file Airflow does
not know yet), and (2) loads the file itself in a forked child, so an import error is shown in
the terminal with file:line right away, without waiting for Airflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from watchfiles import Change

from dagyard.airflow_env import Bundle
from dagyard.dev.client import LocalApi, file_token
from dagyard.parsing import saved_files
from dagyard.parsing.imports import build_graph, dependents
from dagyard.parsing.loader import LoadResult, load_file
from dagyard.pipelines import is_pipeline_file


class FileEvent(NamedTuple):
    """One DAG file that changed, and what dagyard made of it."""

    path: Path
    change: Change
    result: LoadResult | None


log = logging.getLogger(__name__)


def request_priority_parse(bundle_name: str, relative_fileloc: str) -> None:
    """Queue a file Airflow has no DAG for yet at the front of the DAG processor's queue."""
    from airflow.models.dagbag import DagPriorityParsingRequest
    from airflow.utils.session import create_session

    with create_session() as session:
        session.add(
            DagPriorityParsingRequest(bundle_name=bundle_name, relative_fileloc=relative_fileloc)
        )


class DagFileWatcher:
    """Turns file-system changes under the DAGs folder into re-parses and terminal output."""

    def __init__(
        self,
        bundles: list[Bundle],
        dags_folder: Path,
        api: LocalApi,
        secret_key: str,
        report: Callable[[FileEvent], None],
        project_root: Path,
        templates_folder: Path | None = None,
    ):
        self.bundles = bundles
        self.dags_folder = dags_folder
        self.api = api
        self.secret_key = secret_key
        self.report = report
        self.project_root = project_root
        self.templates_folder = templates_folder

    def warm_up(self) -> None:
        """Prepare this process to load pipeline files fast (when the DAGs folder has any)."""
        files = [p for p in self.dags_folder.rglob("*.pipeline.y*ml") if is_pipeline_file(p)]
        if files:
            from dagyard.config import load_config
            from dagyard.pipelines.load import templates_used, warm_up

            warm_up(load_config(self.project_root), templates_used(files))

    def watched_paths(self) -> list[Path]:
        """Folders to watch: the whole DAGs folder (shared helpers live outside the bundles),
        and the pipeline templates folder when there is one."""
        templates = self.templates_folder
        return [self.dags_folder] + ([templates] if templates and templates.is_dir() else [])

    def saved_since(self, moment_ns: int) -> list[tuple[Change, str]]:
        """Changes for the watched files written at or after `moment_ns` (a `time.time_ns()`):
        saves made before the file watcher ran, such as one right after the "ready" line."""
        found = saved_files.saved_since(self.watched_paths(), moment_ns)
        return [(Change.modified, str(path)) for path in found]

    def pipelines_shown(self) -> list[Path]:
        """The pipeline files of the folders this session shows."""
        return [
            path
            for bundle in self.bundles
            for path in sorted(bundle.path.rglob("*.pipeline.y*ml"))
            if is_pipeline_file(path)
        ]

    def _bundle_of(self, path: Path) -> Bundle | None:
        for bundle in self.bundles:
            if path.is_relative_to(bundle.path):
                return bundle
        return None

    def _parsed_files(self) -> list[Path]:
        return [file for bundle in self.bundles for file in sorted(bundle.path.rglob("*.py"))]

    def handle(self, changes: Iterable[tuple[Change, str]]) -> list[FileEvent]:
        """Process one batch of changes from `watchfiles`; return what was reported."""
        changes = list(changes)
        targets: dict[Path, Change] = {}
        # a config or SQL file: the DAG files that read it build differently now
        in_dags = [raw for _, raw in changes if Path(raw).is_relative_to(self.dags_folder)]
        for file in saved_files.readers_of(in_dags, self._parsed_files):
            targets[file] = Change.modified
        for change, raw in changes:
            path = Path(raw)
            if not saved_files.is_dag_source(path):
                continue
            if self._bundle_of(path):
                targets[path] = change
            elif self.templates_folder and path.is_relative_to(self.templates_folder):
                # a template changed: every pipeline may build differently now
                for file in self.pipelines_shown():
                    targets.setdefault(file, Change.modified)
            elif change != Change.deleted:
                # A shared helper changed: re-parse the DAG files that import it.
                for file in self.importers_of(path):
                    targets.setdefault(file, Change.modified)
        events = []
        for path, change in targets.items():
            if change == Change.deleted or not path.exists():
                event = FileEvent(path, Change.deleted, None)
            else:
                self.request_parse(path)
                result = load_file(path, project_root=self.project_root)
                event = FileEvent(path, change, result)
            self.report(event)
            events.append(event)
        return events

    def importers_of(self, helper: Path) -> list[Path]:
        """The parsed DAG files that import `helper`, directly or through other helpers."""
        search_paths = [self.dags_folder, self.project_root]
        graph = build_graph(self.dags_folder.rglob("*.py"), search_paths)
        parsed = {file.resolve() for file in self._parsed_files()}
        return sorted(dependents(graph, [helper]) & parsed)

    def request_parse(self, path: Path) -> bool:
        """Ask Airflow to parse `path` next; False when neither way of asking worked.

        A failed request never ends the session: the DAG processor still finds the change at its
        next bundle refresh (every 2 s), a little later.
        """
        bundle = self._bundle_of(path)
        if bundle is None:
            return True
        relative = path.relative_to(bundle.path).as_posix()
        try:
            if self.api.reparse(file_token(self.secret_key, bundle.name, relative)):
                return True
        except Exception:
            log.warning("PUT parseDagFile failed for %s", relative, exc_info=True)
        try:
            request_priority_parse(bundle.name, relative)
        except Exception:
            log.warning("Could not queue a priority parse of %s", relative, exc_info=True)
            return False
        return True
