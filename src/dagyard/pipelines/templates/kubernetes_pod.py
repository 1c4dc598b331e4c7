"""`kubernetes_pod`: run a container image on Kubernetes, with a resources preset."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from dagyard.pipelines.template import Step, Template, TemplateConfig, project_of


class KubernetesPod(Template):
    """Run a container image as its own pod; `resources` is a size from dagyard.toml."""

    name = "kubernetes_pod"

    class Config(TemplateConfig):
        image: str = Field(description="the container image, e.g. europe-docker.pkg.dev/x/y:1.2")
        command: list[str] | str | None = Field(
            default=None, description="the command (the image's entrypoint when left out)"
        )
        arguments: list[str] | None = Field(default=None, description="arguments of the command")
        env: dict[str, str] | None = Field(default=None, description="environment variables")
        resources: str | None = Field(
            default=None, description="a resources preset of dagyard.toml, e.g. small or large"
        )

        @field_validator("resources")
        @classmethod
        def _known_preset(cls, value: str | None, info: ValidationInfo) -> str | None:
            project = project_of(info)
            if value is not None and project is not None:
                presets = sorted(project.resources.presets)
                if value not in presets:
                    raise ValueError(
                        f"there is no resources preset '{value}' (known: {', '.join(presets)})"
                    )
            return value

    def build(self, config: Config, step: Step):
        """A KubernetesPodOperator; presets and local settings apply as for Python DAGs."""
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        from dagyard.resources import with_resources

        command = [config.command] if isinstance(config.command, str) else config.command
        task = KubernetesPodOperator(
            task_id=step.id,
            name=step.id.replace("_", "-"),
            image=config.image,
            cmds=command,
            arguments=config.arguments,
            env_vars=config.env,
        )
        if config.resources:
            with_resources(task, config.resources, step.project)
        return task
