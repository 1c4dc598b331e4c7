"""Load one pipeline file: read, validate, build. The one entry point every caller uses.

`dagyard check`, `dagyard dev`, `dagyard run` and Airflow's DAG processor (through dagyard's
importer) all call `load_pipeline`, so a file means the same thing everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from dagyard.pipelines.build import build
from dagyard.pipelines.catalogue import load_catalogue
from dagyard.pipelines.errors import PipelineError, Problem
from dagyard.pipelines.model import validate
from dagyard.pipelines.reader import read

if TYPE_CHECKING:
    from dagyard.config import Config


class Loaded(NamedTuple):
    """The DAG of a pipeline file (None when it has problems), and the problems."""

    path: Path
    dag: Any
    problems: list[Problem]


def load_pipeline(path: Path, project: Config | None) -> Loaded:
    """Read, validate and build the pipeline in `path` (templates from `project`)."""
    path = Path(path).resolve()
    folder = project.templates_path if project is not None else None
    try:
        document = read(path)
        valid = validate(document, load_catalogue(folder), project)
        dag = build(valid, document, project)
    except PipelineError as error:
        return Loaded(path, None, error.problems)
    return Loaded(path, dag, [])


def describe(problems: list[Problem], lines: list[str] | None = None) -> str:
    """Every problem rendered with its line and caret (for logs and Airflow's import errors)."""
    rendered = []
    for problem in problems:
        text = lines[problem.line - 1] if lines and 1 <= problem.line <= len(lines) else None
        if text is None:
            try:
                all_lines = problem.file.read_text(encoding="utf-8").splitlines()
                text = all_lines[problem.line - 1] if problem.line <= len(all_lines) else None
            except (OSError, UnicodeDecodeError):
                text = None
        rendered.append(problem.render(text))
    return "\n\n".join(rendered)
