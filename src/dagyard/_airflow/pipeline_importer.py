"""Adapter: Airflow's DAG importer registry and the DAG processor's file discovery.

Airflow 3.3 parses every file through an importer picked by its extension
(`airflow.dag_processing.importers`), so a pipeline's import error is stored under the
pipeline's own YAML file, with its line. The 3.3 DAG processor, however, only *lists* `.py` and
`.zip` files (`DagFileProcessorManager._find_files_in_bundle`); `register` extends that listing
with the pipeline files of each bundle. Both are internal names: they are used only here and
tests/_airflow/test_pipeline_importer_contract.py checks them against the installed Airflow.

`register()` is called from the `airflow_local_settings.py` dagyard writes (dev) and ships in
the Helm values (production), so every Airflow component loads pipelines the same way.
"""

from __future__ import annotations

import functools
from pathlib import Path

from airflow._shared.module_loading.file_discovery import find_path_from_directory
from airflow.configuration import conf
from airflow.dag_processing.importers import (
    AbstractDagImporter,
    DagImportError,
    DagImportResult,
    get_importer_registry,
)

from dagyard.pipelines import is_pipeline_file


def pipeline_files(directory: str | Path) -> list[str]:
    """Pipeline files under `directory`, honouring `.airflowignore` as Airflow does."""
    syntax = conf.get_mandatory_value("core", "DAG_IGNORE_FILE_SYNTAX", fallback="glob")
    return sorted(
        name
        for name in find_path_from_directory(str(directory), ".airflowignore", syntax)
        if is_pipeline_file(name) and Path(name).is_file()
    )


class PipelineImporter(AbstractDagImporter):
    """Loads `*.pipeline.yaml` / `*.pipeline.yml` files; other YAML files are skipped."""

    @classmethod
    def supported_extensions(cls) -> list[str]:
        """The extensions Airflow routes to this importer."""
        return [".yaml", ".yml"]

    def list_dag_files(self, directory, safe_mode: bool = True):
        """Pipeline files of `directory` (the safe-mode "airflow"+"dag" text test does not
        apply: a pipeline file never names Airflow)."""
        yield from pipeline_files(directory)

    def import_file(
        self,
        file_path,
        *,
        bundle_path: Path | None = None,
        bundle_name: str | None = None,
        safe_mode: bool = True,
    ) -> DagImportResult:
        """Build the pipeline's DAG, or one import error per problem found, at its line."""
        from dagyard.config import project_config
        from dagyard.pipelines.load import describe, load_pipeline

        relative = self.get_relative_path(file_path, bundle_path)
        result = DagImportResult(file_path=relative)
        if not is_pipeline_file(file_path):
            result.skipped_files.append(str(file_path))
            return result
        loaded = load_pipeline(Path(file_path), project_config())
        if loaded.problems:
            shown = [p._replace(file=Path(relative)) for p in loaded.problems]
            lines = Path(file_path).read_text(encoding="utf-8", errors="replace").splitlines()
            first = loaded.problems[0]
            result.errors.append(
                DagImportError(
                    file_path=relative,
                    message=describe(shown, lines),
                    error_type="pipeline",
                    line_number=first.line,
                    column_number=first.column,
                    suggestion=first.hint,
                )
            )
            return result
        loaded.dag.relative_fileloc = relative
        result.dags.append(loaded.dag)
        return result


def _with_pipelines(find):
    warm = []

    @functools.wraps(find)
    def find_files_in_bundle(self, bundle):
        found = list(find(self, bundle))
        known = set(found)
        pipelines = pipeline_files(bundle.path)
        for name in pipelines:
            relative = Path(name).relative_to(bundle.path)
            if relative not in known:
                found.append(relative)
        if pipelines and not warm:  # the processes parsing files are forks of this one
            warm.append(_warm_up(pipelines))
        return found

    find_files_in_bundle.dagyard_pipelines = True
    return find_files_in_bundle


def _warm_up(files: list[str]) -> bool:
    from dagyard.config import project_config
    from dagyard.pipelines.load import templates_used, warm_up

    try:
        warm_up(project_config(), templates_used(Path(f) for f in files))
    except Exception:  # a faster start is not worth a stopped DAG processor
        return False
    return True


def register() -> None:
    """Make this process's Airflow load pipeline files (idempotent)."""
    registry = get_importer_registry()
    if not isinstance(registry.get_importer("x.pipeline.yaml"), PipelineImporter):
        registry.register(PipelineImporter())
    from airflow.dag_processing.manager import DagFileProcessorManager

    current = DagFileProcessorManager._find_files_in_bundle
    if not getattr(current, "dagyard_pipelines", False):
        DagFileProcessorManager._find_files_in_bundle = _with_pipelines(current)
