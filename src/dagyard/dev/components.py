"""The Airflow components `dagyard dev` runs, as functions a forked child calls.

`preload()` imports, in the parent, everything the components share, so each forked child
starts with Airflow already imported (the expensive part of starting any Airflow process).
"""

from __future__ import annotations

import gc
import os
import socket

from dagyard.dev.supervisor import Component


def preload() -> None:
    """Import Airflow and the modules every component needs, then freeze them for sharing."""
    import airflow
    import airflow.api_fastapi.app
    import airflow.cli.cli_parser
    import airflow.dag_processing.manager
    import airflow.executors.local_executor
    import airflow.jobs.scheduler_job_runner
    import airflow.providers.standard.operators.python  # noqa: F401
    import uvicorn  # noqa: F401
    from airflow import settings

    if settings.engine is not None:
        settings.engine.dispose()
    gc.collect()
    gc.freeze()


def api_server(name: str, sock: socket.socket, apps: str) -> Component:
    """The API server (`apps`: "core" for REST API + UI, "execution" for the task API)."""

    def run() -> None:
        import uvicorn

        os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "server"
        os.environ["AIRFLOW_API_APPS"] = apps
        from airflow.api_fastapi.app import create_app

        app = create_app(apps=apps)
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        uvicorn.Server(config).run(sockets=[sock])

    return Component(name, run)


def airflow_command(name: str, *argv: str) -> Component:
    """An Airflow CLI command (`scheduler`, `dag-processor`, `triggerer`) run in-process."""

    def run() -> None:
        from airflow.cli.cli_parser import get_parser

        args = get_parser().parse_args(list(argv))
        args.func(args)

    return Component(name, run)
