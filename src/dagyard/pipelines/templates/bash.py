"""`bash`: run a shell command."""

from __future__ import annotations

from pydantic import Field

from dagyard.pipelines.template import Step, Template, TemplateConfig


class Bash(Template):
    """Run a shell command. `{{ ds }}` in the command becomes the day being processed."""

    name = "bash"

    class Config(TemplateConfig):
        command: str = Field(description="the command to run, e.g. python scripts/x.py")
        env: dict[str, str] | None = Field(
            default=None, description="extra environment variables for the command"
        )
        cwd: str | None = Field(
            default=None, description="folder to run in, relative to the pipeline file"
        )

    def build(self, config: Config, step: Step):
        """A BashOperator running `command`."""
        from airflow.providers.standard.operators.bash import BashOperator

        return BashOperator(
            task_id=step.id,
            bash_command=config.command,
            env=config.env,
            append_env=bool(config.env),
            cwd=str(step.path(config.cwd)) if config.cwd else None,
        )
