"""Per-task CPU and memory for Kubernetes: quantities, presets, and where they go on a task.

A task asks for resources with `with_resources(task, "medium")` (a preset from `dagyard.toml`)
or `with_resources(task, Resources(request_cpu="500m", limit_memory="2Gi"))`. For an ordinary
operator that becomes the `executor_config` `pod_override` of the worker pod's `base`
container (merged with whatever `executor_config` the task already had); for a
KubernetesPodOperator it becomes the resources of the pod the task starts. A DAG sets a default
for its tasks with `default_args={"dagyard_resources": "large"}`; `[resources.folders]` gives each
folder of `dags/` a default, applied by the cluster policy to tasks that chose nothing.

The quantities themselves and their checks live in `dagyard.quantities`; this module puts them
on tasks.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagyard.config import Config, project_config
from dagyard.paths import longest_folder_match, relative
from dagyard.quantities import (
    FIELDS,
    Allocatable,
    Resources,
    ResourcesError,
    check,
    parse_quantity,
    problems,
    quantity_text,
    resources_from,
)

__all__ = [
    "FIELDS",
    "Allocatable",
    "Resources",
    "ResourcesError",
    "apply_default_resources",
    "parse_quantity",
    "problems",
    "quantity_text",
    "with_resources",
]

DAG_DEFAULT_KEY = "dagyard_resources"
BASE_CONTAINER = "base"


def resolve(spec: str | Resources | Mapping[str, Any], config: Config | None) -> Resources:
    """Turn a preset name, a Resources or a mapping into Resources (presets from `config`)."""
    if isinstance(spec, Resources):
        return spec
    if isinstance(spec, Mapping):
        return resources_from(spec)
    if isinstance(spec, str):
        presets = config.resources.presets if config is not None else {}
        if spec not in presets:
            known = ", ".join(sorted(presets)) or "none are configured"
            raise ResourcesError(
                f"there is no resources preset {spec!r} in dagyard.toml (known: {known}); "
                "pick one of these or add it under [resources.presets]"
            )
        return presets[spec].to_resources()
    raise ResourcesError(
        f"resources must be a preset name, Resources(...) or a dict, not {type(spec).__name__}"
    )


def allocatable_of(config: Config | None) -> Allocatable | None:
    """The worker node pool's allocatable size from `[resources]`, if configured."""
    if config is None:
        return None
    section = config.resources
    return Allocatable(section.worker_allocatable_cpu, section.worker_allocatable_memory)


def describe_task(task: Any, config: Config | None = None) -> str:
    """`task `t1` in dags/x.py`, for messages (the file relative to the project when known)."""
    dag = getattr(task, "dag", None)
    fileloc = getattr(dag, "fileloc", None) if dag is not None else None
    where = f"task `{task.task_id}`"
    if not fileloc:
        return where
    shown = relative(fileloc, config.root) if config is not None else Path(fileloc).as_posix()
    return f"{where} in {shown}"


def is_pod_operator(task: Any, config: Config | None) -> bool:
    """True when the task starts its own pod (KubernetesPodOperator or a configured subclass)."""
    names = set(config.kubernetes.pod_operators) if config else {"KubernetesPodOperator"}
    return any(cls.__name__ in names for cls in type(task).__mro__)


def pod_override(resources: Resources, executor_config: Mapping[str, Any] | None = None) -> dict:
    """An `executor_config` whose `pod_override` gives the `base` container `resources`.

    Merges with an existing `executor_config`: other keys, other containers, volumes and the
    base container's other settings are kept; requests/limits given here replace the same keys.
    """
    from kubernetes.client import models as k8s

    merged = dict(copy.deepcopy(executor_config or {}))
    pod = merged.get("pod_override") or k8s.V1Pod()
    if not isinstance(pod, k8s.V1Pod):
        raise ResourcesError(
            "executor_config['pod_override'] must be a kubernetes.client.models.V1Pod"
        )
    pod.spec = pod.spec or k8s.V1PodSpec(containers=[])
    containers = list(pod.spec.containers or [])
    base = next((c for c in containers if c.name == BASE_CONTAINER), None)
    if base is None:
        base = k8s.V1Container(name=BASE_CONTAINER)
        containers.insert(0, base)
    current = base.resources or k8s.V1ResourceRequirements()
    base.resources = k8s.V1ResourceRequirements(
        requests={**(current.requests or {}), **resources.requests()} or None,
        limits={**(current.limits or {}), **resources.limits()} or None,
    )
    pod.spec.containers = containers
    merged["pod_override"] = pod
    return merged


def has_resources(task: Any, config: Config | None) -> bool:
    """True when the task already chose its resources (so defaults leave it alone)."""
    if is_pod_operator(task, config):
        return getattr(task, "container_resources", None) is not None
    pod = (getattr(task, "executor_config", None) or {}).get("pod_override")
    spec = getattr(pod, "spec", None)
    for container in getattr(spec, "containers", None) or []:
        if container.name == BASE_CONTAINER and container.resources is not None:
            return True
    return False


def set_resources(task: Any, resources: Resources, config: Config | None = None) -> Any:
    """Put already-resolved `resources` on `task` (validated first, errors name the task)."""
    check(resources, describe_task(task, config), allocatable_of(config))
    if is_pod_operator(task, config):
        task.container_resources = resources.to_k8s()
    else:
        task.executor_config = pod_override(resources, getattr(task, "executor_config", None))
    return task


def with_resources(
    task: Any, spec: str | Resources | Mapping[str, Any], config: Config | None = None
) -> Any:
    """Give `task` CPU and memory: a preset name from dagyard.toml, Resources(...) or a dict.

    Returns the task, so it can wrap an operator where it is created. Raises ResourcesError
    naming the task when the values are wrong, a request is above its limit, or a value is
    more than a worker node can give.
    """
    config = config if config is not None else project_config()
    try:
        resources = resolve(spec, config)
    except ResourcesError as error:
        raise ResourcesError(f"{describe_task(task, config)}: {error}") from None
    return set_resources(task, resources, config)


def folder_default(relative_path: str, config: Config) -> str | None:
    """The preset `[resources.folders]` gives a file (longest folder that contains it)."""
    preset = longest_folder_match(relative_path, config.resources.folders.items())
    return preset if preset is not None else config.resources.default


def default_for(task: Any, config: Config) -> str | Resources | Mapping[str, Any] | None:
    """The default a task gets: its DAG's `dagyard_resources`, else its folder's preset."""
    dag = getattr(task, "dag", None)
    dag_default = (getattr(dag, "default_args", None) or {}).get(DAG_DEFAULT_KEY)
    if dag_default is not None:
        return dag_default
    fileloc = getattr(dag, "fileloc", None)
    if not fileloc:
        return config.resources.default
    try:
        relative = Path(fileloc).resolve().relative_to(config.dags_path).as_posix()
    except ValueError:
        return config.resources.default
    return folder_default(relative, config)


def apply_default_resources(task: Any, config: Config) -> None:
    """Cluster-policy step: give a task that chose no resources its DAG's or folder's default."""
    if has_resources(task, config):
        return
    spec = default_for(task, config)
    if spec is None:
        return
    with_resources(task, spec, config)
