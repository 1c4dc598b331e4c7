"""`dagyard secrets push`: local connections and variables into GCP Secret Manager for production.

Airflow's `CloudSecretManagerBackend` reads them there; the names follow its default prefixes
and separator, so what a DAG reads on a laptop it reads in production under the same id.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal, NamedTuple

from dagyard.config import Config
from dagyard.security.secrets import Entry, SecretsError, as_uri_or_json

ENDPOINT_VARIABLE = "DAGYARD_SECRET_MANAGER_ENDPOINT"
SEPARATOR = "-"  # CloudSecretManagerBackend's default `sep`


def _environment(config: Config, env_name: str) -> Any:
    env = config.deploy.environments.get(env_name)
    if env is None:
        known = ", ".join(sorted(config.deploy.environments)) or "none yet"
        raise SecretsError(
            f"dagyard.toml has no environment {env_name!r} (known: {known})",
            f"describe it under [deploy.environments.{env_name}], with secret_manager_project",
        )
    return env


class PushResult(NamedTuple):
    """What `push` did to one secret: created, updated (new version) or unchanged."""

    secret: str
    action: Literal["created", "updated", "unchanged"]


def secret_id(config: Config, env_name: str, entry: Entry) -> str:
    """The Secret Manager id Airflow's backend looks up for `entry`: `{prefix}-{name}`."""
    env = _environment(config, env_name)
    prefix = env.connections_prefix if entry.kind == "connection" else env.variables_prefix
    sid = f"{prefix}{SEPARATOR}{entry.name}"
    if not all(c.isalnum() or c in "_-" for c in sid) or len(sid) > 255:
        raise SecretsError(
            f"{entry.kind} {entry.name!r} cannot be stored in Secret Manager as {sid!r}",
            "Secret Manager names allow only letters, digits, `_` and `-`; rename the entry",
        )
    return sid


def secret_payload(entry: Entry) -> str:
    """The text stored in Secret Manager: a connection URI or JSON, or the variable value."""
    if entry.kind == "connection":
        return as_uri_or_json(entry.value)
    return entry.value if isinstance(entry.value, str) else json.dumps(entry.value)


def secret_manager_client() -> Any:
    """A Secret Manager client: Google's default credentials, or a local endpoint for tests.

    With `DAGYARD_SECRET_MANAGER_ENDPOINT=http://127.0.0.1:PORT` the client speaks REST to that
    address without credentials (an emulator or a test server).
    """
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import secretmanager

    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        return secretmanager.SecretManagerServiceClient(
            credentials=AnonymousCredentials(),
            transport="rest",
            client_options={"api_endpoint": endpoint},
        )
    try:
        return secretmanager.SecretManagerServiceClient()
    except DefaultCredentialsError:
        raise SecretsError(
            "no Google Cloud credentials found on this computer",
            "run `gcloud auth application-default login` with an account allowed to add "
            "secret versions, then try again",
        ) from None


def push(
    config: Config, env_name: str, entry: Entry, *, dry_run: bool = False, client: Any = None
) -> PushResult:
    """Copy one local entry to GCP Secret Manager where Airflow's backend will find it.

    Creates the secret when missing and adds a version only when the value differs, so pushing
    twice changes nothing. `client` defaults to `secret_manager_client()`.
    """
    import requests
    from google.api_core import exceptions

    project = _environment(config, env_name).secret_manager_project
    if not project:
        raise SecretsError(
            f"dagyard.toml does not say which GCP project holds the secrets of {env_name!r}",
            f'add secret_manager_project = "my-gcp-project" under [deploy.environments.{env_name}]',
        )
    sid = secret_id(config, env_name, entry)
    payload = secret_payload(entry)
    name = f"projects/{project}/secrets/{sid}"
    client = client or secret_manager_client()
    try:
        try:
            client.get_secret(name=name)
            exists = True
        except exceptions.NotFound:
            exists = False
        if exists:
            try:
                current = client.access_secret_version(name=f"{name}/versions/latest")
                if current.payload.data.decode("utf-8") == payload:
                    return PushResult(sid, "unchanged")
            except (exceptions.NotFound, exceptions.FailedPrecondition):
                pass
        if dry_run:
            return PushResult(sid, "updated" if exists else "created")
        if not exists:
            client.create_secret(
                parent=f"projects/{project}",
                secret_id=sid,
                secret={"replication": {"automatic": {}}, "labels": {"managed-by": "dagyard"}},
            )
        client.add_secret_version(parent=name, payload={"data": payload.encode("utf-8")})
    except exceptions.Forbidden as error:  # PermissionDenied (gRPC) is a Forbidden
        raise SecretsError(
            f"Google Cloud refused access to {name}: {error.message}",
            "ask a platform admin for the Secret Manager Admin role on that project "
            "(or on that secret)",
        ) from None
    except exceptions.GoogleAPICallError as error:
        raise SecretsError(f"Secret Manager failed for {name}: {error.message}") from None
    except (exceptions.RetryError, requests.RequestException) as error:
        raise SecretsError(
            f"could not reach Secret Manager for {name}: {error}",
            "check your network connection (and proxy settings), then try again",
        ) from None
    return PushResult(sid, "updated" if exists else "created")
