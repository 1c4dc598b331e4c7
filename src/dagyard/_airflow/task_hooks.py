"""A check that runs just before a task executes, added to a task that is already built.

`BaseOperator(pre_execute=...)` takes a function that the task runner calls with the task's
context right before `execute`; an exception there ends the try as if `execute` raised it
(`AirflowFailException`: failed, without retries). Airflow keeps that function in the private
`BaseOperator._pre_execute_hook`. The cluster policy sees tasks only after they are built, so it
sets that attribute, keeping (and running first) a function the DAG gave. The contract test runs
a task through Airflow's task runner and checks the order and the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], None]


def add_pre_execute_check(task: Any, check: Check) -> None:
    """Run `check(context)` just before `task` executes, after the task's own `pre_execute`.

    Adding the same check twice (the policy runs at every parse of the file) adds it once.
    """
    given = getattr(task, "_pre_execute_hook", None)
    if given is check or check in getattr(given, "dagyard_checks", ()):
        return
    if given is None:
        task._pre_execute_hook = check
        return

    def given_then_check(context: Any) -> None:
        given(context)
        check(context)

    given_then_check.dagyard_checks = (*getattr(given, "dagyard_checks", ()), check)
    task._pre_execute_hook = given_then_check


def pre_execute_hook(task: Any) -> Check | None:
    """The function `task` runs just before it executes (its `pre_execute=` argument), if any."""
    return getattr(task, "_pre_execute_hook", None)
