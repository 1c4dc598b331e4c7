"""`python`: call a Python function by its import path."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import Field, field_validator

from dagyard.pipelines.template import Step, Template, TemplateConfig


def import_function(path: str) -> Any:
    """The function named `package.module:function` (or `package.module.function`)."""
    module_name, sep, attribute = path.partition(":")
    if not sep:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"'{path}' is not an import path like 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"the module '{module_name}' cannot be imported ({error})") from None
    except Exception as error:  # the module itself raised while being imported
        raise ValueError(
            f"the module '{module_name}' raised {type(error).__name__} while being imported: "
            f"{error}"
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"the module '{module_name}' has no function '{attribute}'")
    return function


class Python(Template):
    """Call a Python function of the repository (or an installed package) with arguments."""

    name = "python"

    class Config(TemplateConfig):
        function: str = Field(description="import path of the function, e.g. scripts.sales:extract")
        args: list[Any] = Field(default_factory=list, description="positional arguments")
        kwargs: dict[str, Any] = Field(default_factory=dict, description="keyword arguments")

        @field_validator("function")
        @classmethod
        def _importable(cls, value: str) -> str:
            import_function(value)
            return value

    def build(self, config: Config, step: Step):
        """A PythonOperator calling the function."""
        from airflow.providers.standard.operators.python import PythonOperator

        return PythonOperator(
            task_id=step.id,
            python_callable=import_function(config.function),
            op_args=config.args,
            op_kwargs=config.kwargs,
        )
