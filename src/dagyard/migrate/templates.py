"""Airflow 2 template variables and context keys, and their Airflow 3 replacements.

Only replacements with the same meaning are applied; the rest are reported. The table follows
Airflow 2's own deprecation table (`airflow.utils.context.Context._DEPRECATION_REPLACEMENTS`).
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Replacement(NamedTuple):
    """A Jinja expression with the same meaning, and the context key when there is one."""

    jinja: str
    context_key: str | None = None


SAME_MEANING: dict[str, Replacement] = {
    "execution_date": Replacement("logical_date", "logical_date"),
    "next_execution_date": Replacement("data_interval_end", "data_interval_end"),
    "next_ds": Replacement("data_interval_end | ds"),
    "next_ds_nodash": Replacement("data_interval_end | ds_nodash"),
    "prev_execution_date_success": Replacement(
        "prev_data_interval_start_success", "prev_data_interval_start_success"
    ),
    "tomorrow_ds": Replacement("macros.ds_add(ds, 1)"),
    "yesterday_ds": Replacement("macros.ds_add(ds, -1)"),
    "tomorrow_ds_nodash": Replacement("macros.ds_format(macros.ds_add(ds, 1), {dash}, {plain})"),
    "yesterday_ds_nodash": Replacement("macros.ds_format(macros.ds_add(ds, -1), {dash}, {plain})"),
}

# Removed from the context in Airflow 3, with no replacement of the same meaning.
NO_REPLACEMENT: dict[str, str] = {
    "prev_ds": "use `prev_data_interval_start_success` (the last successful run) if that is what "
    "you meant, or compute the date from `data_interval_start`",
    "prev_ds_nodash": "use `prev_data_interval_start_success | ds_nodash` if that is what you "
    "meant, or compute the date from `data_interval_start`",
    "prev_execution_date": "use `prev_data_interval_start_success` (the last successful run) if "
    "that is what you meant",
    "conf": "read settings with `from airflow.configuration import conf` inside the task instead",
}

# Context keys whose replacement is a Jinja filter: fine in a template, not as a dict key.
CONTEXT_ONLY_HINT: dict[str, str] = {
    "next_ds": 'context["data_interval_end"].strftime("%Y-%m-%d")',
    "next_ds_nodash": 'context["data_interval_end"].strftime("%Y%m%d")',
    "tomorrow_ds": 'macros.ds_add(context["ds"], 1) (from airflow.sdk import macros)',
    "yesterday_ds": 'macros.ds_add(context["ds"], -1) (from airflow.sdk import macros)',
    "tomorrow_ds_nodash": 'context["logical_date"].add(days=1).strftime("%Y%m%d")',
    "yesterday_ds_nodash": 'context["logical_date"].subtract(days=1).strftime("%Y%m%d")',
}

_JINJA_BLOCK = re.compile(r"(\{\{|\{%)(.*?)(\}\}|%\})", re.DOTALL)
_IDENTIFIER = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*)\b(?!\s*=[^=])")
_ATTRIBUTE = re.compile(r"\b(dag_run|ti|task_instance)\.execution_date\b")


class TemplateChange(NamedTuple):
    """A template after rewriting, and the removed variables it still uses."""

    text: str
    leftovers: list[str]


def rewrite_template(text: str, quote: str = '"') -> TemplateChange:
    """Replace Airflow 2 variables inside `{{ }}` / `{% %}` of `text` by their Airflow 3
    equivalents. `quote` is the quote character the replacement may not use (the one that
    delimits the surrounding Python string)."""
    leftovers: list[str] = []
    inner_quote = "'" if quote == '"' else '"'

    def expression(match: re.Match) -> str:
        opening, body, closing = match.groups()
        whole = body.strip()

        def name(found: re.Match) -> str:
            word = found.group(1)
            if word in SAME_MEANING:
                replacement = SAME_MEANING[word].jinja.format(
                    dash=f"{inner_quote}%Y-%m-%d{inner_quote}",
                    plain=f"{inner_quote}%Y%m%d{inner_quote}",
                )
                bare = whole == word or " " not in replacement
                return replacement if bare else f"({replacement})"
            if word in NO_REPLACEMENT:
                leftovers.append(word)
            return word

        body = _IDENTIFIER.sub(name, body)
        body = _ATTRIBUTE.sub(r"\1.logical_date", body)
        return f"{opening}{body}{closing}"

    return TemplateChange(_JINJA_BLOCK.sub(expression, text), leftovers)


def looks_like_template(text: str) -> bool:
    """Whether `text` has a Jinja expression or statement."""
    return "{{" in text or "{%" in text
