"""Which Airflow a command talks to, and with which token (`dagyard alerts`, `dagyard status`).

The URL is `--airflow-url`, else `[alerts] airflow_url` in dagyard.toml, else the `dagyard dev`
running for this project. The token is `$DAGYARD_AIRFLOW_TOKEN`, else one minted by a local
Airflow that treats every request as an admin (`dagyard dev`).
"""

from __future__ import annotations

import os
from typing import Annotated, NamedTuple

import httpx
import typer

from dagyard.alerts.settings import AIRFLOW_TOKEN_ENV
from dagyard.cli._common import EXIT_USAGE, fail
from dagyard.config import Config
from dagyard.dev.client import LocalApi
from dagyard.workspace import RunningState, Workspace, read_running_state

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--airflow-url",
        help="Airflow's URL (default: \\[alerts] airflow_url, else the running `dagyard dev`).",
    ),
]


class Target(NamedTuple):
    """An Airflow to read: its URL, a bearer token, and the local session when it is one."""

    url: str
    token: str
    local: RunningState | None


def airflow_target(
    config: Config, airflow_url: str | None, what: str, *, silent_if_down: bool = False
) -> Target:
    """Resolve URL and token as described above, or exit 2 saying what to set.

    `what` completes "no Airflow to ..." in the error (e.g. "read failures from"). An Airflow
    that does not answer when a local token is needed exits 1, unless `silent_if_down`: then
    the token is empty and the caller reports the Airflow as unreachable itself.
    """
    url = airflow_url or config.alerts.airflow_url
    running = read_running_state(Workspace(config.root))
    if not url:
        if running is None:
            fail(
                f"no Airflow to {what}",
                "set [alerts] airflow_url in dagyard.toml (and a service-account token in "
                f"${AIRFLOW_TOKEN_ENV}), pass --airflow-url, or start `dagyard dev`",
                code=EXIT_USAGE,
            )
        url = running.url
    url = url.rstrip("/")
    local = running if running is not None and running.url.rstrip("/") == url else None
    token = os.environ.get(AIRFLOW_TOKEN_ENV, "") or _local_token(url, silent_if_down)
    return Target(url, token, local)


def _local_token(url: str, silent_if_down: bool) -> str:
    """A token from a local Airflow that treats every request as an admin (`dagyard dev`)."""
    api = LocalApi(url)
    try:
        return api.token()
    except httpx.TransportError as error:
        if silent_if_down:
            return ""
        fail(
            f"Airflow at {url} does not answer ({error.__class__.__name__})",
            "check that it is running (`dagyard dev status` for the one on this laptop)",
        )
    except httpx.HTTPError:
        fail(
            f"no token for Airflow at {url}",
            f"set ${AIRFLOW_TOKEN_ENV} to a service-account token for that Airflow",
            code=EXIT_USAGE,
        )
    finally:
        api.close()
