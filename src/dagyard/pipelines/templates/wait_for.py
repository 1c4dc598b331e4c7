"""`wait_for`: wait until another pipeline (or one of its steps) has finished for the same day."""

from __future__ import annotations

from pydantic import Field

from dagyard.pipelines.template import Step, Template, TemplateConfig


class WaitFor(Template):
    """Wait until another pipeline, or one of its steps, succeeded for the same day."""

    name = "wait_for"

    class Config(TemplateConfig):
        pipeline: str = Field(description="the pipeline (or DAG) to wait for")
        step: str | None = Field(default=None, description="one of its steps (default: all)")
        timeout_minutes: int = Field(default=360, ge=1, description="give up after this long")
        check_every_minutes: int = Field(default=5, ge=1, description="how often to look")

    def build(self, config: Config, step: Step):
        """An ExternalTaskSensor in reschedule mode (it frees its slot while waiting)."""
        from airflow.providers.standard.sensors.external_task import ExternalTaskSensor

        return ExternalTaskSensor(
            task_id=step.id,
            external_dag_id=config.pipeline,
            external_task_id=config.step,
            timeout=config.timeout_minutes * 60,
            poke_interval=config.check_every_minutes * 60,
            mode="reschedule",
        )
