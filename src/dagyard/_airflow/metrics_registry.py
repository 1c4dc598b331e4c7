"""Adapter: Airflow's registry of the metrics it sends, a data file inside its private
`airflow/_shared/` package.

Its location and shape are kept here only; tests/_airflow/test_metrics_registry_contract.py
checks them against the installed Airflow.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml


def registry_file() -> Path:
    """Airflow's registry of the metrics it sends (names, legacy names, variables)."""
    import airflow

    return Path(airflow.__file__).parent / "_shared/observability/metrics/metrics_template.yaml"


@cache
def metrics() -> list[dict[str, Any]]:
    """Every metric in the registry: a mapping with `name` and `legacy_name` among its keys."""
    data = yaml.safe_load(registry_file().read_text(encoding="utf-8")) or {}
    return list(data.get("metrics", []))
