"""`dagyard init DIR` creates a clean DAG repository from the template and never overwrites."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from dagyard.config import load_config
from support import DAGYARD, REPO


def init(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, "init", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        **kwargs,
    )


@pytest.fixture(scope="module")
def created(tmp_path_factory):
    target = tmp_path_factory.mktemp("init") / "acme-dags"
    done = init(str(target), "--org", "acme", "--email-domain", "acme.com")
    assert done.returncode == 0, done.stderr
    return target, done


def test_the_repository_has_every_file_a_team_needs(created):
    target, _ = created
    for name in (
        "README.md",
        "Makefile",
        "dagyard.toml",
        "pyproject.toml",
        "uv.lock",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".github/workflows/dags-ci.yml",
        "dags/_development/hello_dagyard.py",
        "tests/test_greetings.py",
    ):
        assert (target / name).is_file(), name
    assert (target / ".git").is_dir()
    assert [p.name for p in (target / "dags" / "_development").glob("*.py")] == ["hello_dagyard.py"]


def test_the_readme_starts_with_the_two_setup_commands(created):
    target, _ = created
    lines = [line.strip() for line in (target / "README.md").read_text().splitlines()]
    commands = [line for line in lines[:6] if line.startswith("make ")]
    assert [c.split("#")[0].strip() for c in commands] == ["make dev", "make test"]


def test_settings_are_the_organisation_s_not_the_example_s(created):
    target, _ = created
    config = load_config(target)
    assert config.project.name == "acme"
    assert config.owners.email_domains == ["acme.com"]
    assert config.teams == {} and config.deploy.environments == {}
    text = "\n".join(
        p.read_text() for p in target.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    for example_only in ("example-data-org", "#lake-alerts", "data_mart", "example.com"):
        assert example_only not in text
    # the team and deploy sections are there, commented, to be filled in
    toml = (target / "dagyard.toml").read_text()
    assert "# [teams." in toml and "# [deploy.environments.prod]" in toml


def test_dagyard_is_pinned_to_this_installation_not_the_public_registry(created):
    target, _ = created
    pyproject = tomllib.loads((target / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["sources"]["dagyard"] == {"path": str(REPO), "editable": True}
    assert "dagyard" in pyproject["dependency-groups"]["dev"]
    lock = tomllib.loads((target / "uv.lock").read_text())
    dagyard = next(p for p in lock["package"] if p["name"] == "dagyard")
    assert dagyard["source"] == {"editable": str(REPO)}
    airflow = next(p for p in lock["package"] if p["name"] == "apache-airflow")
    assert airflow["version"] == "3.3.2"


def test_it_ends_with_a_next_command_that_exists_there(created):
    target, done = created
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"next: cd {target} && make dev"
    assert "dev:" in (target / "Makefile").read_text()


def test_the_example_repository_has_the_same_shape(created):
    target, _ = created
    example = REPO / "examples" / "dag-repo"
    for name in ("Makefile", "README.md", ".github/workflows/dags-ci.yml", ".gitignore"):
        assert (example / name).is_file(), name
    ours = (target / "Makefile").read_text().replace("acme", "ORG")
    theirs = (example / "Makefile").read_text().replace("example-data-org", "ORG")
    assert ours == theirs
    pyproject = tomllib.loads((example / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["sources"]["dagyard"] == {"path": "../..", "editable": True}


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = init(str(tmp_path), "--email-domain", "acme.com")
    assert result.returncode == 2
    assert "not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--email-domain", "not a domain"], "is not an e-mail domain"),
        (["--email-domain", "acme.com", "--org", "!!!"], "cannot be made into a slug"),
        (["--email-domain", "acme.com", "--dagyard-from", "dagyard"], "--dagyard-from"),
        ([], "--email-domain is missing"),
        (["--email-domain", 'acme.com"\n[tool.uv]\nindex-url = "https://evil"'], "e-mail domain"),
    ],
)
def test_bad_options_are_usage_errors_and_write_nothing(tmp_path, args, expected):
    target = tmp_path / "new"
    result = init(str(target), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert not target.exists()


def test_a_company_name_becomes_the_slug_and_stays_where_people_read_it(tmp_path):
    target = tmp_path / "new"
    result = init(str(target), "--org", "Acme Data", "--email-domain", "acme.com", "--no-lock")
    assert result.returncode == 0, result.stderr
    assert "Created the Acme Data DAG repository" in result.stdout
    assert "organisation slug: acme-data (package acme-data-dags" in result.stdout
    assert load_config(target).project.name == "acme-data"
    pyproject = tomllib.loads((target / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "acme-data-dags"
    assert pyproject["project"]["description"].startswith("The DAGs of Acme Data,")
    assert (target / "README.md").read_text().startswith("# Acme Data DAGs\n")


def test_a_name_with_quotes_and_new_lines_cannot_write_into_the_files(tmp_path):
    """Quotes, brackets and a new line stay text: every file still parses, with no new table."""
    target = tmp_path / "new"
    typed = 'Acme "Data" {x}\n[tool.uv]\nindex-url = "https://evil"'
    result = init(str(target), "--org", typed, "--email-domain", "acme.com", "--no-lock")
    assert result.returncode == 0, result.stderr
    display = 'Acme "Data" {x} [tool.uv] index-url = "https://evil"'
    pyproject = tomllib.loads((target / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == (
        f"The DAGs of {display}, and the one list of their Python dependencies."
    )
    assert "index-url" not in pyproject["tool"]["uv"]
    config = load_config(target)
    assert config.project.name == "acme-data-x-tool-uv-index-url-https-evil"
    greeting = subprocess.run(
        [sys.executable, "-c", "from common.greetings import greeting; print(greeting(3))"],
        cwd=target / "dags",
        capture_output=True,
        text=True,
        check=True,
    )
    assert greeting.stdout.strip() == f"Hello from {display}! The total is 3."


def test_the_questions_are_asked_on_a_terminal(tmp_path):
    """Organisation and domain typed in answer to the prompts (a pseudo-terminal)."""
    import os
    import pty

    target = tmp_path / "typed-dags"
    pid, fd = pty.fork()
    if pid == 0:  # child: dagyard init on the terminal
        os.execv(DAGYARD, [DAGYARD, "init", str(target), "--no-lock"])
    output = b""
    for answer in (b"\n", b"typed.example\n"):
        while b"?" not in output.split(b"\n")[-1] and b":" not in output.split(b"\n")[-1]:
            output += os.read(fd, 1024)
        os.write(fd, answer)
        output = b""
    rest = b""
    try:
        while chunk := os.read(fd, 1024):
            rest += chunk
    except OSError:
        pass
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, rest.decode()
    config = load_config(target)
    assert config.project.name == "typed"
    assert config.owners.email_domains == ["typed.example"]


def test_a_source_that_cannot_be_reached_keeps_the_files_and_says_how_to_lock_later(tmp_path):
    target = tmp_path / "offline-dags"
    # nothing listens on port 9 of this machine: uv's requests are refused at once
    result = init(
        str(target), "--email-domain", "acme.com", "--dagyard-from", "http://127.0.0.1:9/simple"
    )
    assert result.returncode == 1
    assert "uv could not lock the new repository's packages" in result.stderr
    assert f"dagyard deps lock --project {target}" in result.stderr
    assert (target / "pyproject.toml").is_file() and (target / ".git").is_dir()
    assert not (target / "uv.lock").exists()
