"""Airflow's API server records its audit log through the dependency dagyard moves to a thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)

BUILD_THE_API = """
from dagyard._airflow.api_action_log import write_action_log_in_a_thread
assert write_action_log_in_a_thread() is True
from airflow.api_fastapi.app import create_app
app = create_app(apps="core")
from fastapi.routing import APIRoute

def calls(dependant):
    yield dependant.call
    for child in dependant.dependencies:
        yield from calls(child)

names = {
    getattr(call, "__name__", "")
    for route in app.routes
    for mounted in [getattr(route, "app", None)]
    if mounted is not None
    for inner in getattr(mounted, "routes", [])
    if isinstance(inner, APIRoute)
    for call in calls(inner.dependant)
}
print("threaded" if "log_action_in_a_thread" in names else "not threaded")
print(write_action_log_in_a_thread())
"""


def test_the_audit_dependency_is_wrapped_before_the_routes_are_built(tmp_path: Path):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-c", BUILD_THE_API], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # Airflow's routes use the wrapped dependency; once they are built, wrapping is refused.
    assert result.stdout.split()[-2:] == ["threaded", "False"]
