"""Text, JSON, GitHub annotations and SARIF from one hand-made report."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from dagyard.parsing.dag_facts import DagSummary
from dagyard.parsing.loader import LoadResult
from dagyard.parsing.source import Source
from dagyard.report import render_github, render_json, render_sarif, render_text
from dagyard.rules import RULES
from dagyard.rules._base import CheckedFile, Finding
from dagyard.rules.engine import Report

ROOT = Path("/repo")


def make_report(findings: list[Finding]) -> Report:
    path = ROOT / "dags" / "team" / "a.py"
    result = LoadResult(str(path), [DagSummary("a", str(path), 2)], [], 0.1)
    checked = CheckedFile(path, "dags/team/a.py", Source(path, "x = 1\n"), result)
    return Report(findings, [checked], 1.25)


FINDINGS = [
    Finding(
        "DY110",
        "owner",
        "error",
        "DAG 'a' has the owner 'bob', which is not an e-mail address",
        'set the owner, e.g. default_args={"owner": "name@example.com"}',
        "/repo/dags/team/a.py",
        12,
        'default_args={"owner": "bob"},',
    ),
    Finding(
        "DY141",
        "tags",
        "warning",
        "DAG 'a' has no tags",
        'add tags, e.g. tags=["team"], 100% useful: yes',
        "/repo/dags/team/a.py",
        None,
    ),
]


def test_text_groups_by_file_with_source_line_and_fix():
    console = Console(record=True, width=200)
    render_text(make_report(FINDINGS), ROOT, console)
    text = console.export_text()
    assert text.count("dags/team/a.py") == 1
    assert "12  error   DY110 DAG 'a' has the owner 'bob'" in text
    assert '│ default_args={"owner": "bob"},' in text
    assert "fix: set the owner" in text
    assert "-  warning DY141" in text
    assert "1 error(s), 1 warning(s)" in text
    assert "1 file(s), 1 DAG(s) checked in 1.2 s" in text


def test_text_when_clean_says_so():
    console = Console(record=True, width=200)
    render_text(make_report([]), ROOT, console)
    assert "All good" in console.export_text()


def test_json_has_findings_and_summary():
    data = json.loads(render_json(make_report(FINDINGS), ROOT))
    assert data["summary"] == {
        "files": 1,
        "dags": 1,
        "errors": 1,
        "warnings": 1,
        "seconds": 1.25,
        "base": None,
        "checked": ["dags/team/a.py"],
        "scope": "all",
        "airflow_parses": None,
        "notes": [],
    }
    first = data["findings"][0]
    assert first["file"] == "dags/team/a.py"
    assert first["line"] == 12
    assert first["source"] == 'default_args={"owner": "bob"},'


def test_github_annotations_escape_their_data():
    lines = render_github(make_report(FINDINGS), ROOT).splitlines()
    assert lines[0].startswith("::error file=dags/team/a.py,line=12,title=DY110 owner::DAG 'a'")
    assert lines[1].startswith("::warning file=dags/team/a.py,title=DY141 tags::")
    assert "100%25 useful" in lines[1]
    assert lines[-1] == "dagyard check: 1 error(s), 1 warning(s) in 1 file(s)"


def test_sarif_is_a_valid_2_1_0_log():
    log = json.loads(render_sarif(make_report(FINDINGS), ROOT))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [rule.ID for rule in RULES]
    result = run["results"][0]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "DY110"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "dags/team/a.py"}, "region": {"startLine": 12}}
    assert "region" not in run["results"][1]["locations"][0]["physicalLocation"]
