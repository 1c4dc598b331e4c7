"""Where Airflow 2 moved its old import paths: `airflow.contrib.*`, `airflow.operators.*_operator`,
`airflow.hooks.*_hook`, ….

Airflow 2 itself declares every such move in `__deprecated_classes` tables in its package
`__init__` files. dagyard ships those tables, read once from the Airflow 2 wheel
(`airflow2_moves.json`), and `moves_from_airflow2_source` reads them again from an installed
Airflow 2 so a test can prove the shipped copy is complete.
"""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path
from typing import NamedTuple

SHIPPED_TABLE = Path(__file__).with_name("airflow2_moves.json")


class Move(NamedTuple):
    """An old `module.Name` and the path Airflow 2 itself points it to."""

    module: str
    name: str


@cache
def shipped_moves() -> dict[str, dict[str, str]]:
    """old module -> {old name: new dotted path}, as shipped with dagyard."""
    return json.loads(SHIPPED_TABLE.read_text())


def new_location(module: str, name: str) -> Move | None:
    """Where `from module import name` went in Airflow 2, or None when it did not move."""
    target = shipped_moves().get(module, {}).get(name)
    if target is None:
        return None
    new_module, _, new_name = target.rpartition(".")
    return Move(new_module, new_name)


def moved_modules() -> set[str]:
    """Every old module Airflow 2 keeps only as a forwarding shim."""
    return set(shipped_moves())


def moves_from_airflow2_source(site_packages: Path) -> dict[str, dict[str, str]]:
    """Read every `__deprecated_classes` table from an installed Airflow 2's source files."""
    table: dict[str, dict[str, str]] = {}
    for init in sorted((site_packages / "airflow").rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        package = ".".join(init.parent.relative_to(site_packages).parts)
        for node in tree.body:
            target = (
                node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            )
            if not (isinstance(target, ast.Name) and target.id == "__deprecated_classes"):
                continue
            for submodule, names in ast.literal_eval(node.value).items():
                table[f"{package}.{submodule}"] = dict(sorted(names.items()))
    return dict(sorted(table.items()))
