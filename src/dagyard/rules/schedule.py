"""DY143 schedule: the schedule is a valid cron expression or preset, with the Airflow 3 name.

What it does
    Reports a `schedule="..."` text that is neither a preset (`@daily`, `@hourly`, `@once`, ...)
    nor a valid cron expression, and the Airflow 2 names `schedule_interval=` and `timetable=`,
    which Airflow 3 no longer accepts.

Why it matters
    A wrong schedule fails the whole file at parse time, or (with a typo that is still valid
    cron) runs at a time nobody expected.

Example
    DAG(dag_id="daily_sync", schedule_interval="0 25 * * *")

Fix
    DAG(dag_id="daily_sync", schedule="0 1 * * *")   # check it on https://crontab.guru
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from dagyard.parsing.source import keyword
from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY143"
NAME = "schedule"
SEVERITY = "error"
SUMMARY = "the schedule is not valid"

PRESETS = {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly"}
PRESETS |= {"@yearly", "@annually", "@midnight"}
RENAMED = {"schedule_interval": "schedule", "timetable": "schedule"}


def valid_cron(expression: str) -> bool:
    """True when `expression` is a preset or a cron expression Airflow accepts."""
    from croniter import croniter

    text = expression.strip()
    return text in PRESETS or croniter.is_valid(text)


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """Report invalid literal schedules and Airflow 2 schedule arguments.

    A file Airflow loaded without error has valid schedules; only the others are read.
    """
    if file.result is not None and not file.result.errors:
        return
    for call in file.source.dag_calls():
        for old, new in RENAMED.items():
            if keyword(call, old) is not None:
                yield Issue(
                    f"`{old}=` does not exist in Airflow 3",
                    f"rename it to `{new}=` (same value)",
                    file.path,
                    keyword(call, old).lineno,
                )
        value = keyword(call, "schedule")
        literal = isinstance(value, ast.Constant) and isinstance(value.value, str)
        if literal and not valid_cron(value.value):
            yield Issue(
                f"the schedule '{value.value}' is not a valid cron expression or preset",
                'use five fields "minute hour day month weekday" (e.g. "0 6 * * *") or a '
                "preset such as @daily; https://crontab.guru explains a cron line",
                file.path,
                value.lineno,
            )
