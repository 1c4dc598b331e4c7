"""The files of a new DAG repository, rendered from the template shipped inside dagyard.

The template lives in `dagyard/templates/repo/` (package data, so it is in the wheel). Names
starting with `dot-` become dot-files (`dot-gitignore` -> `.gitignore`) and a `.tmpl` suffix is
dropped (`pyproject.toml.tmpl`), so that no tool mistakes a template for its own settings.
`{{name}}` markers are replaced by the repository's settings: `{{org}}` by the organisation's
name as typed, where people read it (titles, comments); `{{org_in_quotes}}` by the same name
escaped for a double-quoted TOML or Python string, so that no name can end the string early;
`{{project_name}}` and `{{package_name}}` by its slug, where tools read it.
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

from dagyard.scaffold.org_name import OrgName
from dagyard.scaffold.source import DagyardSource, ScaffoldError, pyproject_sources

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_MARKER = re.compile(r"\{\{([a-z_]+)\}\}")


class RepoSettings(NamedTuple):
    """What makes a new repository its organisation's: name, owners' domain, dagyard source."""

    org: OrgName
    email_domain: str
    source: DagyardSource


def check_domain(domain: str) -> str:
    """`domain` (lower-cased, without a leading `@`) if it is an e-mail domain."""
    domain = domain.strip().lstrip("@").lower()
    if not _DOMAIN.match(domain):
        raise ScaffoldError(
            f"{domain!r} is not an e-mail domain",
            "give the part after the @ of the owners' addresses, for example acme.com",
        )
    return domain


def template_root() -> Traversable:
    """The repository template inside the installed dagyard."""
    return resources.files("dagyard.templates") / "repo"


def _version(dist: str) -> str:
    return metadata.version(dist)


def package_name(org: OrgName) -> str:
    """The new repository's Python package name: the organisation's slug and `-dags`."""
    return f"{org.slug}-dags"


def _in_quotes(text: str) -> str:
    """`text` escaped to go between double quotes in TOML or Python (JSON's escapes are both's)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _values(settings: RepoSettings) -> dict[str, str]:
    dagyard_version = _version("dagyard")
    pinned_by_version = settings.source.kind in ("index", "wheels")
    org = settings.org
    return {
        "org": org.display,
        "org_in_quotes": _in_quotes(org.display),
        "project_name": org.slug,
        "package_name": package_name(org),
        "email_domain": settings.email_domain,
        "airflow_version": _version("apache-airflow"),
        "uv_version": _version("uv"),
        "dagyard_requirement": f"dagyard=={dagyard_version}" if pinned_by_version else "dagyard",
        "dagyard_sources": pyproject_sources(settings.source),
    }


def _fill(text: str, values: dict[str, str], name: str) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:  # a template bug, not a user error
            raise KeyError(f"{name}: unknown template marker {{{{{key}}}}}")
        return values[key]

    return _MARKER.sub(replace, text)


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    files = []
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        if child.name in ("__pycache__",) or child.name.endswith(".pyc"):
            continue
        name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
        name = name.removesuffix(".tmpl")
        if child.is_dir():
            files += _walk(child, (*prefix, name))
        else:
            files.append(((*prefix, name), child.read_text(encoding="utf-8")))
    return files


def render(target: Path, settings: RepoSettings) -> list[Path]:
    """Write the template into `target` (which must be empty or absent); returns the files."""
    values = _values(settings)
    written = []
    for parts, text in _walk(template_root()):
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(text, values, "/".join(parts)), encoding="utf-8")
        written.append(path)
    return written
