"""Tests of the shared helpers the DAGs import (run by CI after `dagyard check`)."""

from datetime import timedelta

from common.defaults import default_args


def test_default_args_retry_twice_five_minutes_apart():
    args = default_args("data-mart@company.kr")
    assert args == {
        "owner": "data-mart@company.kr",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
    }


def test_retries_can_be_changed_per_dag():
    assert default_args("crawling@company.kr", retries=0)["retries"] == 0
