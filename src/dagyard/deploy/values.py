"""Helm values for the official Apache Airflow chart, from `dagyard.toml`.

KubernetesExecutor with two or more schedulers on PostgreSQL behind PgBouncer; worker pods on
their own node pool, platform components elsewhere; statsd with the monitoring mapping; the
database clean-up CronJob; connections and variables from Google Secret Manager; the chart's own
secrets from ExternalSecrets; DAGs from git-sync or baked into the image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dagyard import airflow_env
from dagyard.config import Config, DeployEnvironmentSection
from dagyard.deploy.image import Lock, image_tag, project_root_in_image
from dagyard.deploy.secrets import chart_secrets
from dagyard.policy import LOCAL_SETTINGS_MODULE
from dagyard.resources import Resources

MONITORING_MAPPING = Path(__file__).parent / "monitoring" / "statsd_mapping.yml"
WORKER_POOL_AFFINITY_KEY = "dagyard.io/pool"
# Task pods of tasks that chose no size get this when dagyard.toml names no `[resources] default`.
PLATFORM_DEFAULT_WORKER = Resources(
    request_cpu="250m", request_memory="512Mi", limit_cpu="500m", limit_memory="1Gi"
)


def statsd_mappings(path: Path = MONITORING_MAPPING) -> list[dict[str, Any]]:
    """The statsd-exporter mappings shipped with dagyard's monitoring assets ([] if absent)."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("mappings", []) if isinstance(data, dict) else data)


def worker_affinity(env: DeployEnvironmentSection) -> dict[str, Any]:
    """Node affinity that keeps worker pods on the worker node pool (from its node selector)."""
    if not env.worker_node_selector:
        return {}
    terms = [
        {"key": key, "operator": "In", "values": [value]}
        for key, value in sorted(env.worker_node_selector.items())
    ]
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": terms}]
            }
        }
    }


def spread(component: str) -> dict[str, Any]:
    """Pod anti-affinity so that replicas of a component prefer different nodes."""
    return {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"component": component}},
                    },
                }
            ]
        }
    }


def worker_resources(config: Config) -> dict[str, Any]:
    """Worker pod resources: the `[resources] default` preset, else the platform default."""
    name = config.resources.default
    resources = config.resources.presets[name].to_resources() if name else PLATFORM_DEFAULT_WORKER
    return {
        k: v for k, v in (("requests", resources.requests()), ("limits", resources.limits())) if v
    }


def dags_values(config: Config, env: DeployEnvironmentSection) -> dict[str, Any]:
    """The chart's `dags:` block: git-sync of the DAG repo, or nothing (baked into the image)."""
    if env.dags == "baked":
        return {"persistence": {"enabled": False}, "gitSync": {"enabled": False}}
    git_sync: dict[str, Any] = {
        "enabled": True,
        "repo": env.git_repository,
        # git-sync v4 (the chart's image) reads only `ref`; `branch`/`rev` are for v3.
        "ref": env.git_branch,
        "branch": env.git_branch,
        "rev": "HEAD",
        "depth": 1,
        "subPath": config.project.dags_folder,
        "period": "60s",
    }
    if env.git_over_ssh:
        git_sync["sshKeySecret"] = env.git_ssh_key_secret
        git_sync["knownHosts"] = (env.git_known_hosts or "").strip()
    return {"persistence": {"enabled": False}, "gitSync": git_sync}


def extra_env(config: Config, env: DeployEnvironmentSection) -> list[dict]:
    """Environment variables every Airflow container gets (dagyard's project root, profile)."""
    return [
        {"name": "DAGYARD_PROJECT", "value": project_root_in_image(config, env)},
        {"name": "DAGYARD_PROFILE", "value": "prod"},
    ]


def secret_env(config: Config, env_name: str) -> list[dict]:
    """Variables every Airflow container reads from a Secret (the chart's `secret:` list)."""
    return [
        {"envName": name, "secretName": secret, "secretKey": key}
        for name, secret, key in airflow_env.prod_secret_env(config, env_name)
    ]


def helm_values(config: Config, env_name: str, lock: Lock) -> dict[str, Any]:
    """The values file for the official chart, for environment `env_name` of `dagyard.toml`."""
    env = config.deploy.environments[env_name]
    names = {secret.name for secret in chart_secrets(env)}
    airflow_config = airflow_env.prod_airflow_config(config, env_name)
    if env.dags == "baked":
        airflow_config["core"]["dags_folder"] = (
            f"{project_root_in_image(config, env)}/{config.project.dags_folder}"
        )
    mappings = statsd_mappings()
    values: dict[str, Any] = {
        "airflowVersion": lock.airflow_version,
        "defaultAirflowRepository": env.image_repository,
        "defaultAirflowTag": image_tag(config, env, lock),
        "images": {
            "airflow": {
                "repository": env.image_repository,
                "tag": image_tag(config, env, lock),
                "pullPolicy": "IfNotPresent",
            }
        },
        "executor": "KubernetesExecutor",
        "nodeSelector": dict(env.platform_node_selector),
        "postgresql": {"enabled": False},
        "redis": {"enabled": False},
        "data": {"metadataSecretName": "airflow-metadata-db"},
        "fernetKeySecretName": "airflow-fernet-key",
        "apiSecretKeySecretName": "airflow-api-secret-key",
        "jwtSecretName": "airflow-jwt-secret",
        "pgbouncer": {
            "enabled": env.pgbouncer,
            "maxClientConn": 200,
            "metadataPoolSize": 20,
            **(
                {
                    "configSecretName": "airflow-pgbouncer-config",
                    "metricsExporterSidecar": {"statsSecretName": "airflow-pgbouncer-stats"},
                }
                if "airflow-pgbouncer-config" in names
                else {}
            ),
        },
        "scheduler": {
            "replicas": env.scheduler_replicas,
            "affinity": spread("scheduler"),
            "podDisruptionBudget": {"enabled": True, "config": {"maxUnavailable": 1}},
        },
        "apiServer": {"replicas": env.api_server_replicas, "affinity": spread("api-server")},
        "dagProcessor": {"enabled": True, "replicas": 1},
        "triggerer": {"enabled": True, "replicas": 1},
        # No shared admin/admin account: people get their own (`dagyard rbac sync`).
        "createUserJob": {"enabled": False},
        "workers": {
            "kubernetes": {
                "nodeSelector": dict(env.worker_node_selector),
                "tolerations": list(env.worker_tolerations),
                "affinity": worker_affinity(env),
                "resources": worker_resources(config),
            }
        },
        # overrideMappings replaces the chart's own mappings, which would otherwise come first.
        "statsd": {"enabled": True, **({"overrideMappings": mappings} if mappings else {})},
        "databaseCleanup": {
            "enabled": True,
            "schedule": "0 3 * * *",
            "retentionDays": config.cleanup.retention_days,
            "skipArchive": config.cleanup.archive == "drop",
            "batchSize": config.cleanup.batch_size,
        },
        "dags": dags_values(config, env),
        "env": extra_env(config, env),
        **({"secret": secret_env(config, env_name)} if secret_env(config, env_name) else {}),
        "airflowLocalSettings": LOCAL_SETTINGS_MODULE,
        "config": airflow_config,
    }
    return values


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people: no anchors/aliases, multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _text)


def dump(values: Any, *, many: bool = False) -> str:
    """YAML text of `values` (stable key order, block style); `many`: a list of documents."""
    options = {"Dumper": _Dumper, "sort_keys": False, "default_flow_style": False, "width": 100}
    return yaml.dump_all(values, **options) if many else yaml.dump(values, **options)


def worker_pod_preview(config: Config, env_name: str, lock: Lock) -> dict[str, Any]:
    """The worker pod the chart's pod template gives these values (container `base` first).

    Used to validate what the values produce and, in tests, as the base pod that Airflow's
    pod generator reconciles with each task's `pod_override`.
    """
    values = helm_values(config, env_name, lock)
    workers = values["workers"]["kubernetes"]
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "base",
                "image": f"{values['images']['airflow']['repository']}:"
                f"{values['images']['airflow']['tag']}",
                "imagePullPolicy": "IfNotPresent",
                "env": values["env"],
                "resources": workers.get("resources", {}),
            }
        ],
        "restartPolicy": "Never",
        "securityContext": {"runAsUser": 50000, "fsGroup": 0},
        "nodeSelector": workers["nodeSelector"],
        "tolerations": workers["tolerations"],
        "affinity": workers["affinity"],
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "placeholder-name",
            "namespace": values["config"]["kubernetes_executor"]["namespace"],
        },
        "spec": {k: v for k, v in spec.items() if v != {} and v != []},
    }
