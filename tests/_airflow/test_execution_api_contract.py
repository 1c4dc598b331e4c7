"""The task execution API dagyard serves to its own tasks matches Airflow's newest version."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)


def _routes(routes) -> dict[tuple[str, str], object]:
    from fastapi.routing import APIRoute

    return {
        (route.path, method): route
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


@pytest.fixture(scope="module")
def airflow_newest_routes():
    from airflow.api_fastapi.execution_api.app import create_task_execution_api_app
    from airflow.api_fastapi.execution_api.versions import bundle

    app = create_task_execution_api_app()
    app._cadwyn_initialize()
    return _routes(app.router.versioned_routers[bundle.versions[0].value].routes)


def test_the_installed_task_sdk_speaks_the_newest_version():
    from dagyard._airflow.execution_api import task_sdk_speaks_newest

    assert task_sdk_speaks_newest()


def test_same_routes_as_airflow_at_the_newest_version(airflow_newest_routes):
    from dagyard._airflow.execution_api import newest_version_app

    ours = _routes(newest_version_app().routes)
    assert len(airflow_newest_routes) > 40
    assert set(ours) == set(airflow_newest_routes)


def test_same_request_and_response_models_as_airflow(airflow_newest_routes):
    from dagyard._airflow.execution_api import newest_version_app

    ours = _routes(newest_version_app().routes)
    compared = 0
    for key, theirs in airflow_newest_routes.items():
        mine = ours[key]
        if theirs.response_model is not None:
            assert _schema(mine.response_model) == _schema(theirs.response_model), key
            compared += 1
        assert _body_schema(mine) == _body_schema(theirs), key
    assert compared > 20


def _schema(model) -> dict:
    from pydantic import TypeAdapter

    return TypeAdapter(model).json_schema()


def _body_schema(route) -> dict | None:
    body = route.body_field
    return None if body is None else _schema(body.field_info.annotation)
