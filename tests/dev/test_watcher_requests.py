"""A re-parse request that fails never ends `dagyard dev`: the watcher falls back and carries on."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from dagyard.airflow_env import Bundle
from dagyard.dev import watcher as watcher_module
from dagyard.dev.watcher import DagFileWatcher


class FailingApi:
    """The local API answering every re-parse request with a server error."""

    def __init__(self) -> None:
        self.calls = 0

    def reparse(self, file_token: str) -> bool:
        self.calls += 1
        request = httpx.Request("PUT", "http://127.0.0.1/api/v2/parseDagFile/x")
        response = httpx.Response(500, request=request)
        raise httpx.HTTPStatusError("500", request=request, response=response)


@pytest.fixture
def watcher(tmp_path: Path) -> DagFileWatcher:
    folder = tmp_path / "dags" / "_development"
    folder.mkdir(parents=True)
    (folder / "report.py").write_text("x = 1\n")
    return DagFileWatcher(
        [Bundle("dev", folder)], tmp_path / "dags", FailingApi(), "key", print, tmp_path
    )


def test_a_failed_api_request_falls_back_to_a_priority_parse(watcher, monkeypatch):
    queued = []
    monkeypatch.setattr(watcher_module, "request_priority_parse", lambda *a: queued.append(a))
    assert watcher.request_parse(watcher.bundles[0].path / "report.py")
    assert queued == [("dev", "report.py")]
    assert watcher.api.calls == 1


def test_when_both_ways_fail_the_watcher_says_so_and_does_not_raise(watcher, monkeypatch):
    def locked(*_):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(watcher_module, "request_priority_parse", locked)
    assert watcher.request_parse(watcher.bundles[0].path / "report.py") is False
