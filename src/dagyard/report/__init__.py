"""Show a check's findings: text for people, JSON for tools, GitHub annotations, SARIF."""

from __future__ import annotations

from enum import StrEnum

from dagyard.report.github import render_github
from dagyard.report.json_output import render_json, to_dict
from dagyard.report.sarif import render_sarif
from dagyard.report.text import render_text


class Format(StrEnum):
    """The formats a report can be written in."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


FORMATS = tuple(Format)

__all__ = [
    "FORMATS",
    "Format",
    "render_github",
    "render_json",
    "render_sarif",
    "render_text",
    "to_dict",
]
