"""dagyard: the platform kit for Apache Airflow 3.

What DAG code and the platform team's templates may import — everything else is dagyard's own
and may change between versions:

- `with_resources(task, "medium")` and `Resources(...)`: CPU and memory for a task
  (docs/deploy.md);
- `Template` and `TemplateConfig`: the base classes of pipeline templates
  (docs/pipelines-templates.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Resources", "Template", "TemplateConfig", "with_resources"]

# Imported on first use, so `import dagyard` stays cheap for every Airflow component.
_HOMES = {
    "Resources": "dagyard.quantities",
    "with_resources": "dagyard.resources",
    "Template": "dagyard.pipelines.template",
    "TemplateConfig": "dagyard.pipelines.template",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted(__all__)
