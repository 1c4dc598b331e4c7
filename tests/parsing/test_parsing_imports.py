"""The repository's import graph: resolution, helpers, and the reverse walk."""

from __future__ import annotations

from pathlib import Path

from dagyard.parsing.imports import build_graph, dependents, imported_names, module_name, resolve


def write(root: Path, name: str, text: str = "") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path.resolve()


def test_imported_names_reads_every_form():
    text = (
        "import os, json as j\n"
        "from . import sibling\n"
        "from ..shared.tools import (a,\n    b as c)\n"
        "from common.defaults import default_args  # comment\n"
        "    import late\n"
        "from x import *\n"
    )
    names = imported_names(text, "team.sub.file", False)
    assert names == [
        "os",
        "json",
        "team.sub",
        "team.sub.sibling",
        "team.shared.tools",
        "team.shared.tools.a",
        "team.shared.tools.b",
        "common.defaults",
        "common.defaults.default_args",
        "late",
        "x",
    ]


def test_relative_import_beyond_top_is_ignored():
    assert imported_names("from ... import x\n", "a.b", False) == []


def test_resolve_returns_module_and_parent_packages(tmp_path):
    init = write(tmp_path, "common/__init__.py")
    mod = write(tmp_path, "common/defaults.py")
    assert resolve("common.defaults", [tmp_path]) == [init, mod]
    assert resolve("common", [tmp_path]) == [init]
    assert resolve("common.defaults.default_args", [tmp_path]) == []
    assert resolve("airflow.sdk", [tmp_path]) == []
    assert module_name(mod, [tmp_path]) == "common.defaults"
    assert module_name(init, [tmp_path]) == "common"


def test_dependents_follow_transitive_imports_only(tmp_path):
    dags = tmp_path / "dags"
    write(dags, "common/__init__.py")
    base = write(dags, "common/base.py", "X = 1\n")
    finance = write(dags, "common/finance.py", "from common.base import X\n")
    uses_finance = write(dags, "team/a.py", "from common.finance import convert\nimport airflow\n")
    uses_base = write(dags, "team/b.py", "from common import base\n")
    unrelated = write(dags, "team/c.py", "import os\n")
    files = [p for p in dags.rglob("*.py")]
    graph = build_graph(files, [dags])
    assert dependents(graph, [finance]) == {uses_finance}
    assert dependents(graph, [base]) == {finance, uses_finance, uses_base}
    assert unrelated not in graph.helpers()
    assert {base, finance} <= graph.helpers()
    assert "airflow" in graph.external[uses_finance]
    assert not any(name.startswith("common") for name in graph.external[uses_finance])
