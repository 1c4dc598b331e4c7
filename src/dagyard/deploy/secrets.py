"""ExternalSecret manifests for the few Kubernetes Secrets the Helm chart itself needs.

Connections and variables of DAGs come from the secrets backend at run time; only the chart's
own secrets (metadata DB URL, Fernet key, API secret key, JWT secret, PgBouncer config, the
git-sync SSH key) are copied from the secret manager into Kubernetes by the External Secrets
Operator.
"""

from __future__ import annotations

from typing import NamedTuple

from dagyard.config import DeployEnvironmentSection

EXTERNAL_SECRETS_API = "external-secrets.io/v1"
REFRESH_INTERVAL = "1h"
# The key the chart mounts as git-sync's private key (`dags.gitSync.sshKeySecret`).
GIT_SSH_KEY = "gitSshKey"


class ChartSecret(NamedTuple):
    """One Kubernetes Secret the chart reads: its name, and each key's remote secret name."""

    name: str
    keys: dict[str, str]


def chart_secrets(env: DeployEnvironmentSection) -> list[ChartSecret]:
    """The Secrets the chart needs in this environment (names as in the Helm values)."""
    secrets = [
        ChartSecret("airflow-metadata-db", {"connection": env.metadata_db_secret}),
        ChartSecret("airflow-fernet-key", {"fernet-key": env.fernet_key_secret}),
        ChartSecret("airflow-api-secret-key", {"api-secret-key": env.api_secret_key_secret}),
        ChartSecret("airflow-jwt-secret", {"jwt-secret": env.jwt_secret_secret}),
    ]
    if env.pgbouncer:
        secrets += [
            ChartSecret(
                "airflow-pgbouncer-config",
                {"pgbouncer.ini": "airflow-pgbouncer-ini", "users.txt": "airflow-pgbouncer-users"},
            ),
            ChartSecret("airflow-pgbouncer-stats", {"connection": "airflow-pgbouncer-stats-url"}),
        ]
    if env.dags == "git-sync" and env.git_over_ssh:
        secrets.append(ChartSecret(env.git_ssh_key_secret, {GIT_SSH_KEY: env.git_ssh_key_remote}))
    if env.auth_manager == "keycloak":
        secrets.append(
            ChartSecret(env.keycloak_client_secret_secret, {"client-secret": "airflow-keycloak"})
        )
    return secrets


def external_secret(secret: ChartSecret, env: DeployEnvironmentSection) -> dict:
    """The ExternalSecret manifest that creates and refreshes `secret` in the namespace."""
    return {
        "apiVersion": EXTERNAL_SECRETS_API,
        "kind": "ExternalSecret",
        "metadata": {
            "name": secret.name,
            "namespace": env.namespace,
            "labels": {"app.kubernetes.io/managed-by": "dagyard"},
        },
        "spec": {
            "refreshInterval": REFRESH_INTERVAL,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": env.secret_store},
            "target": {"name": secret.name, "creationPolicy": "Owner"},
            "data": [
                {"secretKey": key, "remoteRef": {"key": remote}}
                for key, remote in secret.keys.items()
            ],
        },
    }


def external_secrets(env: DeployEnvironmentSection) -> list[dict]:
    """Every ExternalSecret manifest of the environment."""
    return [external_secret(secret, env) for secret in chart_secrets(env)]
