"""A missing package named from Python's own error, and the command that adds it."""

import pytest

from dagyard.parsing.missing_module import (
    deps_add_hint,
    deps_add_hint_for_all,
    missing_module,
    package_for,
)


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("ModuleNotFoundError: No module named 'humanize'", "humanize"),
        (
            "Traceback ...\nModuleNotFoundError: No module named 'google.cloud.bigquery'",
            "google.cloud.bigquery",
        ),
        ("ModuleNotFoundError: No module named 'airflow.operators.bash'", None),
        (
            "ModuleNotFoundError: No module named 'airflow.providers.amazon'",
            "airflow.providers.amazon",
        ),
        ("ModuleNotFoundError: No module named 'airflow.providers.standard.operators.x'", None),
        ("NameError: name 'x' is not defined", None),
    ],
)
def test_the_missing_module_is_read_from_the_error(text, module):
    assert missing_module(text) == module


@pytest.mark.parametrize(
    ("module", "package"),
    [
        ("humanize", "humanize"),
        ("yaml", "pyyaml"),
        ("sklearn.linear_model", "scikit-learn"),
        ("google.cloud.bigquery", "google-cloud-bigquery"),
        ("my_lib", "my-lib"),
        ("googleapiclient.discovery", "google-api-python-client"),
        ("google.oauth2.service_account", "google-auth"),
        ("opensearchpy", "opensearch-py"),
        ("dagfactory", "dag-factory"),
        ("cosmos.profiles", "astronomer-cosmos"),
        ("airflow.providers.microsoft_azure", "apache-airflow-providers-microsoft-azure"),
    ],
)
def test_the_package_is_named_as_the_index_names_it(module, package):
    assert package_for(module) == package


def test_the_hint_is_the_command_to_run():
    hint = deps_add_hint("ModuleNotFoundError: No module named 'yaml'")
    assert "`dagyard deps add pyyaml`" in hint
    assert deps_add_hint("SyntaxError: invalid syntax") is None


def test_several_missing_packages_get_one_command():
    errors = [
        "ModuleNotFoundError: No module named 'pandas'",
        "ModuleNotFoundError: No module named 'yaml'",
        "ModuleNotFoundError: No module named 'pandas'",
        "SyntaxError: invalid syntax",
    ]
    hint = deps_add_hint_for_all(errors)
    assert hint.startswith("pandas, yaml are not installed in this repository")
    assert "`dagyard deps add pandas pyyaml` declares them" in hint
    assert deps_add_hint_for_all(errors[:1]) == deps_add_hint(errors[0])
    assert deps_add_hint_for_all(errors[3:]) is None
