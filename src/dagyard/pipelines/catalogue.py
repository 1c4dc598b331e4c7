"""Which templates a pipeline may use: the built-in ones and the repository's own.

The platform team's templates are Python classes in the repository's templates folder
(`[pipelines] templates_folder`, default `templates/`). Each `Template` subclass is known by
`name@vN`; a pipeline that writes `uses: name` gets the highest version.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from pathlib import Path
from typing import NamedTuple

from dagyard.errors import DagyardError
from dagyard.pipelines.errors import Problem, did_you_mean
from dagyard.pipelines.template import Template, TemplateConfig
from dagyard.pipelines.templates import BUILT_IN

_USES = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:@v(?P<version>\d+))?$")


class UnknownTemplate(DagyardError):
    """`uses:` names no template; `hint` says what to write instead."""


class Catalogue(NamedTuple):
    """Templates by name and version, and template files that could not be loaded."""

    templates: dict[str, dict[int, type[Template]]]
    broken: list[Problem]
    folder: Path | None = None

    def find(self, uses: str) -> type[Template]:
        """The template `uses` names (`name` or `name@vN`); raise `UnknownTemplate`."""
        match = _USES.match(str(uses).strip())
        if not match:
            raise UnknownTemplate(
                f"'{uses}' is not a template name",
                "write a template name, optionally pinned to a version: load_table@v2",
            )
        name, version = match.group("name"), match.group("version")
        versions = self.templates.get(name)
        if versions is None:
            broken = "".join(
                f" (note: the template file {p.file.name} could not be loaded: {p.message})"
                for p in self.broken
            )
            raise UnknownTemplate(
                f"there is no template '{name}'.{did_you_mean(name, self.templates)}{broken}",
                "`dagyard pipelines templates` lists the templates you can use",
            )
        if version is None:
            return versions[max(versions)]
        if int(version) not in versions:
            known = ", ".join(f"v{v}" for v in sorted(versions))
            raise UnknownTemplate(
                f"the template '{name}' has no version {version} (it has {known})",
                f"use one of {known}, e.g. uses: {name}@v{max(versions)}",
            )
        return versions[int(version)]

    def all(self) -> list[type[Template]]:
        """Every template, by name then version."""
        names = sorted(self.templates)
        return [self.templates[n][v] for n in names for v in sorted(self.templates[n])]


_cache: dict[Path, tuple[tuple, Catalogue]] = {}


def load_catalogue(folder: Path | None) -> Catalogue:
    """Built-in templates plus those of `folder` (reloaded when a file in it changed)."""
    files = _template_files(folder)
    key = tuple((f, f.stat().st_mtime_ns) for f in files)
    cache_key = folder.resolve() if folder else Path()
    cached = _cache.get(cache_key)
    if cached and cached[0] == key:
        return cached[1]
    templates: dict[str, dict[int, type[Template]]] = {}
    broken: list[Problem] = []
    for cls in BUILT_IN:
        templates.setdefault(cls.name, {})[cls.version] = cls
    for file in files:
        try:
            found = _templates_in(file, folder)
        except Exception as error:  # a broken template file must not hide the others
            broken.append(_load_problem(file, error))
            continue
        for cls in found:
            existing = templates.setdefault(cls.name, {}).get(cls.version)
            if existing is not None:
                broken.append(
                    Problem(
                        file,
                        1,
                        1,
                        cls.name,
                        f"the template {cls.reference()} is defined twice",
                        "give the new one a higher version (version = N) or another name",
                    )
                )
                continue
            templates[cls.name][cls.version] = cls
    catalogue = Catalogue(templates, broken, folder)
    _cache[cache_key] = (key, catalogue)
    return catalogue


def _template_files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    files = [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(p for p in files if not p.name.startswith("_"))


def _templates_in(file: Path, folder: Path) -> list[type[Template]]:
    relative = file.relative_to(folder).with_suffix("")
    name = "dagyard_templates." + ".".join(relative.parts)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    found = []
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Template)
            and value.__module__ == name
            and getattr(value, "name", None)
        ):
            if not (isinstance(value.Config, type) and issubclass(value.Config, TemplateConfig)):
                raise TypeError(
                    f"template {value.name!r}: Config must be a class based on TemplateConfig"
                )
            found.append(value)
    return found


def _load_problem(file: Path, error: BaseException) -> Problem:
    line = 1
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename) == file:
            line = frame.lineno or 1
    if isinstance(error, SyntaxError) and error.lineno:
        line = error.lineno
    return Problem(
        file,
        line,
        1,
        "",
        f"{type(error).__name__}: {error}",
        "fix this template file; pipelines that use it cannot load until it imports",
    )
