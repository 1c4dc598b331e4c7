"""Tests of the DAGs' shared code (run by `make test` and CI, after `dagyard check`)."""

from common.greetings import greeting


def test_greeting_names_the_total():
    assert greeting(14).endswith("The total is 14.")
