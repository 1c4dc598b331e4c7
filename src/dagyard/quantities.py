"""Kubernetes quantities and a task's CPU and memory, as plain values with plain-English checks.

The bottom of dagyard's layers: it imports nothing from dagyard, so `config` can validate
`[resources]` with it and `resources` can attach it to tasks. Quantities are parsed as
Kubernetes parses them ("250m", "0.5", "2", "512Mi", "1Gi", "1G", "1e3") and compared as
numbers, never as text: "1" CPU is more than "500m".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from dagyard.errors import DagyardError

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


class ResourcesError(DagyardError, ValueError):
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
    elif suffix in _DECIMAL:
        amount = number * _DECIMAL[suffix]
    else:
        amount = number.scaleb(int(suffix[1:]))
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
