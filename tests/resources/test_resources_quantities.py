"""Kubernetes quantities are parsed as numbers, and bad resources are explained plainly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from kubernetes.utils import parse_quantity as k8s_parse_quantity

from dagyard.config import ConfigError, load_config
from dagyard.resources import (
    Allocatable,
    Resources,
    ResourcesError,
    parse_quantity,
    problems,
    quantity_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250m", Decimal("0.25")),
        ("0.5", Decimal("0.5")),
        ("2", Decimal(2)),
        ("512Mi", Decimal(512 * 2**20)),
        ("1Gi", Decimal(2**30)),
        ("1G", Decimal(10**9)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("1.5e-3", Decimal("0.0015")),
        (".5", Decimal("0.5")),
        ("100k", Decimal(100_000)),
        ("1Ki", Decimal(1024)),
        ("0", Decimal(0)),
    ],
)
def test_quantities_parse_to_the_same_number_as_the_kubernetes_client(text, expected):
    assert parse_quantity(text) == expected
    assert parse_quantity(text) == k8s_parse_quantity(text)


SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"]
SUFFIXES += ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "E3", "e-2", "e+6"]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("number", ["0", "1", "7", "250", "0.5", "1.25", ".5", "5.", "+3"])
def test_every_kubernetes_suffix_agrees_with_the_kubernetes_client(number, suffix):
    assert parse_quantity(number + suffix) == k8s_parse_quantity(number + suffix)


@pytest.mark.parametrize(
    "text",
    [
        "1K",  # decimal kilo is a lower-case k; the API server refuses "K"
        "NaN",
        "Infinity",
        "1_000",
        "1e-3m",
    ],
)
def test_forms_the_kubernetes_client_takes_but_the_api_server_refuses(text):
    k8s_parse_quantity(text)  # the client library parses them...
    with pytest.raises(ResourcesError):
        parse_quantity(text)  # ...dagyard says so before a pod is refused


@pytest.mark.parametrize("text", ["abc", "1.5 cores", "1gi", "1GB", "2 Gi", "", "1e", "m", "-1"])
def test_unparsable_or_negative_quantities_are_refused(text):
    with pytest.raises(ResourcesError):
        parse_quantity(text)


def test_toml_numbers_become_quantity_text():
    assert quantity_text(2) == "2"
    assert quantity_text(0.5) == "0.5"
    assert quantity_text(1e3) == "1000"
    with pytest.raises(ResourcesError):
        quantity_text(True)


@pytest.mark.parametrize(
    ("request_cpu", "limit_cpu", "too_big"),
    [
        ("1", "500m", True),  # digit strings would say "1" < "500m"
        ("2", "500m", True),
        ("500m", "1", False),
        ("0.5", "500m", False),  # equal
        ("501m", "0.5", True),
        ("2", "10", False),  # digit strings would say "2" > "10"
        ("1e3", "999", True),
        ("250m", "0.25", False),
    ],
)
def test_cpu_request_above_limit_is_compared_as_numbers(request_cpu, limit_cpu, too_big):
    found = problems(Resources(request_cpu=request_cpu, limit_cpu=limit_cpu))
    assert bool(found) is too_big
    if too_big:
        assert found == [
            f"request_cpu {request_cpu} is more than limit_cpu {limit_cpu}; "
            "lower the request or raise the limit"
        ]


@pytest.mark.parametrize(
    ("request_memory", "limit_memory", "too_big"),
    [
        ("1Gi", "1G", True),  # 1073741824 > 1000000000
        ("1G", "1Gi", False),
        ("512Mi", "1Gi", False),
        ("2Gi", "1536Mi", True),
        ("1e3", "1Ki", False),
        ("1025", "1Ki", True),
    ],
)
def test_memory_request_above_limit_is_compared_as_numbers(request_memory, limit_memory, too_big):
    found = problems(Resources(request_memory=request_memory, limit_memory=limit_memory))
    assert bool(found) is too_big


def test_milli_memory_is_flagged_as_a_likely_typo():
    found = problems(Resources(request_memory="512m"))
    assert found and "did you mean 512Mi?" in found[0]


def test_values_above_the_worker_node_size_are_refused():
    node = Allocatable(cpu="3500m", memory="13Gi")
    assert problems(Resources(request_cpu="3", limit_cpu="3.5"), node) == []
    found = problems(Resources(request_cpu="4", limit_memory="14Gi"), node)
    assert len(found) == 2
    assert "request_cpu 4 is more than a worker node can give (cpu 3500m allocatable)" in found[0]
    assert "limit_memory 14Gi" in found[1]


def write_toml(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dagyard.toml").write_text(text)
    return root


def test_presets_from_toml_accept_numbers_and_units(tmp_path):
    root = write_toml(
        tmp_path,
        "[resources.presets.tiny]\nrequest_cpu = 0.1\nlimit_cpu = 1\nrequest_memory = '128Mi'\n"
        "[resources]\ndefault = 'tiny'\n",
    )
    config = load_config(root)
    assert config.resources.presets["tiny"].to_resources() == Resources("0.1", "128Mi", "1", None)
    assert config.resources.default == "tiny"


def test_preset_request_above_limit_is_reported_on_its_line(tmp_path):
    root = write_toml(
        tmp_path,
        "[project]\nname = 'x'\n\n[resources.presets.big]\nrequest_cpu = '1'\nlimit_cpu = '500m'\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    (problem,) = caught.value.problems
    assert problem.line == 4
    assert "request_cpu 1 is more than limit_cpu 500m" in problem.message


def test_unparsable_preset_quantity_is_reported_on_its_line(tmp_path):
    root = write_toml(tmp_path, "[resources.presets.big]\nrequest_cpu = 1\nlimit_memory = '4 GB'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert "'4 GB' is not a Kubernetes quantity" in problem.message


def test_folder_default_naming_an_unknown_preset_suggests_the_close_one(tmp_path):
    root = write_toml(tmp_path, "[resources.folders]\ndata_lake = 'meduim'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert "did you mean `medium`?" in caught.value.problems[0].message


def test_preset_larger_than_the_worker_node_is_a_config_error(tmp_path):
    root = write_toml(tmp_path, "[resources]\nworker_allocatable_memory = '6Gi'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert "preset `large`" in caught.value.problems[0].message
