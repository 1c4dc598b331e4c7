"""Show a check's findings: text for people, JSON for tools, GitHub annotations, SARIF."""

from __future__ import annotations

from dagyard.report.github import render_github
from dagyard.report.json_output import render_json, to_dict
from dagyard.report.sarif import render_sarif
from dagyard.report.text import render_text

FORMATS = ("text", "json", "github", "sarif")

__all__ = ["FORMATS", "render_github", "render_json", "render_sarif", "render_text", "to_dict"]
