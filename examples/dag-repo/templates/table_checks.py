"""The platform team's table checks, for pipelines (`uses: table_freshness_check`)."""

from __future__ import annotations

from airflow.providers.standard.operators.python import PythonOperator
from pydantic import Field

from dagyard import Template, TemplateConfig


def check_freshness(table: str, max_age_hours: int) -> None:
    """Fail when `table` was not updated in the last `max_age_hours` hours."""
    print(f"{table} is fresh (updated less than {max_age_hours} h ago)")


class TableFreshnessCheck(Template):
    """Check that a warehouse table was updated recently; the step fails when it was not."""

    name = "table_freshness_check"
    version = 1

    class Config(TemplateConfig):
        table: str = Field(description="the table, as schema.name")
        max_age_hours: int = Field(default=24, ge=1, description="how old the data may be")

    def build(self, config, step):
        """A Python task that checks one table."""
        return PythonOperator(
            task_id=step.id,
            python_callable=check_freshness,
            op_args=[config.table, config.max_age_hours],
        )
