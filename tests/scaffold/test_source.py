"""Where a new DAG repository gets dagyard from: PEP 610 records, --dagyard-from, the TOML."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from dagyard.scaffold.source import (
    DagyardSource,
    SourceError,
    from_record,
    installed_source,
    parse_source,
    pyproject_sources,
)
from support import REPO


def test_a_wheel_install_pins_that_wheel():
    record = {"url": "file:///srv/dist/dagyard-0.1.0-py3-none-any.whl", "archive_info": {}}
    assert from_record(record) == DagyardSource("path", "/srv/dist/dagyard-0.1.0-py3-none-any.whl")


def test_a_git_install_pins_the_commit_it_was_installed_at():
    record = {
        "url": "https://git.example.com/platform/dagyard.git",
        "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "v0.1.0"},
    }
    assert from_record(record) == DagyardSource(
        "git", "https://git.example.com/platform/dagyard.git", rev="a" * 40
    )


def test_an_editable_checkout_pins_the_checkout():
    record = {"url": "file:///home/me/dagyard", "dir_info": {"editable": True}}
    assert from_record(record) == DagyardSource("path", "/home/me/dagyard", editable=True)


def test_an_index_install_asks_for_the_index():
    with pytest.raises(SourceError) as raised:
        from_record(None)
    assert "--dagyard-from" in raised.value.hint


def test_this_installation_is_read_from_its_own_record():
    # dagyard's .venv installs this checkout in editable mode (uv sync)
    assert installed_source() == DagyardSource("path", str(REPO), editable=True)


def test_dagyard_from_understands_each_kind_of_source(tmp_path):
    wheel = tmp_path / "dagyard-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    assert parse_source(str(wheel)) == DagyardSource("path", str(wheel))
    assert parse_source(str(tmp_path)) == DagyardSource("wheels", str(tmp_path))
    assert parse_source(str(REPO)) == DagyardSource("path", str(REPO))
    assert parse_source("git+https://git.example.com/p/dagyard.git@v0.1.0") == DagyardSource(
        "git", "https://git.example.com/p/dagyard.git", rev="v0.1.0"
    )
    assert parse_source("git+ssh://git@git.example.com/p/dagyard.git@v1") == DagyardSource(
        "git", "ssh://git@git.example.com/p/dagyard.git", rev="v1"
    )
    assert parse_source("https://pypi.example.com/simple/") == DagyardSource(
        "index", "https://pypi.example.com/simple"
    )


@pytest.mark.parametrize("text", ["dagyard", "./nowhere", "git+", "ftp://x"])
def test_a_source_that_is_none_of_these_is_refused_with_examples(text):
    with pytest.raises(SourceError) as raised:
        parse_source(text)
    assert "example" in raised.value.hint


@pytest.mark.parametrize(
    "source",
    [
        DagyardSource("path", "/srv/dagyard-0.1.0-py3-none-any.whl"),
        DagyardSource("path", "/home/me/dagyard", editable=True),
        DagyardSource("git", "https://git.example.com/p/dagyard.git", rev="v0.1.0"),
        DagyardSource("index", "https://pypi.example.com/simple"),
        DagyardSource("wheels", "/srv/wheels"),
    ],
)
def test_every_source_is_valid_toml_and_never_the_public_registry(source):
    data = tomllib.loads(pyproject_sources(source))
    entry = data["tool"]["uv"]["sources"]["dagyard"]
    assert set(entry) & {"path", "git", "index"}
    if "index" in entry:
        (index,) = data["tool"]["uv"]["index"]
        assert index["name"] == entry["index"] and index["explicit"] is True
        assert index["url"] == source.location


def test_a_git_tag_source_locks_at_that_commit(tmp_path):
    """A real git repository of this checkout, tagged; uv locks dagyard at the tag's commit."""
    origin = tmp_path / "dagyard.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(REPO), str(origin)], check=True)
    head = subprocess.run(
        ["git", "-C", str(origin), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "-C", str(origin), "tag", "v0.1.0", head], check=True)
    source = parse_source(f"git+file://{origin}@v0.1.0")
    project = tmp_path / "repo"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\nrequires-python = ">=3.11,<3.12"\n'
        'dependencies = ["dagyard"]\n\n' + pyproject_sources(source)
    )
    uv = Path(REPO / ".tools" / "bin" / "uv")
    done = subprocess.run([uv, "lock"], cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lock = tomllib.loads((project / "uv.lock").read_text())
    dagyard = next(p for p in lock["package"] if p["name"] == "dagyard")
    assert dagyard["source"]["git"].endswith(f"?rev=v0.1.0#{head}")


def test_a_source_path_cannot_break_out_of_its_toml_string(tmp_path):
    """Quotes, backslashes and newlines in a path stay inside the string uv reads."""
    odd = tmp_path / 'we"ird\\ dir\n[tool.uv]\nindex-url = "https://evil.example"'
    odd.mkdir(parents=True)
    wheel = odd / "dagyard-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    source = parse_source(str(wheel))
    data = tomllib.loads(pyproject_sources(source))
    assert data["tool"]["uv"]["sources"]["dagyard"] == {"path": str(wheel)}
    assert set(data["tool"]["uv"]) == {"sources"}
