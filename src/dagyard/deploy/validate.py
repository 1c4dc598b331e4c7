"""Check rendered manifests before anyone applies them.

Core Kubernetes objects (Namespace, the worker Pod the values produce) are validated against the
OpenAPI schemas of the targeted Kubernetes version shipped by the `kubernetes-validate` package
(strict: unknown fields are errors) and must deserialize into `kubernetes` client models.
ExternalSecrets are a custom resource that package has no schema for: their `metadata` is checked
against the Kubernetes ObjectMeta schema and their `spec` against the fields dagyard writes.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import (
    SchemaNotFoundError,
    ValidationError,
    VersionNotSupportedError,
)

_EXTERNAL_SECRET_SPEC = {
    "type": "object",
    "additionalProperties": False,
    "required": ["secretStoreRef", "target", "data"],
    "properties": {
        "refreshInterval": {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"},
        "secretStoreRef": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "kind": {"enum": ["SecretStore", "ClusterSecretStore"]},
                "name": {"type": "string", "minLength": 1, "maxLength": 253},
            },
        },
        "target": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 253},
                "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
            },
        },
        "data": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["secretKey", "remoteRef"],
                "properties": {
                    "secretKey": {"type": "string", "pattern": r"^[-._a-zA-Z0-9]+$"},
                    "remoteRef": {
                        "type": "object",
                        "required": ["key"],
                        "properties": {"key": {"type": "string", "minLength": 1}},
                    },
                },
            },
        },
    },
}


def _where(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return path or "(top level)"


def manifest_problems(manifest: dict[str, Any], kubernetes_version: str) -> list[str]:
    """Schema problems of one manifest for `kubernetes_version` (e.g. "1.33"); [] when valid."""
    kind = manifest.get("kind", "?")
    name = (manifest.get("metadata") or {}).get("name", "?")
    label = f"{kind} {name}"
    if manifest.get("apiVersion", "").startswith("external-secrets.io/"):
        return _external_secret_problems(manifest, kubernetes_version, label)
    try:
        kubernetes_validate.validate(manifest, kubernetes_version, strict=True)
    except ValidationError as error:
        return [f"{label}: {_where(error)}: {error.message}"]
    except SchemaNotFoundError as error:
        return [f"{label}: {error.message}"]
    except VersionNotSupportedError as error:
        return [f"{label}: {error.message}; pick a kubernetes_version this dagyard knows"]
    return []


def _external_secret_problems(manifest: dict, version: str, label: str) -> list[str]:
    found = []
    unknown = sorted(set(manifest) - {"apiVersion", "kind", "metadata", "spec"})
    if unknown:
        found.append(f"{label}: unknown top-level field(s) {', '.join(unknown)}")
    # The metadata is ordinary ObjectMeta: check it with the Kubernetes schema of a ConfigMap.
    carrier = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": manifest.get("metadata", {})}
    found += [p.replace("ConfigMap", label, 1) for p in manifest_problems(carrier, version)]
    validator = jsonschema.Draft7Validator(_EXTERNAL_SECRET_SPEC)
    for error in validator.iter_errors(manifest.get("spec", {})):
        found.append(f"{label}: spec.{_where(error)}: {error.message}")
    return found


def pod_problems(pod: dict[str, Any]) -> list[str]:
    """Problems turning `pod` into a `kubernetes.client.V1Pod` and back ([] when it round-trips)."""
    from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator

    try:
        model = PodGenerator.deserialize_model_dict(pod)
    except (TypeError, ValueError) as error:
        return [f"Pod {pod.get('metadata', {}).get('name')}: {error}"]
    back = PodGenerator.serialize_pod(model)
    if back.get("spec", {}).get("containers", [{}])[0].get("name") != "base":
        return ["Pod: the first container must be `base` (Airflow runs the task there)"]
    return []
