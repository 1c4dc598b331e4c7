"""dagyard: the platform kit for Apache Airflow 3.

Template code imports `Template` and `TemplateConfig` from here (see docs/pipelines-templates.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Template", "TemplateConfig"]


def __getattr__(name: str) -> Any:
    if name in ("Template", "TemplateConfig"):
        from dagyard.pipelines import template

        return getattr(template, name)
    raise AttributeError(name)
