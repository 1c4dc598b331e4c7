"""What the installed Airflow documents about itself: its settings and the metrics it sends.

The only module of `deploy` that reads Airflow's reference data. Settings come from Airflow's
public `retrieve_configuration_description` (core and installed providers); metric names from
Airflow's metrics registry file, which is internal (`airflow/_shared/observability/metrics/`),
so its location is kept here and checked by a contract test.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SAMPLE = "example"


@cache
def config_options() -> dict[str, frozenset[str]]:
    """Every `[section] option` Airflow and the installed providers define, by section."""
    from airflow.configuration import retrieve_configuration_description

    description = retrieve_configuration_description(include_airflow=True, include_providers=True)
    return {
        section: frozenset((body or {}).get("options") or {})
        for section, body in description.items()
    }


def metrics_registry_file() -> Path:
    """Airflow's registry of the metrics it sends (names, legacy names, variables)."""
    import airflow

    return Path(airflow.__file__).parent / "_shared/observability/metrics/metrics_template.yaml"


@cache
def _registry() -> list[dict[str, Any]]:
    data = yaml.safe_load(metrics_registry_file().read_text(encoding="utf-8")) or {}
    return list(data.get("metrics", []))


def statsd_names(prefix: str = "airflow") -> list[str]:
    """One example statsd name for every metric name Airflow sends over plain statsd.

    Airflow sends each metric under its name and, by default, under its legacy name with the
    variables in it (dots in a value become `__`); each variable is filled with `example`.
    """
    names = []
    for metric in _registry():
        for name in (metric.get("name"), metric.get("legacy_name")):
            if name and name != "-":
                names.append(f"{prefix}.{re.sub(r'{[a-z_]+}', SAMPLE, name)}")
    return sorted(set(names))
