"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other security dashboards."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dagyard.paths import relative
from dagyard.rules import RULES
from dagyard.rules.engine import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/dagyard/dagyard/blob/main/docs/rules.md"


def _version() -> str:
    try:
        return version("dagyard")
    except PackageNotFoundError:
        return "0"


def render_sarif(report: Report, root: Path) -> str:
    """The report as a SARIF 2.1.0 log with one run and every rule described."""
    rules = [
        {
            "id": rule.ID,
            "name": rule.NAME,
            "shortDescription": {"text": rule.SUMMARY},
            "fullDescription": {"text": (rule.__doc__ or "").strip()},
            "helpUri": f"{DOCS}#{rule.ID.lower()}",
            "defaultConfiguration": {"level": rule.SEVERITY},
        }
        for rule in RULES
    ]
    index = {rule.ID: n for n, rule in enumerate(RULES)}
    results = []
    for f in report.findings:
        region = {"startLine": f.line} if f.line else {}
        if f.line and f.column:
            region["startColumn"] = f.column
        location = {"artifactLocation": {"uri": relative(f.file, root)}}
        if region:
            location["region"] = region
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": "error" if f.severity == "error" else "warning",
                "message": {"text": f"{f.message}. Fix: {f.hint}"},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dagyard check",
                        "version": _version(),
                        "informationUri": DOCS,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)
