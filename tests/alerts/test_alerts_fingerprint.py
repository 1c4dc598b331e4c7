"""A broken file's error hash: stable across re-parses and checkouts, new when the error is."""

from __future__ import annotations

import importlib.util
import traceback
from pathlib import Path

from dagyard.alerts.fingerprint import error_hash, normalized


def _import_error(folder: Path, source: str) -> str:
    """The traceback Python gives for importing `source` from a file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "broken_lake.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("broken_lake", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:
        return traceback.format_exc()
    raise AssertionError("the file imported")


def test_the_same_error_in_another_checkout_and_at_another_line_has_the_same_hash(
    tmp_path: Path,
):
    source = "import airflow\nimport not_a_module_anywhere\n"
    first = _import_error(tmp_path / "versions" / "3f2a9c", source)
    second = _import_error(tmp_path / "tmpx8k2_9ab" / "dags", "# moved\n\n" + source)
    assert first != second
    assert error_hash(first) == error_hash(second)
    assert "broken_lake.py" in normalized(first) and str(tmp_path) not in normalized(first)


def test_times_addresses_and_temp_files_are_not_the_error():
    a = (
        "ValueError: <Engine object at 0x7f3a2b1c4d50> failed at 2026-12-01T05:41:47.123+00:00 "
        "reading /tmp/tmpab12cd34/extract.csv"
    )
    b = (
        "ValueError: <Engine object at 0x7f00aa11bb22> failed at 2026-12-02 06:00:01 "
        "reading /tmp/tmpzz99yy11/extract.csv"
    )
    assert error_hash(a) == error_hash(b)


def test_a_different_error_has_a_different_hash(tmp_path: Path):
    first = _import_error(tmp_path / "a", "import not_a_module_anywhere\n")
    other_module = _import_error(tmp_path / "b", "import another_missing_module\n")
    syntax = _import_error(tmp_path / "c", "def broken(:\n")
    assert len({error_hash(first), error_hash(other_module), error_hash(syntax)}) == 3
    assert error_hash("start_date 2024-01-01") != error_hash("start_date 2024-02-01")


def test_an_import_timeout_is_the_same_wherever_it_interrupted_the_file():
    head = (
        "Traceback (most recent call last):\n"
        '  File "/opt/airflow/dags/lake/slow.py", line {line}, in <module>\n'
        "    {code}\n"
        "airflow.exceptions.AirflowTaskTimeout: DagBag import timeout for "
        "/opt/airflow/dags/lake/slow.py after 30.0s.\n"
        "Please take a look at these docs to improve your DAG import time:\n"
    )
    first = head.format(line=12, code="rows = client.fetch_all()")
    second = head.format(line=40, code="time.sleep(5)")
    assert error_hash(first) == error_hash(second)
