"""`sql`: run SQL on a connection, from a file or written inline."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from dagyard.pipelines.template import Step, Template, TemplateConfig, existing_file


def is_file_name(sql: str) -> bool:
    """True when `sql` names a `.sql` file rather than being SQL text."""
    return sql.strip().lower().endswith(".sql") and not any(c.isspace() for c in sql.strip())


class Sql(Template):
    """Run SQL on a database connection (a `.sql` file next to the pipeline, or the SQL text)."""

    name = "sql"

    class Config(TemplateConfig):
        connection: str = Field(description="id of the database connection to use")
        sql: str = Field(
            description="a .sql file (relative to the pipeline file) or the SQL text itself"
        )
        parameters: dict[str, str | int | float | bool] | None = Field(
            default=None, description="values for the query's parameters"
        )

        @field_validator("sql")
        @classmethod
        def _file_exists(cls, value: str, info: ValidationInfo) -> str:
            return existing_file(value, info) if is_file_name(value) else value

    def build(self, config: Config, step: Step):
        """A SQLExecuteQueryOperator (the common SQL provider) running the SQL."""
        from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

        sql = step.read(config.sql) if is_file_name(config.sql) else config.sql
        return SQLExecuteQueryOperator(
            task_id=step.id, conn_id=config.connection, sql=sql, parameters=config.parameters
        )
