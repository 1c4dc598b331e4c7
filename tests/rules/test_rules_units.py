"""Rule helpers that need no Airflow: owners, cron, registry metadata."""

from __future__ import annotations

import re

import pytest

from dagyard.rules import RULES
from dagyard.rules.import_error import hint_for
from dagyard.rules.owner import problem
from dagyard.rules.schedule import valid_cron


@pytest.mark.parametrize(
    ("owner", "domains", "expected"),
    [
        ("kim@company.kr", ["company.kr"], None),
        ("kim@data.company.kr", ["company.kr"], None),
        ("kim@example.com", [], None),
        ("airflow", ["company.kr"], "has no owner"),
        ("", ["company.kr"], "has no owner"),
        ("kim", ["company.kr"], "not an e-mail address"),
        ("kim@gmail.com", ["company.kr"], "not an address of company.kr"),
        ("kim@notcompany.kr", ["company.kr"], "not an address of company.kr"),
    ],
)
def test_owner_problem(owner, domains, expected):
    why = problem(owner, domains)
    assert (why is None) if expected is None else (expected in why)


@pytest.mark.parametrize("expression", ["@daily", "@once", "0 6 * * *", "*/30 * * * 1-5"])
def test_valid_cron(expression):
    assert valid_cron(expression)


@pytest.mark.parametrize("expression", ["0 25 * * *", "every day", "@dayly", "* * *"])
def test_invalid_cron(expression):
    assert not valid_cron(expression)


def test_every_rule_is_documented_with_a_stable_id():
    ids = [rule.ID for rule in RULES]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for rule in RULES:
        assert re.fullmatch(r"DY1\d\d", rule.ID)
        assert rule.SEVERITY in {"error", "warning"}
        doc = rule.__doc__ or ""
        for part in ("What it does", "Why it matters", "Example", "Fix"):
            assert part in doc, f"{rule.ID} docstring lacks {part!r}"
        assert hasattr(rule, "check_file") or hasattr(rule, "check_repo")


def test_import_error_hints_name_the_next_step():
    assert "`dagyard deps add pandas`" in hint_for("ModuleNotFoundError: No module named 'pandas'")
    assert "`dagyard deps add pyyaml`" in hint_for("ModuleNotFoundError: No module named 'yaml'")
    assert "Airflow 3" in hint_for("ModuleNotFoundError: No module named 'airflow.operators.bash'")
    provider = hint_for("ModuleNotFoundError: No module named 'airflow.providers.amazon'")
    assert "`dagyard deps add apache-airflow-providers-amazon`" in provider
    assert "syntax" in hint_for("SyntaxError: invalid syntax")
    unregistered = (
        "airflow.exceptions.SerializationError: Failed to serialize DAG 'w': Timetable class "
        "'plugins.workday.AfterWorkdayTimetable' is not registered or you have a top level "
        "database access that disrupted the session."
    )
    assert "cron expression" in hint_for(unregistered) and "plugin" in hint_for(unregistered)
    assert '"downstream"' in hint_for(
        "SerializationError: Failed to serialize DAG 'x': Unknown priority strategy my.Strategy"
    )


def test_docs_rules_page_is_in_step_with_the_rules():
    from dagyard.rules._docs import rules_markdown
    from support import REPO

    page = (REPO / "docs" / "rules.md").read_text()
    assert page == rules_markdown(), "regenerate: python -m dagyard.rules._docs > docs/rules.md"
    for rule in RULES:
        assert f"### {rule.ID}" in page
