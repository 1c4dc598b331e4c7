"""A saved data file (a YAML config, a SQL file) stands for the DAG files that name it."""

from __future__ import annotations

from dagyard.parsing.saved_files import is_data_file, readers_of


def test_the_dag_files_that_name_a_data_file_are_its_readers(tmp_path):
    loader = tmp_path / "loader.py"
    loader.write_text('load_yaml_dags(config_filepath=HERE / "teams.yml")\n')
    other = tmp_path / "other.py"
    other.write_text('QUERY = "orders.sql"\n')
    for name in ["teams.yml", "orders.sql", "unused.json"]:
        (tmp_path / name).write_text("")
    assert readers_of([tmp_path / "teams.yml"], lambda: [loader, other]) == [loader]
    assert readers_of([tmp_path / "orders.sql"], lambda: [loader, other]) == [other]
    both = [tmp_path / "teams.yml", tmp_path / "orders.sql"]
    assert readers_of(both, lambda: [loader, other]) == [loader, other]
    assert readers_of([tmp_path / "unused.json"], lambda: [loader, other]) == []
    # a saved DAG file or a data file that is gone names no reader
    assert readers_of([loader, tmp_path / "deleted.yml"], lambda: [loader, other]) == []


def test_dag_sources_and_scratch_files_are_not_data_files(tmp_path):
    assert is_data_file(tmp_path / "teams.yml")
    assert is_data_file(tmp_path / "sql" / "orders.sql")
    for name in ["x.py", "daily.pipeline.yaml", ".airflowignore", "x.py~", ".x.py.swp", "#x#"]:
        assert not is_data_file(tmp_path / name), name
    assert not is_data_file(tmp_path / "__pycache__" / "x.cpython-311.pyc")


def test_without_a_saved_data_file_the_dag_files_are_not_even_listed(tmp_path):
    def unlisted() -> list:
        raise AssertionError("the DAG files were listed")

    assert readers_of([tmp_path / "x.py"], unlisted) == []
