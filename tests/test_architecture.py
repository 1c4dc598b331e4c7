"""The package's shape: no module of dagyard imports, directly or through others, itself.

Imports inside functions count too: a cycle hidden in a function still breaks on the day the
import order changes.
"""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(tree: ast.AST, package: str) -> set[str]:
    """Every dotted name `tree` imports, relative imports made absolute."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """dagyard's modules and which imports which (importing a parent package is not counted)."""
    files = {_module_name(path): path for path in SOURCE.rglob("*.py")}
    graph: dict[str, set[str]] = {module: set() for module in files}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8")), package):
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(f"{name}."):
                graph[module].add(name)
    return graph


def test_no_module_of_dagyard_imports_itself_through_others():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_the_graph_sees_imports_made_inside_functions():
    graph = import_graph()
    assert "dagyard.quantities" in graph["dagyard.config"]
    assert "dagyard.security.rbac" in graph["dagyard.policy"]  # imported inside dag_policy
    graph["dagyard.quantities"].add("dagyard.resources")
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        assert "dagyard.quantities" in error.args[1]
    else:
        raise AssertionError("a cycle added by hand went unseen")


# docs/architecture.md's layers, bottom to top; a module belongs to the longest prefix it has.
LAYERS = [
    (
        "plain values",
        ["dagyard.errors", "dagyard.quantities", "dagyard.paths", "dagyard.addresses"],
    ),
    ("the project", ["dagyard.config", "dagyard.config_problems", "dagyard.workspace"]),
    (
        "Airflow settings and API",
        ["dagyard.airflow_env", "dagyard.airflow_api", "dagyard.resources"],
    ),
    ("Airflow internals", ["dagyard._airflow"]),
    ("capabilities", ["dagyard"]),
    ("command line", ["dagyard.cli"]),
]


def layer_of(module: str) -> int:
    """The index in LAYERS of the layer `module` belongs to."""
    matches = [
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(f"{prefix}.")
    ]
    return max(matches)[1]


def test_no_layer_imports_a_layer_above_it():
    graph = import_graph()
    upward = sorted(
        f"{module} ({LAYERS[layer_of(module)][0]}) -> {name} ({LAYERS[layer_of(name)][0]})"
        for module, names in graph.items()
        for name in names
        if layer_of(name) > layer_of(module)
    )
    assert upward == []


def test_the_layer_check_sees_an_upward_import():
    assert layer_of("dagyard._airflow.dag_importers") > layer_of("dagyard.resources")
    assert layer_of("dagyard.pipelines.load") > layer_of("dagyard._airflow.dag_importers")
    assert layer_of("dagyard.cli._common") > layer_of("dagyard.pipelines")


def test_commands_share_only_the_cli_helpers_and_nothing_below_imports_the_cli():
    graph = import_graph()
    helpers = {"dagyard.cli", "dagyard.cli._common", "dagyard.cli._target"}
    crossing = sorted(
        f"{module} -> {name}"
        for module, names in graph.items()
        for name in names
        if name.startswith("dagyard.cli")
        and name not in helpers
        and module != "dagyard.cli"  # the entry point lists the commands
    )
    assert crossing == []


PRIVATE_NAME = re.compile(
    r"^\s*(?:from|import)\s+(?:airflow|cadwyn|fastapi)[\w.]*\._|"
    r"^\s*from\s+(?:airflow|cadwyn|fastapi)[\w.]*\s+import\s+_|_BaseOperator__|"
    r"[\"'/]_shared/",  # a path into Airflow's private packages
    re.M,
)


def test_private_airflow_names_are_used_only_by_the_adapters():
    users = sorted(
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if PRIVATE_NAME.search(path.read_text(encoding="utf-8")) and path.parent.name != "_airflow"
    )
    assert users == []


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_the_cluster_policy_loads_no_http_client_at_parse_time():
    """`policy` runs in every Airflow component at every DAG parse: it needs the role model,
    never the REST clients that sync roles or read audit logs."""
    graph = import_graph()
    loaded = _reachable(graph, "dagyard.policy")
    assert "dagyard.security.rbac" in loaded
    assert not loaded & {
        "dagyard.security.rbac_sync",
        "dagyard.security.audit",
        "dagyard.alerts.source",
    }
    sources = {module: (SOURCE / (module.replace(".", "/") + ".py")) for module in loaded}
    with_http = sorted(
        module
        for module, path in sources.items()
        if path.is_file() and re.search(r"^\s*import httpx|^\s*from httpx", path.read_text(), re.M)
    )
    assert with_http == []


def test_only_the_rules_use_the_rules_private_modules():
    graph = import_graph()
    private = sorted(
        f"{module} -> {name}"
        for module, names in graph.items()
        for name in names
        if name.startswith("dagyard.rules._") and not module.startswith("dagyard.rules")
    )
    assert private == []
