"""DY160: pyproject.toml, uv.lock, the repository's .venv and a rendered deploy must agree.

One repository made by `dagyard init` and synced with uv, as on a laptop; each test changes one
thing the way a user would (an edited pyproject.toml, a package installed by hand, an old
render) and puts it back.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dagyard.config import load_config
from dagyard.deploy.lock_drift import airflow_vs_render, environment_vs_lock, pyproject_vs_lock
from support import DAGYARD, REPO

UV = str(REPO / ".tools" / "bin" / "uv")
pytestmark = pytest.mark.timeout(600)


def uv(repo: Path, *args: str) -> None:
    done = subprocess.run([UV, *args], cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("drift") / "acme-dags"
    done = subprocess.run(
        [DAGYARD, "init", str(target), "--org", "acme", "--email-domain", "acme.com"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    uv(target, "sync", "--frozen", "--quiet")
    return target


@pytest.fixture
def pyproject(repo):
    path = repo / "pyproject.toml"
    before = path.read_text()
    yield path
    path.write_text(before)


def check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(repo / ".venv" / "bin" / "dagyard"), "check"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_fresh_repository_has_no_drift(repo):
    config = load_config(repo)
    assert pyproject_vs_lock(config) == []
    assert environment_vs_lock(config) == []
    assert airflow_vs_render(config) == []


def test_a_package_declared_but_not_locked_names_its_line(repo, pyproject):
    pyproject.write_text(
        pyproject.read_text().replace('"pytest>=8",', '"pytest>=8",\n    "humanize",')
    )
    (drift,) = pyproject_vs_lock(load_config(repo))
    assert drift.message == "pyproject.toml declares humanize, but uv.lock does not pin it"
    assert drift.file == repo / "pyproject.toml"
    assert pyproject.read_text().splitlines()[drift.line - 1].strip() == '"humanize",'
    assert "dagyard deps lock" in drift.hint
    done = check(repo)
    assert done.returncode == 1
    assert "DY160" in done.stdout and "pyproject.toml" in done.stdout


def test_a_package_locked_but_no_longer_declared(repo, pyproject):
    pyproject.write_text(pyproject.read_text().replace('    "pytest>=8",\n', ""))
    (drift,) = pyproject_vs_lock(load_config(repo))
    assert drift.message == "uv.lock pins pytest, which pyproject.toml no longer declares"


def test_a_changed_version_range_makes_the_lock_out_of_date(repo, pyproject):
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8.1"'))
    (drift,) = pyproject_vs_lock(load_config(repo))
    assert "uv.lock is out of date with pyproject.toml" in drift.message


def test_a_missing_lock_is_drift(repo):
    lock = repo / "uv.lock"
    saved = lock.read_bytes()
    lock.unlink()
    try:
        (drift,) = pyproject_vs_lock(load_config(repo))
        assert drift.message == "pyproject.toml has no uv.lock beside it"
    finally:
        lock.write_bytes(saved)


def test_packages_installed_by_hand_are_drift_until_synced(repo):
    python = str(repo / ".venv" / "bin" / "python")
    uv(repo, "pip", "install", "--quiet", "--python", python, "humanize", "pytest==8.3.0")
    try:
        (drift,) = environment_vs_lock(load_config(repo))
        assert "has packages uv.lock does not list: humanize" in drift.message
        assert "pytest 8.3.0 (uv.lock: " in drift.message
        assert "dagyard deps sync" in drift.hint
        done = check(repo)
        assert done.returncode == 1 and "out of sync with uv.lock" in done.stdout
    finally:
        uv(repo, "sync", "--frozen", "--quiet")
    assert environment_vs_lock(load_config(repo)) == []


def test_a_package_uninstalled_by_hand_is_missing(repo):
    python = str(repo / ".venv" / "bin" / "python")
    uv(repo, "pip", "uninstall", "--quiet", "--python", python, "pytest")
    try:
        (drift,) = environment_vs_lock(load_config(repo))
        assert "misses pytest" in drift.message
    finally:
        uv(repo, "sync", "--frozen", "--quiet")


def test_a_render_for_another_airflow_is_drift(repo):
    toml = repo / "dagyard.toml"
    before = toml.read_text()
    toml.write_text(
        before + '\n[deploy.environments.prod]\nimage_repository = "r/dags"\ndags = "baked"\n'
    )
    folder = repo / "deploy" / "prod"
    (folder / "image").mkdir(parents=True)
    (folder / "values.yaml").write_text(
        "# rendered\nexecutor: KubernetesExecutor\nairflowVersion: 3.2.1\n"
    )
    (folder / "image" / "Dockerfile").write_text("FROM apache/airflow:3.3.2-python3.11\n")
    try:
        (drift,) = airflow_vs_render(load_config(repo))
        assert drift.message == (
            "the rendered deploy for 'prod' uses Airflow 3.2.1, but uv.lock pins 3.3.2"
        )
        assert (drift.file, drift.line) == (folder / "values.yaml", 3)
        assert "dagyard deploy render --env prod" in drift.hint
    finally:
        toml.write_text(before)
        shutil.rmtree(repo / "deploy")


def test_the_example_repository_s_lock_is_current():
    """`make lock` re-pins examples/dag-repo/uv.lock whenever dagyard's dependencies change."""
    example = REPO / "examples" / "dag-repo"
    done = subprocess.run(
        [UV, "lock", "--check", "--offline", "--project", str(example)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"run `make lock`:\n{done.stderr}"
    assert pyproject_vs_lock(load_config(example)) == []


def test_an_image_without_dagyard_s_wheel_is_refused_with_the_way_out(tmp_path):
    """Outside a checkout, and not installed from a wheel file: render says what to do."""
    from dagyard.deploy.image import DeployError, _installed_wheel

    with pytest.raises(DeployError) as raised:
        _installed_wheel(tmp_path / "dagyard-wheel")  # this dagyard: an editable checkout
    assert f"installed from {REPO}" in str(raised.value)
    assert "--no-wheel" in str(raised.value)


def test_a_pyproject_that_is_not_toml_is_named_with_its_line(repo, pyproject):
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = 0.1.0"'))
    (drift,) = pyproject_vs_lock(load_config(repo))
    assert drift.message.startswith("pyproject.toml is not valid TOML: ")
    assert (drift.file, drift.line) == (pyproject, 3)
    assert drift.hint == "fix the TOML syntax on this line"
