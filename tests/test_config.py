"""dagyard.toml is read into typed models; every mistake names the file, the line and the fix."""

from pathlib import Path

import pytest

from dagyard.config import ConfigError, find_project_root, load_config, locate_key


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dagyard.toml").write_text(text)
    return tmp_path


def problems(tmp_path: Path, text: str):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path)
    assert config.dev.port == 8080
    assert config.dev.folders == ["_development"]
    assert config.dev_paths() == [tmp_path.resolve() / "dags" / "_development"]


def test_reads_the_example_repo():
    root = Path(__file__).parents[1] / "examples" / "dag-repo"
    config = load_config(root)
    assert config.owners.email_domains == ["example.com"]
    assert config.dags_path == (root / "dags").resolve()


def test_typo_gets_line_and_did_you_mean(tmp_path):
    [problem] = problems(tmp_path, '[project]\nname = "x"\n\n[dev]\nprot = 8081\n')
    assert problem.line == 5
    assert "unknown key `prot` in [dev]" in problem.message
    assert problem.hint == "did you mean `port`?"


def test_unknown_section_lists_the_known_ones(tmp_path):
    [problem] = problems(tmp_path, "[devv]\nport = 1\n")
    assert problem.line == 1
    assert "unknown key `devv`" in problem.message
    assert "dev" in problem.hint


def test_wrong_type_is_explained_in_plain_words(tmp_path):
    [problem] = problems(tmp_path, '[dev]\nport = "eighty"\n')
    assert problem.line == 2
    assert "whole number" in problem.message


def test_out_of_range_value(tmp_path):
    [problem] = problems(tmp_path, "[dev]\nport = 99999\n")
    assert problem.line == 2
    assert problem.message == "[dev] `port` is out of range (got 99999; must be at most 65535)"
    [problem] = problems(tmp_path, "[dev]\nparallelism = 0\n")
    assert problem.message.endswith("(got 0; must be at least 1)")


def test_folder_outside_the_dags_folder_is_refused(tmp_path):
    [problem] = problems(tmp_path, '[dev]\nfolders = ["../secrets"]\n')
    assert problem.line == 2
    assert "inside the DAGs folder" in problem.message


def test_several_problems_are_all_reported(tmp_path):
    found = problems(tmp_path, '[dev]\nport = "x"\nparalelism = 2\n')
    assert [p.line for p in found] == [2, 3]


def test_toml_syntax_error_points_at_the_line(tmp_path):
    [problem] = problems(tmp_path, '[dev]\nport = 80\nfolders = ["a"\n')
    assert problem.line is not None and problem.line >= 3
    assert "not valid TOML" in problem.message
    assert str(tmp_path / "dagyard.toml") in str(problem)


def test_bool_must_be_a_bool(tmp_path):
    [problem] = problems(tmp_path, '[dev]\nunpause_dags = "yes please"\n')
    assert "true or false" in problem.message


def test_find_project_root_walks_up(tmp_path):
    write(tmp_path, "")
    nested = tmp_path / "dags" / "team"
    nested.mkdir(parents=True)
    assert find_project_root(nested) == tmp_path.resolve()
    assert find_project_root(Path("/")) is None


def test_locate_key_handles_quoted_and_dotted_keys():
    text = '[teams."data-platform"]\nchannel = "#x"\n[dev]\nenv.FOO = "1"\n'
    assert locate_key(text, ("teams", "data-platform", "channel")) == 2
    assert locate_key(text, ("dev", "env", "FOO")) == 4
    assert locate_key(text, ("dev", "missing")) == 3
