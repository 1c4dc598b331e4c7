"""The message layout: grouped by owner, within Slack's limits, even for 10 000 failures."""

from __future__ import annotations

from dagyard.alerts.grouping import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    Entry,
    Owner,
    build_message,
    detailed_keys,
    duration_text,
    entry_line,
)


def _entry(i: int, owner: str = "a@example.com", still: bool = False, error: str = "") -> Entry:
    return Entry(
        key=f"k{i}",
        kind="task",
        dag_id=f"dag_{i % 700:03d}",
        task_id=f"task_{i % 15}",
        run_id=f"scheduled__{i}",
        map_index=-1,
        try_number=1,
        end_date=f"2026-01-01T00:{i % 60:02d}:00Z",
        duration=61.0,
        error=error,
        url=f"http://airflow/dags/dag_{i}/runs/r/tasks/t?try_number=1",
        owners=(owner,),
        still_failing=still,
    )


def test_ten_thousand_failures_fit_slack_limits_in_one_threaded_message():
    owners = [f"owner{i}@example.com" for i in range(40)]
    entries = [_entry(i, owners[i % 40], error="ValueError: x" * 50) for i in range(10_000)]
    chunks = build_message(
        channel="#lake",
        entries=entries,
        owners={(o,): Owner(f"<@U{i}>") for i, o in enumerate(owners)},
        recovered=[],
        detailed_entries=20,
        airflow_url="http://airflow",
    )
    assert 1 <= len(chunks) <= 5
    for chunk in chunks:
        assert len(chunk["blocks"]) <= MAX_BLOCKS
        assert all(0 < len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in chunk["blocks"])
    text = "\n".join(b["text"]["text"] for c in chunks for b in c["blocks"])
    assert "10000 failed tasks for 40 owners" in chunks[0]["text"]
    # every owner is mentioned and every DAG appears (details or a per-DAG summary line)
    assert all(f"<@U{i}>" in text for i in range(40))
    assert all(f"dag_{d:03d}" in text for d in range(700))
    assert text.count("```") == 2 * 20  # exactly `detailed_entries` errors shown


def test_owner_note_and_still_failing_summary():
    entries = [_entry(1, "ghost@example.com"), _entry(2, "ghost@example.com", still=True)]
    note = "No Slack account uses ghost@example.com"
    chunks = build_message(
        channel="#x",
        entries=entries,
        owners={("ghost@example.com",): Owner("ghost@example.com", note)},
        recovered=["dag_009"],
        detailed_entries=5,
        airflow_url="http://airflow",
    )
    text = chunks[0]["blocks"][1]["text"]["text"]
    assert note in text
    assert (
        "_Still failing (reported before):_\n"
        "• <http://airflow/dags/dag_2/runs/r/tasks/t?try_number=1|*dag_002* › task_2>"
        " · run `scheduled__2` · try 1"
    ) in text
    assert "dag_001" in text and "try 1" in text
    assert "Recovered:* dag_009" in chunks[0]["blocks"][2]["text"]["text"]


def test_detailed_entries_are_shared_between_owners():
    entries = [_entry(i, f"o{i % 4}@x.com") for i in range(100)]
    chosen = detailed_keys(entries, 8)
    assert len(chosen) == 8
    assert {e.owners for e in entries if e.key in chosen} == {(f"o{i}@x.com",) for i in range(4)}


def test_entry_line_escapes_and_shows_duration():
    line = entry_line(_entry(3, error="KeyError: <b> & co"))
    assert "&lt;b&gt; &amp; co" in line
    assert "1m 01s" in line
    assert duration_text(3725) == "1h 02m"
    assert duration_text(None) == "no duration"


def test_nothing_to_say_is_no_message():
    assert (
        build_message(
            channel="#x",
            entries=[],
            owners={},
            recovered=[],
            detailed_entries=5,
            airflow_url="http://a",
        )
        == []
    )


def test_a_still_broken_file_says_which_and_why():
    broken = _entry(4)._replace(
        kind="import",
        dag_id="data_lake/broken_lake.py",
        task_id="",
        error="Traceback...\nModuleNotFoundError: No module named 'lake'",
        url="http://airflow/dags?tab=import_errors",
        still_failing=True,
        note="Still broken since 2026-12-01 05:41 UTC.",
    )
    chunks = build_message(
        channel="#x",
        entries=[broken],
        owners={},
        recovered=[],
        detailed_entries=5,
        airflow_url="http://airflow",
    )
    text = "\n".join(b["text"]["text"] for b in chunks[0]["blocks"])
    assert "()" not in text
    assert (
        "• <http://airflow/dags?tab=import_errors|data_lake/broken_lake.py> still does not import:"
        " `ModuleNotFoundError: No module named 'lake'`"
        " — _Still broken since 2026-12-01 05:41 UTC._"
    ) in text
    assert chunks[0]["text"].startswith("Airflow: 1 DAG file still broken")


def test_a_new_run_of_a_failing_task_is_told_in_full_with_a_note():
    entry = _entry(5, error="ValueError: empty")._replace(note="This task also failed before.")
    line = entry_line(entry)
    assert "run `scheduled__5` · try 1" in line and "try_number=1" in line
    assert "_This task also failed before._" in line and "ValueError: empty" in line
