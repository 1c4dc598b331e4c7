"""Where a DAG repository gets dagyard from, written as a `[tool.uv.sources]` entry.

A DAG repository never resolves dagyard by bare name from the public registry (anyone could
register that name there). It pins the source the platform team publishes dagyard from: a
wheel file, a folder of wheels, a git URL at a tag or commit, or a package index. By default
`dagyard init` reads that source from the running installation's PEP 610 record
(`direct_url.json`), so a repository created from any installation works as created.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse

from dagyard.errors import DagyardError

DIST = "dagyard"


class ScaffoldError(DagyardError):
    """A new DAG repository cannot be created as asked: `message`, and `hint` on what to do."""


class SourceError(ScaffoldError):
    """The dagyard source cannot be worked out or was written wrongly."""


class DagyardSource(NamedTuple):
    """How the DAG repository's `pyproject.toml` pins dagyard.

    `kind` is one of `path` (a wheel file or a source folder), `git`, `index` (a package index
    URL, used for dagyard only) or `wheels` (a folder of wheels, read as a flat index).
    """

    kind: str
    location: str
    rev: str | None = None
    editable: bool = False

    def describe(self) -> str:
        """One line for the user: what was pinned."""
        if self.kind == "git":
            return f"git {self.location} at {self.rev}" if self.rev else f"git {self.location}"
        names = {"path": "", "index": "package index ", "wheels": "folder of wheels "}
        return f"{names[self.kind]}{self.location}"


def _installed_record() -> dict | None:
    try:
        text = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    return json.loads(text) if text else None


def _file_path(url: str) -> str:
    return unquote(urlparse(url).path)


def from_record(record: dict | None) -> DagyardSource:
    """The source a PEP 610 `direct_url.json` record describes (None: installed from an index)."""
    if record is None:
        raise SourceError(
            "this dagyard was installed from a package index, and the index is not recorded",
            "pass the index with --dagyard-from https://…/simple (or a wheel, a folder of "
            "wheels, or git+https://…@tag)",
        )
    url = record.get("url", "")
    if "vcs_info" in record:
        vcs = record["vcs_info"]
        if vcs.get("vcs") != "git":
            raise SourceError(f"dagyard was installed from {vcs.get('vcs')}; only git is supported")
        return DagyardSource("git", url, rev=vcs.get("commit_id"))
    if url.startswith("file://"):
        path = _file_path(url)
        editable = bool(record.get("dir_info", {}).get("editable"))
        return DagyardSource("path", path, editable=editable)
    raise SourceError(
        f"dagyard was installed from {url}, which a DAG repository cannot pin",
        "pass --dagyard-from with a wheel file, a folder of wheels, git+https://…@tag or an "
        "index URL",
    )


def installed_source() -> DagyardSource:
    """The source the running dagyard was installed from (its PEP 610 record)."""
    return from_record(_installed_record())


_GIT = re.compile(r"^git\+(?P<url>[^@#]+?(?:@[^/@#]+/[^@#]*)?)(?:@(?P<rev>[^@#/]+))?$")


def parse_source(text: str, cwd: Path | None = None) -> DagyardSource:
    """`--dagyard-from TEXT`: a wheel, source folder, folder of wheels, git+URL@rev or index."""
    text = text.strip()
    if text.startswith("git+"):
        match = _GIT.match(text)
        if not match:
            raise SourceError(
                f"--dagyard-from {text!r} is not a git URL",
                "write it like git+https://git.example.com/platform/dagyard.git@v0.1.0",
            )
        return DagyardSource("git", match["url"], rev=match["rev"])
    if text.startswith(("https://", "http://")):
        return DagyardSource("index", text.rstrip("/"))
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    path = path.resolve()
    if path.is_file() and path.suffix == ".whl":
        return DagyardSource("path", str(path))
    if path.is_dir() and (path / "pyproject.toml").is_file():
        return DagyardSource("path", str(path))
    if path.is_dir() and any(path.glob("dagyard-*.whl")):
        return DagyardSource("wheels", str(path))
    raise SourceError(
        f"--dagyard-from {text!r} is neither a dagyard wheel, a folder of dagyard wheels, a "
        "dagyard source folder, a git+ URL nor an index URL",
        "examples: dist/dagyard-0.1.0-py3-none-any.whl, /srv/wheels, "
        "git+https://git.example.com/platform/dagyard.git@v0.1.0, https://pypi.example.com/simple",
    )


def _toml_string(value: str) -> str:
    return json.dumps(value)


def pyproject_sources(source: DagyardSource) -> str:
    """The `[tool.uv.sources]` (and `[[tool.uv.index]]`) text that pins dagyard to `source`."""
    if source.kind == "path":
        extra = ", editable = true" if source.editable else ""
        entry = f"dagyard = {{ path = {_toml_string(source.location)}{extra} }}"
    elif source.kind == "git":
        rev = f", rev = {_toml_string(source.rev)}" if source.rev else ""
        entry = f"dagyard = {{ git = {_toml_string(source.location)}{rev} }}"
    else:
        entry = 'dagyard = { index = "platform" }'
    lines = ["[tool.uv.sources]", entry]
    if source.kind in ("index", "wheels"):
        lines += [
            "",
            "# Only dagyard comes from here (explicit); everything else from the default index.",
            "[[tool.uv.index]]",
            'name = "platform"',
            f"url = {_toml_string(source.location)}",
            "explicit = true",
        ]
        if source.kind == "wheels":
            lines.append('format = "flat"')
    return "\n".join(lines) + "\n"
