"""Pipelines in every Airflow component: an importer for pipeline files, and their place in
the DAG processor's list of files.

Airflow 3.3 parses every file through an importer picked by its extension, so a pipeline's
import error is stored under the pipeline's own YAML file, with its line. The DAG processor
only lists `.py` and `.zip` files itself; `register` adds the pipeline files of each bundle
(through the adapter `dagyard._airflow.dag_importers`).

`register()` is called from the `airflow_local_settings.py` dagyard writes (dev) and ships in
the Helm values (production), so every Airflow component loads pipelines the same way.
"""

from __future__ import annotations

from pathlib import Path

from airflow.dag_processing.importers import AbstractDagImporter, DagImportError, DagImportResult

from dagyard._airflow import dag_importers
from dagyard.pipelines import is_pipeline_file


def pipeline_files(directory: str | Path) -> list[str]:
    """Pipeline files under `directory`, honouring `.airflowignore` as Airflow does."""
    return dag_importers.files_airflow_walks(directory, is_pipeline_file)


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


_warmed: list[bool] = []


def listed_pipelines(bundle_folder: Path) -> list[str]:
    """The pipeline files the DAG processor parses in a bundle; the first call with any also
    builds the templates they use, once, before the processes that parse files are forked."""
    found = pipeline_files(bundle_folder)
    if found and not _warmed:
        _warmed.append(_warm_up(found))
    return found


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
    dag_importers.register_importer(PipelineImporter(), probe="x.pipeline.yaml")
    dag_importers.also_list(listed_pipelines)
