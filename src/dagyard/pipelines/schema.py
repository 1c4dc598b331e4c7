"""The JSON schema of pipeline files, with each step's `with:` typed by the template it uses.

Editors (VS Code's YAML extension, JetBrains IDEs) validate and complete a pipeline while it is
typed when they are given this schema for `*.pipeline.yaml`.
"""

from __future__ import annotations

import copy
from typing import Any

from dagyard.pipelines.catalogue import Catalogue
from dagyard.pipelines.model import ID_PATTERN, PRESETS, PipelineSpec, StepSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def pipeline_schema(catalogue: Catalogue) -> dict[str, Any]:
    """The schema covering every template of `catalogue`."""
    schema = PipelineSpec.model_json_schema()
    defs: dict[str, Any] = dict(schema.pop("$defs", {}))
    step = StepSpec.model_json_schema(by_alias=True)
    defs.update(step.pop("$defs", {}))
    branches = []
    uses: list[str] = []
    for name in sorted(catalogue.templates):
        versions = catalogue.templates[name]
        for version in sorted(versions):
            cls = versions[version]
            config = copy.deepcopy(cls.Config.model_json_schema())
            defs.update(config.pop("$defs", {}))
            config["title"] = cls.reference()
            config["description"] = (cls.__doc__ or "").strip()
            key = f"{name}_v{version}"
            defs[key] = config
            names = [cls.reference()] + ([name] if version == max(versions) else [])
            uses += names
            branches.append(
                {
                    "if": {"properties": {"uses": {"enum": names}}, "required": ["uses"]},
                    "then": {"properties": {"with": {"$ref": f"#/$defs/{key}"}}},
                }
            )
    step["properties"]["uses"]["enum"] = uses
    step["additionalProperties"] = False
    step["required"] = ["uses"]
    step["allOf"] = branches
    defs["step"] = step
    schema["properties"]["steps"] = {
        "type": "object",
        "description": "the steps, by id (the id becomes the task's name)",
        "minProperties": 1,
        "propertyNames": {"pattern": ID_PATTERN},
        "additionalProperties": {"$ref": "#/$defs/step"},
    }
    schema["properties"]["schedule"] = {
        "description": PipelineSpec.model_fields["schedule"].description,
        "anyOf": [
            {"type": "null"},
            {"enum": [*PRESETS, "none"]},
            {"type": "string", "pattern": r"^\S+( \S+){4}$"},
        ],
    }
    schema["properties"]["start_date"] = {
        "description": PipelineSpec.model_fields["start_date"].description,
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}$",
    }
    return {"$schema": DRAFT, "title": "dagyard pipeline", **schema, "$defs": defs}
