"""FastAPI's endpoint analysis is shared between routers, and FastAPI is left as it was."""

from __future__ import annotations

import pytest

from dagyard._airflow.endpoint_signatures import remember_endpoint_signatures


@pytest.fixture
def fastapi_restored():
    from fastapi.dependencies import utils

    original = utils.get_typed_signature
    yield
    utils.get_typed_signature = original


class PageSize:
    def __call__(self, limit: int = 10) -> int:
        return limit


class Unhashable(PageSize):
    __hash__ = None  # type: ignore[assignment]


def test_signatures_are_analysed_once_and_unhashable_callables_still_work(fastapi_restored):
    from fastapi import Depends, FastAPI
    from fastapi.dependencies import utils
    from fastapi.testclient import TestClient

    remember_endpoint_signatures()
    remember_endpoint_signatures()  # a second call does not wrap twice
    assert not hasattr(utils.get_typed_signature.__wrapped__, "__wrapped__")

    def items(offset: int = 0, limit: int = Depends(PageSize())) -> dict:
        return {"offset": offset, "limit": limit}

    assert utils.get_typed_signature(items) is utils.get_typed_signature(items)
    assert list(utils.get_typed_signature(Unhashable()).parameters) == ["limit"]
    app = FastAPI()
    app.get("/items")(items)
    response = TestClient(app).get("/items", params={"offset": 3, "limit": 5})
    assert response.json() == {"offset": 3, "limit": 5}
