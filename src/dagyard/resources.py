"""Per-task CPU and memory for Kubernetes: quantities, presets, and where they go on a task.

A task asks for resources with `with_resources(task, "medium")` (a preset from `dagyard.toml`)
or `with_resources(task, Resources(request_cpu="500m", limit_memory="2Gi"))`. For an ordinary
operator that becomes the `executor_config` `pod_override` of the worker pod's `base`
container (merged with whatever `executor_config` the task already had); for a
KubernetesPodOperator it becomes the resources of the pod the task starts. A DAG sets a default
for its tasks with `default_args={"dagyard_resources": "large"}`; `[resources.folders]` gives each
folder of `dags/` a default, applied by the cluster policy to tasks that chose nothing.

Quantities are parsed as Kubernetes parses them ("250m", "0.5", "2", "512Mi", "1Gi", "1G",
"1e3") and compared as numbers, never as text: "1" CPU is more than "500m".
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from dagyard.config import Config

DAG_DEFAULT_KEY = "dagyard_resources"
BASE_CONTAINER = "base"
FIELDS = ("request_cpu", "request_memory", "limit_cpu", "limit_memory")

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$"
)


class ResourcesError(ValueError):
    """Resources that Kubernetes would reject or never schedule; the message says what to do."""


class Resources(NamedTuple):
    """CPU and memory requests and limits of one task (Kubernetes quantities as text)."""

    request_cpu: str | None = None
    request_memory: str | None = None
    limit_cpu: str | None = None
    limit_memory: str | None = None

    def requests(self) -> dict[str, str]:
        """The `requests` map of a Kubernetes container (only the values that are set)."""
        return _pick(cpu=self.request_cpu, memory=self.request_memory)

    def limits(self) -> dict[str, str]:
        """The `limits` map of a Kubernetes container (only the values that are set)."""
        return _pick(cpu=self.limit_cpu, memory=self.limit_memory)

    def is_empty(self) -> bool:
        """True when nothing is set."""
        return not any(self)

    def to_k8s(self) -> Any:
        """These resources as a `kubernetes.client.V1ResourceRequirements`."""
        from kubernetes.client import models as k8s

        return k8s.V1ResourceRequirements(
            requests=self.requests() or None, limits=self.limits() or None
        )


class Allocatable(NamedTuple):
    """What one worker node can give a pod (None: not checked)."""

    cpu: str | None = None
    memory: str | None = None


def _pick(**values: str | None) -> dict[str, str]:
    return {key: value for key, value in values.items() if value is not None}


def quantity_text(value: str | int | float) -> str:
    """A quantity as Kubernetes text; numbers from TOML (2, 0.5, 1e3) become "2", "0.5", "1000"."""
    if isinstance(value, bool):
        raise ResourcesError(f"{value!r} is not a quantity; write a number like 2 or 512Mi")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return value.strip()


def parse_quantity(value: str | int | float) -> Decimal:
    """Parse a Kubernetes quantity ("250m", "0.5", "512Mi", "1G", "1e3") into an exact number.

    CPU comes out in cores and memory in bytes. Raises ResourcesError for anything Kubernetes
    would not accept, or for a negative amount.
    """
    text = quantity_text(value)
    match = _QUANTITY.match(text)
    if not match:
        raise ResourcesError(
            f"{text!r} is not a Kubernetes quantity; write a number with an optional unit, "
            'like "500m" or "2" for CPU, "512Mi" or "4Gi" for memory'
        )
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise ResourcesError(f"{text!r} is not a Kubernetes quantity") from None
    suffix = match.group("suffix")
    if suffix in _BINARY:
        amount = number * _BINARY[suffix]
    elif suffix[:1] in ("e", "E"):
        amount = number.scaleb(int(suffix[1:]))
    else:
        amount = number * _DECIMAL[suffix]
    if amount < 0:
        raise ResourcesError(f"{text!r} is negative; resources must be zero or more")
    return amount


def resources_from(values: Mapping[str, Any]) -> Resources:
    """Build Resources from a mapping with keys among request_cpu, request_memory, limit_*."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ResourcesError(
            f"unknown resource setting {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    return Resources(
        **{key: quantity_text(value) for key, value in values.items() if value is not None}
    )


def problems(resources: Resources, allocatable: Allocatable | None = None) -> list[str]:
    """Everything wrong with `resources`, as plain sentences (empty when all is well)."""
    found: list[str] = []
    parsed: dict[str, Decimal] = {}
    for field in FIELDS:
        value = getattr(resources, field)
        if value is None:
            continue
        try:
            parsed[field] = parse_quantity(value)
        except ResourcesError as error:
            found.append(f"{field} {error}")
            continue
        if field.endswith("memory") and value.endswith("m"):
            found.append(
                f"{field} {value} means {parsed[field]} bytes (m is milli); "
                f"did you mean {value[:-1]}Mi?"
            )
    for kind in ("cpu", "memory"):
        request, limit = parsed.get(f"request_{kind}"), parsed.get(f"limit_{kind}")
        if request is not None and limit is not None and request > limit:
            found.append(
                f"request_{kind} {getattr(resources, f'request_{kind}')} is more than "
                f"limit_{kind} {getattr(resources, f'limit_{kind}')}; "
                "lower the request or raise the limit"
            )
        if allocatable is None or getattr(allocatable, kind) is None:
            continue
        ceiling_text = getattr(allocatable, kind)
        ceiling = parse_quantity(ceiling_text)
        for field in (f"request_{kind}", f"limit_{kind}"):
            if field in parsed and parsed[field] > ceiling:
                found.append(
                    f"{field} {getattr(resources, field)} is more than a worker node can give "
                    f"({kind} {ceiling_text} allocatable); use a smaller value or ask the "
                    "platform team for a bigger node pool"
                )
    return found


def check(resources: Resources, where: str, allocatable: Allocatable | None = None) -> Resources:
    """Return `resources` if valid, else raise ResourcesError naming `where` (e.g. the task)."""
    found = problems(resources, allocatable)
    if found:
        raise ResourcesError(f"{where}: " + "; ".join(found))
    return resources


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
    path = Path(fileloc)
    if config is not None:
        with contextlib.suppress(ValueError):
            path = path.resolve().relative_to(config.root.resolve())
    return f"{where} in {path.as_posix()}"


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
    best: tuple[int, str] | None = None
    for folder, preset in config.resources.folders.items():
        prefix = folder.strip("/") + "/"
        if relative_path.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), preset)
    return best[1] if best else config.resources.default


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


@functools.cache
def _load_project(root: str) -> Config:
    from dagyard.config import load_config

    return load_config(Path(root))


def project_config() -> Config | None:
    """The DAG repo's config: `$DAGYARD_PROJECT`, else the nearest `dagyard.toml` above cwd."""
    from dagyard.config import find_project_root

    root = os.environ.get("DAGYARD_PROJECT")
    if not root:
        found = find_project_root(Path.cwd())
        root = str(found) if found else None
    return _load_project(root) if root else None
