"""Start-up helpers: the garbage collector is paused and restored; endpoint analysis is shared."""

from __future__ import annotations

import gc

from dagyard.startup import long_lived_objects, remember_endpoint_signatures


def test_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with long_lived_objects():
        assert not gc.isenabled()
        kept = [[n] for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    gc.unfreeze()


def test_collector_stays_off_when_it_was_off():
    gc.disable()
    try:
        with long_lived_objects():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


class PageSize:
    def __call__(self, limit: int = 10) -> int:
        return limit


class Unhashable(PageSize):
    __hash__ = None  # type: ignore[assignment]


def test_signatures_are_analysed_once_and_unhashable_callables_still_work():
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
