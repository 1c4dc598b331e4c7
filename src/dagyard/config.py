"""Read `dagyard.toml` into typed models.

This is the only module that reads the file. Every problem is reported with the file, the line
and a plain sentence, plus a "did you mean" when a key looks like a typo.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_FILE_NAME = "dagyard.toml"


class ConfigProblem(NamedTuple):
    """One problem in a config file: where it is, what is wrong and what to do."""

    file: Path
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        text = f"{where}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(Exception):
    """The config file could not be read; `problems` says why, one entry per problem."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSection(_Section):
    """`[project]`: what the DAG repository is called and where its DAGs live."""

    name: str | None = None
    dags_folder: str = "dags"


class DevSection(_Section):
    """`[dev]`: how `dagyard dev` and `dagyard run` behave on a laptop."""

    folders: list[str] = Field(default_factory=lambda: ["_development"])
    port: int = Field(default=8080, ge=1, le=65535)
    parallelism: int = Field(default=4, ge=1, le=64)
    triggerer: Literal["auto", "always", "never"] = "auto"
    unpause_dags: bool = False
    kubeconfig: str | None = None
    kube_context: str | None = None
    kube_namespace: str | None = None
    google_application_credentials: str | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("folders")
    @classmethod
    def _folders_are_relative(cls, folders: list[str]) -> list[str]:
        for folder in folders:
            if not folder or Path(folder).is_absolute() or ".." in Path(folder).parts:
                raise ValueError(f"folder {folder!r} must be a path inside the DAGs folder")
        return folders


class OwnersSection(_Section):
    """`[owners]`: what a DAG owner must look like (an e-mail address of these domains)."""

    email_domains: list[str] = Field(default_factory=list)


class KubernetesSection(_Section):
    """`[kubernetes]`: which operators start pods (and so get the local kubeconfig)."""

    pod_operators: list[str] = Field(default_factory=lambda: ["KubernetesPodOperator"])


class TeamSection(_Section):
    """`[teams.NAME]`: a team, its people, the folders it owns, where it hears of failures."""

    members: list[str] = Field(default_factory=list)
    folders: list[str] = Field(default_factory=list)
    slack_channel: str | None = None


class Config(_Section):
    """The whole `dagyard.toml`, plus the folder it was read from."""

    project: ProjectSection = Field(default_factory=ProjectSection)
    dev: DevSection = Field(default_factory=DevSection)
    owners: OwnersSection = Field(default_factory=OwnersSection)
    kubernetes: KubernetesSection = Field(default_factory=KubernetesSection)
    teams: dict[str, TeamSection] = Field(default_factory=dict)
    root: Path = Field(default=Path("."), exclude=True)

    @property
    def dags_path(self) -> Path:
        """Absolute path of the DAGs folder."""
        return (self.root / self.project.dags_folder).resolve()

    def dev_paths(self) -> list[Path]:
        """Absolute paths of the folders `dagyard dev` parses by default."""
        return [self.dags_path / folder for folder in self.dev.folders]

    def team_of(self, relative_path: str) -> str | None:
        """The team owning a file, by the longest configured folder that contains it."""
        best: tuple[int, str] | None = None
        for name, team in self.teams.items():
            for folder in team.folders:
                prefix = folder.strip("/") + "/"
                if relative_path.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), name)
        return best[1] if best else None

    def expand(self, value: str | None) -> Path | None:
        """Resolve a user path from the config: `~` and relative paths (to the project root)."""
        if not value:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.root / path).resolve()


def find_project_root(start: Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds a `dagyard.toml`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE_NAME).is_file():
            return folder
    return None


def load_config(root: Path) -> Config:
    """Read `root/dagyard.toml` (defaults when absent) and return the typed config.

    Raises ConfigError with every problem found, each with its line number.
    """
    path = root / CONFIG_FILE_NAME
    if not path.is_file():
        return Config(root=root.resolve())
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([_syntax_problem(path, text, error)]) from None
    try:
        return Config.model_validate({**data, "root": root.resolve()})
    except ValidationError as error:
        raise ConfigError(_validation_problems(path, text, error)) from None


def _syntax_problem(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ConfigProblem:
    message = str(error)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) if match else len(text.splitlines()) or None
    reason = re.sub(r"\s*\(at (line|end of document).*\)$", "", message)
    return ConfigProblem(
        path,
        line,
        f"this is not valid TOML ({reason[0].lower() + reason[1:]})",
        "check quotes, brackets and '=' on this line; text values need quotes, like name = \"x\"",
    )


def _validation_problems(path: Path, text: str, error: ValidationError) -> list[ConfigProblem]:
    problems = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        line = locate_key(text, loc)
        problems.append(ConfigProblem(path, line, *_explain(loc, item)))
    return problems


def _explain(loc: tuple[str, ...], item: dict[str, Any]) -> tuple[str, str | None]:
    """Turn one pydantic error into a plain sentence and a hint."""
    kind = item["type"]
    where = _describe(loc)
    got = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden":
        section_model = _model_at(loc[:-1])
        known = sorted(section_model.model_fields) if section_model else []
        known = [k for k in known if k != "root"]
        guess = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        section = f"[{'.'.join(loc[:-1])}]" if len(loc) > 1 else "the top level"
        hint = f"did you mean `{guess[0]}`?" if guess else f"known keys: {', '.join(known)}"
        return f"unknown key `{loc[-1]}` in {section}", hint
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{where} must be a whole number (got {got!r})", None
    if kind in {"bool_parsing", "bool_type"}:
        return f"{where} must be true or false (got {got!r})", "write true or false, without quotes"
    if kind == "string_type":
        return f"{where} must be text (got {got!r})", 'put text in quotes, like "value"'
    if kind == "list_type":
        return f"{where} must be a list (got {got!r})", 'write a list like ["a", "b"]'
    if kind in {"dict_type", "model_type"}:
        return f"{where} must be a table (got {got!r})", f"write it as a [{'.'.join(loc)}] section"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bounds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in ctx.items())
        return f"{where} is out of range (got {got!r}; must be {bounds})", None
    if kind == "literal_error":
        return f"{where} must be one of {ctx.get('expected')} (got {got!r})", None
    if kind == "value_error":
        return f"{where}: {ctx.get('error', item['msg'])}", None
    return f"{where}: {item['msg'].lower()}", None


def _describe(loc: tuple[str, ...]) -> str:
    if len(loc) == 1:
        return f"`{loc[0]}`"
    keys = [part for part in loc if not part.isdigit()]
    return f"[{'.'.join(keys[:-1])}] `{keys[-1]}`" if len(keys) > 1 else f"`{keys[0]}`"


def _model_at(loc: tuple[str, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_dotted(key: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", key)
    return tuple(next(p for p in part if p) if any(part) else "" for part in parts)


def locate_key(text: str, loc: tuple[str, ...]) -> int | None:
    """Return the 1-based line where the key at `loc` is written in TOML `text`.

    Falls back to the closest enclosing key or table when the exact key is not written
    (for example a missing key, or an item inside a list).
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault(table + _split_dotted(key.group(1)), number)
    for length in range(len(loc), 0, -1):
        if loc[:length] in found:
            return found[loc[:length]]
    return None
