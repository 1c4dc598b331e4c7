"""Make this process ready to load DAG files: Airflow configured for checking, then imported.

`prepare` is called once per process (a `dagyard check` run, or a `--watch` session). Every
file is then loaded in a fork of this process (see `loader` and `pool`), so the ~3 s import
of Airflow is paid once.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path

from dagyard import airflow_env
from dagyard.config import Config
from dagyard.startup import long_lived_objects

_prepared: dict[str, Path] = {}


def prepare(config: Config) -> Path:
    """Configure Airflow for checking `config`'s project (no DB, stand-in secrets) and import it.

    Returns the scratch AIRFLOW_HOME (removed when the process exits).
    """
    key = str(config.root)
    if key in _prepared:
        return _prepared[key]
    home = Path(tempfile.mkdtemp(prefix="dagyard-check-"))
    atexit.register(shutil.rmtree, home, True)
    airflow_env.apply(airflow_env.check_env(config, home))
    with long_lived_objects():
        import airflow  # noqa: F401 - the one import every child shares
        from airflow.dag_processing.dagbag import DagBag  # noqa: F401

    _prepared[key] = home
    return home


def library_modules(names: Iterable[str]) -> list[str]:
    """The names that belong to installed libraries or the standard library (safe to warm up)."""
    site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    keep = []
    tops: dict[str, bool] = {}
    for name in names:
        top = name.split(".")[0]
        if top not in tops:
            tops[top] = _is_library(top, site)
        if tops[top]:
            keep.append(name)
    return keep


def _is_library(top: str, site: set[str]) -> bool:
    if top in sys.stdlib_module_names or top == "airflow":
        return True
    if top in sys.modules:
        return True
    try:
        spec = find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = (spec.origin or "") if spec else ""
    locations = list(spec.submodule_search_locations or []) if spec else []
    return any(str(place).startswith(tuple(site)) for place in [origin, *locations] if place)
