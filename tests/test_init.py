"""`dagyard init DIR` creates a working DAG repository and never overwrites anything."""

import subprocess

from dagyard.config import load_config
from support import DAGYARD


def test_init_creates_a_repo_that_loads(tmp_path):
    target = tmp_path / "my-dags"
    result = subprocess.run([DAGYARD, "init", str(target)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "dagyard dev" in result.stdout
    config = load_config(target)
    assert (target / "dags" / "_development" / "hello_taskflow.py").is_file()
    assert (target / "pyproject.toml").is_file()
    assert config.dev_paths()[0].is_dir()
    assert not (target / ".dagyard").exists()


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = subprocess.run([DAGYARD, "init", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
