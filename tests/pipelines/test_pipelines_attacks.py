"""Hostile pipeline files: each is refused with its line, nothing it asks for is executed, and
the other pipelines still load."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dagyard.config import load_config
from dagyard.pipelines.load import load_pipeline

HEADER = "pipeline: hostile\nowner: ana@example.com\nstart_date: 2024-01-01\n"
STEP = "steps:\n  a: {uses: bash, with: {command: echo}}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    return tmp_path


def load(repo: Path, text: str):
    path = repo / "dags" / "hostile.pipeline.yaml"
    path.write_text(text)
    return load_pipeline(path, load_config(repo))


def test_alias_expansion_is_refused_before_it_explodes(repo):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 12):  # 10**12 items if expanded
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    loaded = load(repo, HEADER + "\n".join(levels) + "\n" + STEP)
    [problem] = loaded.problems
    assert "anchors and aliases" in problem.message and problem.line == 4


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system", "!!python/name:os.system", "!!python/module:os"],
)
def test_python_tags_are_refused_and_never_run(repo, tag):
    marker = repo / "pwned"
    loaded = load(repo, HEADER + f'description: {tag} ["touch {marker}"]\n' + STEP)
    [problem] = loaded.problems
    assert (problem.line, problem.column) == (4, 14)
    assert problem.message.startswith("the tag !!python/")
    assert not marker.exists()


def test_deep_nesting_is_refused(repo):
    loaded = load(repo, HEADER + "description: " + "[" * 500 + "]" * 500 + "\n" + STEP)
    assert "nests blocks more than 40 levels" in loaded.problems[0].message


def test_a_module_that_raises_on_import_is_a_problem_not_a_crash(repo):
    (repo / "dags" / "boom.py").write_text("raise RuntimeError('no network here')\n")
    sys.path.insert(0, str(repo / "dags"))
    try:
        loaded = load(repo, HEADER + "steps:\n  a: {uses: python, with: {function: 'boom:f'}}\n")
    finally:
        sys.path.remove(str(repo / "dags"))
    [problem] = loaded.problems
    assert (problem.line, problem.column) == (5, 38)
    assert problem.message == (
        "the module 'boom' raised RuntimeError while being imported: no network here"
    )


def test_a_sql_file_outside_the_repository_is_refused(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.sql"
    outside.write_text("select password from users")
    relative = Path("..") / ".." / ".." / outside.relative_to(outside.anchor)
    text = HEADER + f"steps:\n  a: {{uses: sql, with: {{connection: c, sql: {relative}}}}}\n"
    loaded = load(repo, text)
    [problem] = loaded.problems
    assert problem.message == f"the file '{relative}' is outside the repository"


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        (HEADER.encode() + b"description: caf\xe9\n", (4, 17), "not UTF-8"),
        (HEADER.encode() + b"description: a\x00b\n", (4, 15), "a character YAML does not"),
    ],
)
def test_bytes_that_are_not_text_are_reported_where_they_are(repo, content, where, words):
    path = repo / "dags" / "garbage.pipeline.yaml"
    path.write_bytes(content)
    loaded = load_pipeline(path, load_config(repo))
    [problem] = loaded.problems
    assert (problem.line, problem.column) == where
    assert words in problem.message


def test_merge_keys_are_refused(repo):
    text = HEADER + "base: &base {retries: 2}\nretry: {<<: *base}\n" + STEP
    loaded = load(repo, text)
    [problem] = loaded.problems
    assert (problem.line, problem.column, problem.text) == (5, 9, "<<")
    assert problem.message == "merge keys (<<: *name) cannot be used in a pipeline file"
