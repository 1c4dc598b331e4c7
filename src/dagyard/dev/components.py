"""The Airflow components `dagyard dev` runs, as functions a forked child calls.

`preload()` imports, in the parent, everything the components share, so each forked child
starts with Airflow already imported (the expensive part of starting any Airflow process).
"""

from __future__ import annotations

import contextlib
import os
import socket

from dagyard._airflow.endpoint_signatures import remember_endpoint_signatures
from dagyard.dev.supervisor import Component
from dagyard.startup import long_lived_objects


def preload(*, api_only: bool = False, tasks: bool = False) -> None:
    """Import Airflow and the modules the components need, then freeze them for sharing.

    `api_only` imports just what an API server needs. `tasks` also imports what reading a task
    back from the database and running it needs (`dagyard run` forks the task API only after
    this): DAG loading, rendered template fields, pools, and the Kubernetes models of the
    `pod_override` the local policy gives every task; otherwise the task API would import them
    while answering the first task.
    """
    with long_lived_objects():
        import airflow.api_fastapi.app
        import uvicorn  # noqa: F401
        from airflow import settings

        if not api_only:
            import airflow.cli.cli_parser
            import airflow.dag_processing.manager
            import airflow.executors.local_executor
            import airflow.jobs.scheduler_job_runner
            import airflow.providers.standard.operators.python
        if tasks or not api_only:
            import airflow.dag_processing.dagbag
            import airflow.jobs.job
            import airflow.models.pool
            import airflow.models.renderedtifields
            import airflow.sdk.bases.operatorlink
            import airflow.sdk.bases.skipmixin  # noqa: F401

            with contextlib.suppress(ImportError):
                import kubernetes.client.models  # noqa: F401

    if settings.engine is not None:
        settings.engine.dispose()


def api_server(name: str, sock: socket.socket, apps: str, *, nice: int = 0) -> Component:
    """The API server (`apps`: "core" for REST API + UI, "execution" for the task API).

    The task API is served at the one version dagyard's own tasks speak (see
    `execution_api`). `nice` lowers the priority of a server not needed for start-up to finish.
    """

    def run() -> None:
        import uvicorn

        if nice:
            os.nice(nice)
        os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "server"
        os.environ["AIRFLOW_API_APPS"] = apps
        config = uvicorn.Config(
            build_app(apps),
            log_config=None,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        uvicorn.Server(config).run(sockets=[sock])

    return Component(name, run, keeps=(sock.fileno(),))


def build_app(apps: str) -> object:
    """The app of one API server, with every route built before it serves a request."""
    remember_endpoint_signatures()
    with long_lived_objects():
        if apps == "execution":
            from dagyard._airflow import execution_api

            app = execution_api.create_app()
        else:
            from airflow.api_fastapi.app import create_app

            from dagyard._airflow.api_action_log import write_action_log_in_a_thread

            write_action_log_in_a_thread()
            app = create_app(apps=apps)
    return app


def airflow_command(name: str, *argv: str) -> Component:
    """An Airflow CLI command (`scheduler`, `dag-processor`, `triggerer`) run in-process."""

    def run() -> None:
        from airflow.cli.cli_parser import get_parser

        args = get_parser().parse_args(list(argv))
        args.func(args)

    return Component(name, run)
