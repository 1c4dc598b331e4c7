"""Turn a valid pipeline into an Airflow DAG: one task (or task group) per step."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from dagyard.pipelines.errors import PipelineError
from dagyard.pipelines.model import NO_SCHEDULE, ValidPipeline
from dagyard.pipelines.reader import Document
from dagyard.pipelines.template import Step

if TYPE_CHECKING:
    from dagyard.config import Config


def build(valid: ValidPipeline, doc: Document, project: Config | None) -> Any:
    """The DAG for `valid`, attributed to the pipeline file; a step whose template fails to
    build raises `PipelineError` at that step."""
    from airflow.sdk import DAG

    path = doc.path

    spec = valid.spec
    default_args: dict[str, Any] = {"owner": spec.owner}
    if spec.retries is not None:
        default_args["retries"] = spec.retries
    if spec.retry_delay_minutes is not None:
        default_args["retry_delay"] = dt.timedelta(minutes=spec.retry_delay_minutes)
    schedule = None if spec.schedule in (None, *NO_SCHEDULE) else spec.schedule
    start = dt.datetime.combine(spec.start_date, dt.time(), tzinfo=dt.UTC)
    dag = DAG(
        dag_id=spec.pipeline,
        description=spec.description,
        schedule=schedule,
        start_date=start,
        catchup=spec.catchup,
        tags=list(spec.tags),
        default_args=default_args,
    )
    dag.fileloc = str(path)
    built: dict[str, Any] = {}
    with dag:
        for step in valid.steps:
            context = Step(step.id, spec.pipeline, path.parent, project)
            try:
                task = step.template().build(step.config, context)
            except Exception as error:
                raise PipelineError([_step_problem(doc, step.id, error)]) from None
            if step.spec.retries is not None:
                _set_retries(task, step.spec.retries)
            built[step.id] = task
    for step in valid.steps:
        for need in step.spec.needs:
            built[need] >> built[step.id]
    return dag


def _step_problem(doc: Document, step_id: str, error: Exception):
    where = doc.positions.of_value(("steps", step_id, "uses"))
    return doc.problem_at(
        where,
        f"the step '{step_id}' could not be built: {type(error).__name__}: {error}",
        "check the step's settings; if they look right, ask the platform team (the template "
        "failed)",
    )


def _set_retries(task: Any, retries: int) -> None:
    children = getattr(task, "children", None)
    if isinstance(children, dict):  # a task group: every task in it
        for child in children.values():
            _set_retries(child, retries)
        return
    task.retries = retries
