"""Airflow cluster policies built from `dagyard.toml`.

Airflow calls `task_policy` for every task at parse time, in every component. On a laptop
(profile `local`), tasks that start Kubernetes pods get `in_cluster=False` and the kubeconfig,
context and namespace from `[dev]`, so nobody types local-only settings into a DAG (and nobody
forgets to remove them before review), and a check that fails them at once, with what to do,
when no cluster answers (`pod_cluster`).
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from dagyard._airflow.task_hooks import add_pre_execute_check
from dagyard.config import Config, ConfigError, project_config
from dagyard.pod_cluster import require_cluster
from dagyard.resources import apply_default_resources, is_pod_operator

log = logging.getLogger(__name__)


@functools.cache
def _policy_config() -> Config | None:
    """The project's config for the policies; a wrong `dagyard.toml` turns them off, said once."""
    try:
        return project_config()
    except ConfigError as error:
        log.error("dagyard policies are off: %s", error)
        return None


def apply_local_pod_settings(task: Any, config: Config) -> None:
    """Point a pod-starting task at the developer's cluster instead of the in-cluster config.

    The task also checks, just before it starts, that the cluster answers (`pod_cluster`).
    """
    task.in_cluster = False
    add_pre_execute_check(task, require_cluster)
    kubeconfig = config.expand(config.dev.kubeconfig)
    if kubeconfig:
        task.config_file = str(kubeconfig)
    if config.dev.kube_context:
        task.cluster_context = config.dev.kube_context
    if config.dev.kube_namespace:
        task.namespace = config.dev.kube_namespace


def task_policy(task: Any) -> None:
    """Airflow task policy: default resources everywhere; local-only settings on a laptop."""
    config = _policy_config()
    if config is None:
        return
    apply_default_resources(task, config)
    if os.environ.get("DAGYARD_PROFILE") != "local":
        return
    if is_pod_operator(task, config):
        apply_local_pod_settings(task, config)


def dag_policy(dag: Any) -> None:
    """Airflow DAG policy: set `access_control` from the team that owns the DAG's folder.

    The owning team may read, edit and run the DAG; teams that list it in `can_read` may read
    it. What a DAG file says itself is replaced: permissions live in `dagyard.toml`.
    """
    config = _policy_config()
    if config is None or not config.teams:
        return
    team = config.team_of_file(dag.fileloc)
    if team is None:
        return
    from dagyard.security.rbac import access_control_for

    dag.access_control = access_control_for(config, team)


LOCAL_SETTINGS_MODULE = '''"""Written by dagyard: platform policies and pipelines. Do not edit."""

from dagyard.pipelines.airflow_importer import register as _register_pipelines
from dagyard.policy import dag_policy, task_policy  # noqa: F401

_register_pipelines()
'''


def write_local_settings(airflow_home: Path) -> Path:
    """Write `airflow_local_settings.py` (which Airflow imports) into `$AIRFLOW_HOME/config`."""
    target = airflow_home / "config" / "airflow_local_settings.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != LOCAL_SETTINGS_MODULE:
        target.write_text(LOCAL_SETTINGS_MODULE)
    return target
