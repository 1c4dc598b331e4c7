"""Load one pipeline file: read, validate, build. The one entry point every caller uses.

`dagyard check`, `dagyard dev`, `dagyard run` and Airflow's DAG processor (through dagyard's
importer) all call `load_pipeline`, so a file means the same thing everywhere.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
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


def _load(path: Path, project: Config | None) -> Any:
    folder = project.templates_path if project is not None else None
    document = read(path)
    valid = validate(document, load_catalogue(folder), project)
    return build(valid, document, project)


def load_pipeline(path: Path, project: Config | None) -> Loaded:
    """Read, validate and build the pipeline in `path` (templates from `project`)."""
    path = Path(path).resolve()
    try:
        dag = _load(path, project)
    except PipelineError as error:
        return Loaded(path, None, error.problems)
    except Exception as error:  # never let one file stop the others
        problem = Problem(
            path, 1, 1, "", f"the file could not be read: {type(error).__name__}: {error}",
            "compare it with the examples in docs/pipelines.md; if it looks right, ask the "
            "platform team",
        )  # fmt: skip
        return Loaded(path, None, [problem])
    return Loaded(path, dag, [])


_WARM_UP_STEPS = {
    "bash": "{uses: bash, with: {command: echo}}",
    "python": '{uses: python, with: {function: "json:dumps", args: [1]}}',
    "sql": "{uses: sql, with: {connection: c, sql: q.sql}}",
    "kubernetes_pod": '{uses: kubernetes_pod, with: {image: "python:3.11"}}',
    "wait_for": "{uses: wait_for, with: {pipeline: other}}",
    "trigger": "{uses: trigger, with: {pipeline: other}}",
}
_USES = re.compile(r"""\buses:\s*["']?([A-Za-z_][A-Za-z0-9_]*)""")


def templates_used(paths: Iterable[Path]) -> set[str]:
    """Names of the templates the pipeline files use (read with a regular expression)."""
    names: set[str] = set()
    for path in paths:
        try:
            names.update(_USES.findall(Path(path).read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return names


def warm_up(project: Config | None, used: set[str] | None = None) -> None:
    """Load a pipeline with the built-in templates in `used` (all when None) once, and the
    project's templates.

    Long-lived processes whose forks load pipeline files (`dagyard check`, `dagyard dev`, the
    DAG processor) call this first, so that each fork starts with the YAML parser, the models
    and the operators already imported instead of importing them again for every file.
    """
    steps = [
        f"  {name}: {step}"
        for name, step in _WARM_UP_STEPS.items()
        if name == "bash" or used is None or name in used
    ]
    text = (
        "pipeline: dagyard_warm_up\nowner: warm-up@example.com\nschedule: '0 3 * * *'\n"
        "start_date: 2024-01-01\nsteps:\n" + "\n".join(steps) + "\n"
    )
    with tempfile.TemporaryDirectory(prefix="dagyard-warm-up-") as tmp:
        folder = Path(tmp)
        (folder / "q.sql").write_text("select 1", encoding="utf-8")
        path = folder / "warm_up.pipeline.yaml"
        path.write_text(text, encoding="utf-8")
        _load(path, None)  # not load_pipeline: nothing may be swallowed here (e.g. a shutdown)
    if project is not None:
        load_catalogue(project.templates_path)


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
