"""What the installed Airflow documents about itself: its settings and the metrics it sends.

The only module of `deploy` that reads Airflow's reference data. Settings come from Airflow's
public `retrieve_configuration_description` (core and installed providers); metric names from
Airflow's metrics registry, a private data file read through `dagyard._airflow.metrics_registry`.
"""

from __future__ import annotations

import re
from functools import cache

from dagyard._airflow import metrics_registry

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


def statsd_names(prefix: str = "airflow") -> list[str]:
    """One example statsd name for every metric name Airflow sends over plain statsd.

    Airflow sends each metric under its name and, by default, under its legacy name with the
    variables in it (dots in a value become `__`); each variable is filled with `example`.
    """
    names = []
    for metric in metrics_registry.metrics():
        for name in (metric.get("name"), metric.get("legacy_name")):
            if name and name != "-":
                names.append(f"{prefix}.{re.sub(r'{[a-z_]+}', SAMPLE, name)}")
    return sorted(set(names))
