"""Which files a check loads: everything Airflow parses, the files named, or the changed ones.

`FileChooser` knows the project's DAGs folder as Airflow sees it and its import graph, so a
changed helper brings the DAG files that import it. The check's engine (`rules.engine.Checker`)
is a `FileChooser` that also loads the files and runs the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from dagyard._airflow import dag_discovery
from dagyard._airflow.dag_discovery import Listing
from dagyard.config import Config
from dagyard.parsing import discovery, selection
from dagyard.parsing.imports import ImportGraph, build_graph, importers
from dagyard.parsing.source import Source
from dagyard.paths import relative
from dagyard.pipelines import is_pipeline_file

SKIP_DIRS = {"__pycache__", "node_modules", "venv", "build", "dist", "site-packages"}


class Targets(NamedTuple):
    """What to check: DAG files to load, what git says changed (for `--changed`), and why
    named files were not loaded. `scope` is "all", "named" or "changed"."""

    dag_files: list[Path]
    base: str | None = None
    changed: tuple[Path, ...] = ()
    deleted: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    scope: str = "all"


def _lower_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes().lower()
    except OSError:
        return b""


class FileChooser:
    """The files of one project a check would load, and why others were left out."""

    def __init__(self, config: Config):
        self.config = config
        self._graph: ImportGraph | None = None
        self._listing: Listing | None = None
        self._pipelines: list[Path] | None = None
        self.search_paths = [config.dags_path, config.root.resolve()]

    def relative(self, path: Path | str) -> str:
        """`path` relative to the project root."""
        return relative(path, self.config.root)

    def listing(self) -> Listing:
        """The DAGs folder as Airflow sees it (`.airflowignore` applied, and what it parses)."""
        if self._listing is None:
            self._listing = dag_discovery.listing(self.config.dags_path)
        return self._listing

    def python_files(self) -> list[Path]:
        """Every Python file of the DAGs folder that no `.airflowignore` excludes."""
        return [
            p
            for p in self.listing().listed
            if p.suffix == ".py" and "__pycache__" not in p.parts and p.is_file()
        ]

    def pipeline_files(self) -> list[Path]:
        """Every pipeline file (`*.pipeline.yaml`) of the DAGs folder."""
        if self._pipelines is None:
            self._pipelines = discovery.pipeline_files(self.config.dags_path)
        return self._pipelines

    def project_files(self) -> list[Path]:
        """Python files of the DAGs folder plus the project's other Python modules."""
        files = set(self.python_files())
        root = self.config.root.resolve()
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).parts
            if any(p.startswith(".") or p in SKIP_DIRS for p in parts[:-1]):
                continue
            files.add(path.resolve())
        return sorted(files)

    def graph(self) -> ImportGraph:
        """The import graph of the project (built on first use)."""
        if self._graph is None:
            self._graph = build_graph(self.project_files(), self.search_paths)
        return self._graph

    def update(self, paths: Iterable[Path]) -> None:
        """Take saved files into account: what Airflow now parses, and their imports."""
        paths = [Path(p).resolve() for p in paths]
        if self._listing is not None:
            self._listing = dag_discovery.with_saved(self._listing, paths)
        if self._listing is None:  # a file came or went: walk the folder again
            self._pipelines = None
        if self._graph is not None:
            fresh = build_graph([p for p in paths if p.exists()], self.search_paths)
            for path in paths:
                self._graph.imports.pop(path, None)
                self._graph.external.pop(path, None)
            self._graph.imports.update(fresh.imports)
            self._graph.external.update(fresh.external)

    def dag_files(self) -> list[Path]:
        """The files Airflow would parse: exactly what its DAG processor lists (the `.py` files,
        and the pipeline files dagyard's importer adds)."""
        return selection.checkable(self.listing()) + self.pipeline_files()

    def shared_modules(self) -> frozenset[Path]:
        """Files that a file of the DAGs folder imports: shared code, even when Airflow parses
        it (imports from tests and scripts do not count)."""
        imports = self.graph().imports
        return frozenset(t for path in self.python_files() for t in imports.get(path, ()))

    def skipped_orphans(self) -> list[Path]:
        """Python files of the DAGs folder Airflow skips in safe mode, that mention "dag" and
        that no file Airflow parses imports (candidates for a DAG that silently never appears)."""
        parsed = set(self.dag_files())
        candidates = [
            p
            for p in self.python_files()
            if p not in parsed and p.name != "__init__.py" and b"dag" in _lower_bytes(p)
        ]
        if not candidates:
            return []
        reverse = self.graph().imported_by()
        return [p for p in candidates if not (importers(reverse, p) & parsed)]

    def targets_all(self) -> Targets:
        """Every DAG file of the repository."""
        return Targets(self.dag_files(), scope="all")

    def targets_for(self, paths: Iterable[Path]) -> Targets:
        """The named files Airflow parses (folders expanded) and the parsed files importing them;
        named pipeline files, and the pipeline files of named folders."""
        paths = [Path(p) for p in paths]
        pipelines = self._pipelines_in(paths)
        python = [p for p in paths if not is_pipeline_file(p)]
        if not python:
            return Targets(pipelines, scope="named")
        chosen = selection.select(
            python, self.listing(), self.graph, self.config.dags_path, self.relative
        )
        dag_files = sorted(set(chosen.dag_files) | set(pipelines))
        return Targets(dag_files, notes=tuple(chosen.notes), scope="named")

    def _pipelines_in(self, paths: list[Path]) -> list[Path]:
        found = set()
        for path in paths:
            path = path.resolve()
            if path.is_dir():
                found |= {p for p in self.pipeline_files() if p.is_relative_to(path)}
            elif is_pipeline_file(path) and path.exists():
                found.add(path)
        return sorted(found)

    def targets_changed(self, base: str | None = None, staged: bool = False) -> Targets:
        """DAG files changed against `base` (or staged), plus the DAG files importing them."""
        branch = self.config.check.base_branch
        root = self.config.root
        if not staged and base is None:
            base = discovery.default_base(discovery.git_root(root), branch)
        changes = discovery.changed_files(root, base, staged)
        changed = [p.resolve() for p in changes.changed if p.suffix == ".py" and p.exists()]
        pipelines = [p.resolve() for p in changes.changed if is_pipeline_file(p) and p.exists()]
        deleted = [p for p in changes.deleted if p.suffix == ".py"]
        inside = [p for p in changed if p.is_relative_to(self.config.root.resolve())]
        chosen = selection.select(
            inside, self.listing(), self.graph, self.config.dags_path, self.relative, explain=False
        )
        listed = set(self.pipeline_files())
        dag_files = sorted(set(chosen.dag_files) | {p for p in pipelines if p in listed})
        if any(p.is_relative_to(self.config.templates_path) for p in [*changed, *deleted]):
            # a changed template can break every pipeline: check them all
            dag_files = sorted(set(dag_files) | set(self.pipeline_files()))
        if deleted:
            # a deleted module breaks its importers: check them (git still knows who they were)
            dag_files = sorted(set(dag_files) | self._importers_of_deleted(deleted))
        notes = tuple(self._changed_notes(inside, set(dag_files)))
        changed += pipelines
        deleted += [p for p in changes.deleted if is_pipeline_file(p)]
        return Targets(dag_files, changes.base, tuple(changed), tuple(deleted), notes, "changed")

    def _changed_notes(self, changed: list[Path], checked: set[Path]) -> list[str]:
        """Why a changed file of the DAGs folder was not checked (other changes stay quiet)."""
        listing, folder = self.listing(), self.config.dags_path
        notes = []
        imported = set(self.graph().imported_by()) if changed else set()
        for path in changed:
            if path in checked or not path.is_relative_to(folder):
                continue
            reason = selection.why_not_parsed(path, listing, folder, self.relative(folder))
            if reason and path not in imported:
                notes.append(f"{self.relative(path)} changed but was not checked: {reason}")
        return notes

    def _importers_of_deleted(self, deleted: list[Path]) -> set[Path]:
        names = set()
        for path in deleted:
            for root in self.search_paths:
                if path.is_relative_to(root):
                    parts = list(path.relative_to(root).with_suffix("").parts)
                    if parts and parts[-1] == "__init__":
                        parts.pop()
                    names.add(".".join(parts))
        found = set()
        for file in self.dag_files():
            text = Source(file).text
            if any(name and name in text for name in names):
                found.add(file)
        return found

    # --- the check -------------------------------------------------------------------------
