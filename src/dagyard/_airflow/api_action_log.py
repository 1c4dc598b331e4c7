"""Airflow's audit log of REST API actions, written without stalling the local API server.

Airflow records each changing API request (trigger, pause, parse a file, ...) in its `log` table
from an `async` dependency that commits on the server's event loop. On SQLite, where a single
writer holds the whole database, that commit can wait for another request's transaction to
finish, while that request waits for the event loop to send its response: both stall until
SQLite gives up after 5 s, and one of them fails with "database is locked". (Seen with
`dagyard dev`: a DAG triggered in the UI while a save re-parses a file.)

`write_action_log_in_a_thread()` makes the API server record the same log entry, through
Airflow's own dependency, in a worker thread. It must run before Airflow's route modules are
imported, that is before `create_app`.
"""

# No `from __future__ import annotations`: FastAPI reads the dependency's annotations as objects.
import asyncio
import functools
import sys
from collections.abc import Callable
from typing import Any

_ROUTE_MODULES = "airflow.api_fastapi.core_api.routes"


def write_action_log_in_a_thread() -> bool:
    """Wrap Airflow's `action_logging` dependency; False if the routes were already built."""
    from airflow.api_fastapi.logging import decorators

    if any(name.startswith(_ROUTE_MODULES) for name in sys.modules):
        return False
    if getattr(decorators.action_logging, "__wrapped__", None) is None:
        decorators.action_logging = _in_a_thread(decorators.action_logging)
    return True


def _in_a_thread(action_logging: Callable[..., Any]) -> Callable[..., Any]:
    from airflow.api_fastapi.common.db.common import SessionDep
    from airflow.api_fastapi.core_api.security import GetUserDep
    from fastapi import Request
    from starlette.concurrency import run_in_threadpool

    @functools.wraps(action_logging)
    def make(event: str | None = None) -> Callable[..., Any]:
        log_action = action_logging(event)

        async def log_action_in_a_thread(
            request: Request, session: SessionDep, user: GetUserDep
        ) -> None:
            await request.body()  # read here, on the server's loop; the copy below reuses it
            await run_in_threadpool(asyncio.run, log_action(request, session, user))

        return log_action_in_a_thread

    return make
