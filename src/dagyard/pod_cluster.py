"""Before a pod task starts on a laptop: is there a Kubernetes cluster to start its pod on?

On a laptop (profile `local`) the cluster policy points pod tasks at the developer's kubeconfig
(`[dev]` in dagyard.toml). Without a reachable cluster, KubernetesPodOperator gives up only after
the Kubernetes client's retries (15 s when the connection is refused, longer when it times out),
and then the task's own retries wait minutes each without a word. So the policy gives each pod
task a check that runs just before the task starts: the kubeconfig the task will use loads, and
the API server it names accepts a connection and a TLS handshake within a few seconds. When not,
the task fails at once and is not retried (every try would fail the same way), with what is
missing and what to do.

The check asks the operator's own hook for its client configuration, so it sees the cluster the
task would use (kubeconfig file, context, or a kubeconfig kept in the task's connection), and it
costs nothing for tasks that start no pod: it is only added to pod tasks.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

ANSWER_SECONDS = 3.0
_SETUP_HINT = (
    "set `[dev] kubeconfig` (and `kube_context`) in dagyard.toml to a cluster you can reach, "
    "for example a local kind or minikube cluster"
)


def kubeconfig_files(task: Any) -> list[str]:
    """The kubeconfig files the task reads: its `config_file`, else the Kubernetes client's
    default ($KUBECONFIG's files when it was set as the process started, else ~/.kube/config).

    (A kubeconfig kept in the task's Kubernetes connection is not a file and is not listed.)
    """
    if getattr(task, "config_file", None):
        return [str(task.config_file)]
    from kubernetes.config.kube_config import KUBE_CONFIG_DEFAULT_LOCATION

    return [path for path in KUBE_CONFIG_DEFAULT_LOCATION.split(os.pathsep) if path]


def _config_problem(task: Any, error: Exception) -> str:
    """What is wrong with the kubeconfig, in words (from the client's ConfigException)."""
    files = kubeconfig_files(task)
    existing = _existing(files)
    if not files:
        return f"KUBECONFIG is set but names no file; {_SETUP_HINT}"
    if not existing:
        if len(files) == 1:
            return f"the kubeconfig {files[0]} does not exist; {_SETUP_HINT}"
        return f"none of the kubeconfig files {' and '.join(files)} exists; {_SETUP_HINT}"
    context = getattr(task, "cluster_context", None)
    if context and "Expected object with name" in str(error):
        known, _ = _contexts(existing)
        listed = f" (its contexts: {', '.join(known)})" if known else ""
        return (
            f"the kubeconfig {' and '.join(existing)} has no context `{context}`{listed}; set "
            "`[dev] kube_context` in dagyard.toml to one of its contexts"
        )
    return f"the kubeconfig {' and '.join(existing)} cannot be used ({error}); {_SETUP_HINT}"


def _existing(files: list[str]) -> list[str]:
    return [path for path in files if Path(path).expanduser().is_file()]


def _contexts(files: list[str]) -> tuple[list[str], str | None]:
    """The context names in the kubeconfig `files` and the current one (only for messages: a
    kubeconfig that cannot be read has none)."""
    from kubernetes import config

    try:
        contexts, active = config.list_kube_config_contexts(os.pathsep.join(files))
    except Exception:
        return [], None
    return [context["name"] for context in contexts], (active.get("name") if active else None)


def _current_context(task: Any) -> str | None:
    if getattr(task, "cluster_context", None):
        return task.cluster_context
    files = _existing(kubeconfig_files(task))
    return _contexts(files)[1] if files else None


def _no_answer(address: str, timeout: float, speaks_tls: bool) -> str | None:
    """Why the server at `address` (a URL) did not answer, or None if it did.

    It answers when it accepts a connection and, for `https`, completes a TLS handshake within
    `timeout` seconds each; its certificate is the operator's business, not this check's.
    """
    parts = urlsplit(address)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            if speaks_tls and parts.scheme == "https":
                _handshake(connection, host)
    except TimeoutError:
        return f"did not answer within {timeout:g} s"
    except ConnectionRefusedError:
        return f"refused the connection (nothing listens on {host}:{port})"
    except socket.gaierror:
        return f"cannot be found (the name {host} is not known here)"
    except ssl.SSLError:
        return None  # it answered; what it said is for the operator to report
    except OSError as error:
        return f"cannot be reached ({error.strerror or error})"
    return None


def _handshake(connection: socket.socket, host: str) -> None:
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    tls.wrap_socket(connection, server_hostname=host).close()


def cluster_problem(task: Any, timeout: float = ANSWER_SECONDS) -> str | None:
    """Why `task` cannot start its pod from here, in words; None when its API server answers.

    Also None when the task's hook is not a Kubernetes hook dagyard knows how to ask, or
    fails in a way the operator will report itself.
    """
    from kubernetes.config import ConfigException

    try:
        api_client = task.hook.api_client
        configuration = api_client.configuration
        server = configuration.host
    except ConfigException as error:
        return _config_problem(task, error)
    except Exception as error:  # the operator meets the same error and reports it
        log.debug("pod task %s: cluster not checked (%s)", task.task_id, error)
        return None
    proxy = getattr(configuration, "proxy", None)
    why = _no_answer(proxy or server, timeout, speaks_tls=not proxy)
    if why is None:
        return None
    context = _current_context(task)
    where = f"{server} (context `{context}`)" if context else server
    via = f" through the proxy {proxy}" if proxy else ""
    return (
        f"its Kubernetes API server {where}{via} {why}; start the cluster or connect to its "
        "network (VPN), or set `[dev] kube_context` in dagyard.toml to a cluster you can reach"
    )


def require_cluster(context: Any) -> None:
    """Pre-execute check of a pod task: fail it now, without retries, when no cluster answers."""
    task = context["task"]
    problem = cluster_problem(task)
    if problem is None:
        return
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        f"Task `{task.task_id}` starts a Kubernetes pod and cannot reach a Kubernetes cluster "
        f"from this machine: {problem}. The task was not retried: every try would fail the same "
        "way."
    )
