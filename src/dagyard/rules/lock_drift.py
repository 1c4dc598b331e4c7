"""DY160 dependency-drift: pyproject.toml, uv.lock, the environment and the deploy disagree.

What it does
    Compares the DAG repository's one dependency list with what uses it: `uv.lock` must be the
    lock of `pyproject.toml` as it is now; the repository's `.venv` must hold exactly the
    packages and versions the lock pins; a rendered deploy folder (`deploy/<env>/values.yaml`
    and `image/Dockerfile`) must name the Airflow version the lock pins.

Why it matters
    A package added to `pyproject.toml` but not locked is missing in CI and in production; a
    package installed by hand on a laptop makes a DAG work there and fail everywhere else; a
    deploy rendered before an Airflow upgrade runs another Airflow than the one tested.

Example
    # pyproject.toml declares "humanize", but uv.lock was not refreshed:
    # error DY160 pyproject.toml declares humanize, but uv.lock does not pin it

Fix
    `dagyard deps add PACKAGE` declares, locks and installs in one step; after a pull,
    `dagyard deps sync`; after an edit of pyproject.toml, `dagyard deps lock`; after a lock
    change, `dagyard deploy render` again.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.deploy.lock_drift import airflow_vs_render, environment_vs_lock, pyproject_vs_lock
from dagyard.rules._base import Context, Issue

ID = "DY160"
NAME = "dependency-drift"
SEVERITY = "error"
SUMMARY = "pyproject.toml, uv.lock, the environment or the rendered deploy disagree"


def check_repo(ctx: Context) -> Iterator[Issue]:
    """Each disagreement between the dependency list, its lock, the env and the deploy."""
    drifts = pyproject_vs_lock(ctx.config)
    if not drifts:  # an out-of-date lock makes every env comparison noise
        drifts += environment_vs_lock(ctx.config)
    drifts += airflow_vs_render(ctx.config)
    for drift in drifts:
        yield Issue(drift.message, drift.hint, drift.file, drift.line)
