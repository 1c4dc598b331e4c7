"""What a template is: a typed configuration (pydantic) and a function that builds the step.

The platform team writes templates in the repository's templates folder::

    from pydantic import Field
    from dagyard import Template, TemplateConfig

    class LoadToWarehouse(Template):
        \"\"\"Load a SQL query's result into a warehouse table.\"\"\"

        name = "load_to_warehouse"
        version = 2

        class Config(TemplateConfig):
            table: str = Field(description="target table, schema.name")
            sql: str = Field(description="SQL file, relative to the pipeline file")

        def build(self, config, step):
            return SQLExecuteQueryOperator(task_id=step.id, conn_id="warehouse",
                                           sql=step.read(config.sql))

The docstring and the field descriptions are the template's documentation (`dagyard pipelines
templates`, the JSON schema, editor tooltips).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationInfo

if TYPE_CHECKING:
    from dagyard.config import Config


class TemplateConfig(BaseModel):
    """Base of a template's configuration (the `with:` of a step): unknown keys are mistakes."""

    model_config = ConfigDict(extra="forbid")


class Step(NamedTuple):
    """The step being built: its id (the task id), its pipeline, where its file is."""

    id: str
    pipeline: str
    folder: Path
    project: Config | None = None

    def path(self, relative: str) -> Path:
        """A path written in the pipeline, relative to the pipeline file's folder."""
        return (self.folder / relative).resolve()

    def read(self, relative: str) -> str:
        """The text of a file named in the pipeline (e.g. a `.sql` file)."""
        return self.path(relative).read_text(encoding="utf-8")


class Template:
    """Base class of every template: set `name`, `version`, `Config`, and write `build`."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    Config: ClassVar[type[TemplateConfig]] = TemplateConfig

    def build(self, config: Any, step: Step) -> Any:
        """Return the operator (or task group) for `step`, configured by `config`."""
        raise NotImplementedError(f"template {self.name!r} does not define build()")

    @classmethod
    def reference(cls) -> str:
        """`name@vN`, the way a pipeline pins this template."""
        return f"{cls.name}@v{cls.version}"

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def pipeline_folder(info: ValidationInfo) -> Path | None:
    """The pipeline file's folder, from the validation context (None outside a pipeline)."""
    context = info.context or {}
    folder = context.get("folder")
    return Path(folder) if folder else None


def project_of(info: ValidationInfo) -> Config | None:
    """The project's dagyard.toml settings, from the validation context."""
    return (info.context or {}).get("project")


def existing_file(value: str, info: ValidationInfo) -> str:
    """Validator for a field naming a file relative to the pipeline: it must exist, inside the
    repository."""
    folder = pipeline_folder(info)
    if folder is None:
        return value
    path = (folder / value).resolve()
    project = project_of(info)
    if project is not None and not path.is_relative_to(project.root.resolve()):
        raise ValueError(f"the file '{value}' is outside the repository")
    if not path.is_file():
        raise ValueError(f"the file '{value}' does not exist next to the pipeline file")
    return value
