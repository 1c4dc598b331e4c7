"""Imports of Airflow names that the installed Airflow 3 does not have, with where they went.

A file that imports such a name fails to load; finding it before loading tells the author which
line to change and, when the installed Airflow defines the same name elsewhere, where it lives.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import warnings
from functools import cache
from pathlib import Path

from dagyard.migrate.findings import Finding
from dagyard.parsing.missing_module import install_hint, package_for

# Names Airflow 3 removed together with what they served, and what takes their place.
REMOVED_NAMES = {
    "SlaMiss": "SLAs and their table are gone in Airflow 3: for a late-run alert give the DAG a "
    "deadline alert (`deadline=DeadlineAlert(...)`), and drop the code that read SLA misses.",
}


def missing_airflow_imports(code: str) -> list[Finding]:
    """A finding for every `from airflow… import name` that Airflow 3 cannot satisfy."""
    findings = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module.split(".")[0] != "airflow":
            continue
        for alias in node.names:
            if alias.name == "*" or _importable(node.module, alias.name):
                continue
            findings.append(_finding(node.module, alias.name, node.lineno))
    return findings


def _finding(module: str, name: str, line: int) -> Finding:
    provider = _missing_provider(module)
    if provider is not None:
        return Finding(
            "DYM06",
            line,
            f"`{module}` comes from the provider package {package_for(provider)}, which this "
            "repository does not install",
            install_hint([provider]) + ".",
        )
    if module.startswith("airflow.api.common"):
        hint = (
            "task code cannot call Airflow's internal API in Airflow 3 (it reaches the metadata "
            "database directly): trigger a DAG with TriggerDagRunOperator, or call the REST API "
            "(POST /api/v2/dags/{dag_id}/dagRuns)."
        )
    elif name in REMOVED_NAMES:
        hint = REMOVED_NAMES[name]
    elif homes := defined_in(name):
        hint = f"import it from {' or '.join(homes[:3])} instead."
    else:
        hint = (
            "Airflow 3 has no replacement under that name; copy the small helper into your "
            "repository or rewrite the code that uses it."
        )
    return Finding("DYM06", line, f"Airflow 3 has no `{name}` in `{module}`", hint)


def _missing_provider(module: str) -> str | None:
    """The provider module of `module` (`airflow.providers.amazon.aws.hooks.s3` ->
    `airflow.providers.amazon`) when that provider is not installed, else None."""
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != ["airflow", "providers"]:
        return None
    provider = ".".join(parts[:3])
    return None if importlib.util.find_spec(provider) is not None else provider


@cache
def _importable(module: str, name: str) -> bool:
    """What `from module import name` does: the attribute, else the submodule. Airflow keeps
    some old names as aliases that only an import creates (`from airflow.utils import
    timezone`), so asking for the attribute or the module spec is not enough."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loaded = importlib.import_module(module)
        except Exception:
            return False
        try:
            getattr(loaded, name)
            return True
        except AttributeError:
            pass
        try:
            importlib.import_module(f"{module}.{name}")
            return True
        except Exception:
            return False


@cache
def _airflow_sources() -> tuple[tuple[str, str], ...]:
    spec = importlib.util.find_spec("airflow")
    if spec is None or not spec.submodule_search_locations:
        return ()
    root = Path(next(iter(spec.submodule_search_locations)))
    sources = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "example_dags" in path.parts:
            continue
        module = ".".join(("airflow", *path.relative_to(root).with_suffix("").parts))
        try:
            sources.append((module.removesuffix(".__init__"), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return tuple(sorted(sources))


@cache
def defined_in(name: str) -> list[str]:
    """Public modules of the installed Airflow that define `name` (a class, function or
    constant), shortest first."""
    pattern = re.compile(rf"^(class|def)\s+{re.escape(name)}\b|^{re.escape(name)}\s*[:=]", re.M)
    found = [
        module
        for module, text in _airflow_sources()
        if pattern.search(text) and not any(part.startswith("_") for part in module.split("."))
    ]
    return sorted(found, key=len)
