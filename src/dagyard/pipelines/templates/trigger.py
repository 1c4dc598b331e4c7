"""`trigger`: start another pipeline."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dagyard.pipelines.template import Step, Template, TemplateConfig


class Trigger(Template):
    """Start another pipeline, optionally waiting until it has finished."""

    name = "trigger"

    class Config(TemplateConfig):
        pipeline: str = Field(description="the pipeline (or DAG) to start")
        wait: bool = Field(default=False, description="wait until it has finished")
        conf: dict[str, Any] | None = Field(default=None, description="settings passed to it")

    def build(self, config: Config, step: Step):
        """A TriggerDagRunOperator."""
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        return TriggerDagRunOperator(
            task_id=step.id,
            trigger_dag_id=config.pipeline,
            wait_for_completion=config.wait,
            conf=config.conf,
        )
