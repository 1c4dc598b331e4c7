"""The task execution API that `dagyard dev` and `dagyard run` serve to their own tasks.

Airflow builds this API with Cadwyn for every version it has ever published (twelve in 3.3),
several seconds of CPU before the first task can start. Tasks that dagyard starts always come
from the same installed Airflow, so they speak exactly one version: the newest. `create_app()`
serves Airflow's own routes, models, dependencies and middlewares at that version only, as a
plain FastAPI app. Should the installed Task SDK ever speak another version, it falls back to
Airflow's full versioned app. Left out: Airflow's OpenTelemetry trace-context dependency (local
runs export no traces) and the access log of every task request.
"""

from __future__ import annotations

from typing import Any


def task_sdk_speaks_newest() -> bool:
    """Whether the installed Task SDK asks for the newest version the execution API has."""
    from airflow.api_fastapi.execution_api.versions import bundle
    from airflow.sdk.api.datamodels._generated import API_VERSION

    return bundle.versions[0].value == API_VERSION


def create_app() -> Any:
    """The API server app for tasks: `/execution` at the Task SDK's version, nothing else."""
    from airflow.api_fastapi.app import create_app as create_airflow_app
    from airflow.api_fastapi.app import lifespan
    from airflow.api_fastapi.common.dagbag import create_dag_bag
    from fastapi import FastAPI

    if not task_sdk_speaks_newest():
        app = create_airflow_app(apps="execution")
        warm_up_versioned_apps(app)
        return app
    app = FastAPI(title="Airflow API (dagyard, tasks only)", lifespan=lifespan)
    execution = newest_version_app()
    execution.state.dag_bag = create_dag_bag()
    app.mount("/execution", execution)
    return app


def warm_up_versioned_apps(app: Any) -> None:
    """Build the execution API's versioned routes now rather than on the first task's request.

    The task execution API generates its routes for every API version lazily, on the first
    request (several seconds on a laptop); doing it before serving keeps that off a task.
    """
    for route in getattr(app, "routes", []):
        mounted = getattr(route, "app", None)
        initialize = getattr(mounted, "_cadwyn_initialize", None)
        if initialize is not None and not getattr(mounted, "_cadwyn_initialized", True):
            initialize()


def newest_version_app() -> Any:
    """Airflow's task execution API routes at the newest version, without version routing."""
    from airflow.api_fastapi.common.exceptions import init_error_handlers
    from airflow.api_fastapi.execution_api import app as airflow_execution
    from airflow.api_fastapi.execution_api.routes import execution_api_router
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI(
        title="Airflow Task Execution API",
        lifespan=airflow_execution.lifespan,
        generate_unique_id_function=lambda route: route.name,
    )
    app.add_middleware(airflow_execution.CorrelationIdMiddleware)
    app.add_middleware(airflow_execution.JWTReissueMiddleware)
    app.include_router(newest_routes(execution_api_router))
    init_error_handlers(app)

    @app.exception_handler(Exception)
    def internal_error(request: Request, error: Exception) -> JSONResponse:
        airflow_execution.logger.exception(
            "Handle died with an error", exc_info=(type(error), error, error.__traceback__)
        )
        content = {"message": "Internal server error"}
        if correlation_id := request.headers.get("correlation-id"):
            content["correlation-id"] = correlation_id
        return JSONResponse(status_code=500, content=content)

    return app


def newest_routes(router: Any) -> Any:
    """A copy of Airflow's versioned router without the routes only older versions have."""
    from cadwyn.route_generation import _DELETED_ROUTE_TAG
    from fastapi import APIRouter

    current = APIRouter()
    current.routes = [
        route for route in router.routes if _DELETED_ROUTE_TAG not in getattr(route, "tags", [])
    ]
    return current
