"""Every error dagyard raises is a DagyardError, shown by the command line one way."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import typer

import dagyard
from dagyard.cli._common import fail_with
from dagyard.errors import DagyardError


def _dagyard_modules():
    for module in pkgutil.walk_packages(dagyard.__path__, "dagyard."):
        if module.name.endswith("__main__") or ".templates." in module.name:
            continue
        yield importlib.import_module(module.name)


# Exceptions that are signals inside dagyard or raised into DAG code, never shown to a person.
CONTROL_FLOW = {"dagyard.dev.session.Shutdown", "dagyard.parsing.sandbox.SandboxError"}


def test_every_error_class_of_dagyard_is_a_dagyard_error():
    errors = {
        f"{cls.__module__}.{cls.__qualname__}": cls
        for module in _dagyard_modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == module.__name__
    }
    assert len(errors) >= 10
    strays = [name for name, cls in sorted(errors.items()) if not issubclass(cls, DagyardError)]
    assert [name for name in strays if name not in CONTROL_FLOW] == []


def test_the_command_line_shows_what_is_wrong_and_what_to_do(capsys):
    with pytest.raises(typer.Exit) as stopped:
        fail_with(DagyardError("dags/x.py:3 is broken", "fix line 3"), code=2)
    assert stopped.value.exit_code == 2
    shown = capsys.readouterr().err
    assert "error: dags/x.py:3 is broken" in shown and "hint: fix line 3" in shown
