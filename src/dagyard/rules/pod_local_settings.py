"""DY120 pod-local-settings: local-only Kubernetes settings left in a pod task.

What it does
    Reports a task of `KubernetesPodOperator` (or of an operator listed in
    `[kubernetes] pod_operators`, or a subclass) that sets `in_cluster=False`, `config_file`
    or `cluster_context`.

Why it matters
    These settings point the task at a laptop's kubeconfig. In production the pod must be
    started with the in-cluster service account: with them left in, the task fails (the file
    does not exist there) or, worse, talks to the wrong cluster.

Example
    KubernetesPodOperator(task_id="sync", image="...", in_cluster=False,
                          config_file="~/.kube/config", cluster_context="minikube")

Fix
    Remove them. `dagyard dev` injects your local kubeconfig automatically (from `[dev]` in
    dagyard.toml), so the DAG code stays the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY120"
NAME = "pod-local-settings"
SEVERITY = "error"
SUMMARY = "a pod task keeps local-only kubeconfig settings"

ALWAYS = ("KubernetesPodOperator",)


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per local-only setting on a pod-starting task."""
    if file.result is None:
        return
    operators = set(ctx.config.kubernetes.pod_operators) | set(ALWAYS)
    for dag in file.result.dags:
        for task in dag.tasks:
            if not operators.intersection(task.bases):
                continue
            settings = []
            if task.in_cluster is False:
                settings.append(("in_cluster", "in_cluster=False"))
            if task.config_file:
                settings.append(("config_file", f"config_file={task.config_file!r}"))
            if task.cluster_context:
                settings.append(("cluster_context", f"cluster_context={task.cluster_context!r}"))
            near = file.source.task_line(task.task_id)
            for name, shown in settings:
                yield Issue(
                    f"task '{task.task_id}' ({task.operator}) in DAG '{dag.dag_id}' has the "
                    f"local-only setting {shown}",
                    f"remove {name}: in production the pod runs with the in-cluster account, and "
                    "`dagyard dev` adds your local kubeconfig by itself",
                    file.path,
                    file.source.keyword_line(name, near) or near,
                )
