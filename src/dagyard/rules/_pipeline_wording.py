"""Findings on pipeline files in the words of pipeline files: steps, not tasks; YAML keys in
the fixes, not Python arguments. The rules stay the same for both kinds of file."""

from __future__ import annotations

import re

# rule id -> the fix as a pipeline author writes it (DY110 writes its own, with the company's
# domain in the example)
HINTS = {
    "DY104": "give each pipeline a unique id on its `pipeline:` line (e.g. prefix the folder)",
    "DY130": "never write secrets in a pipeline: store it as a connection or variable "
    "(locally with `dagyard secrets set`, in production in the secrets store), refer to it as "
    "{{ conn.NAME.password }} or {{ var.value.NAME }}, and change the leaked value",
    "DY140": "add `retries: 2` (or an explicit `retries: 0`) to the pipeline",
    "DY141": "add tags so that people can find it, e.g. tags: [finance]",
    "DY145": "split it into smaller pipelines that start each other (uses: trigger)",
    "DY146": "ask the platform team: a template does slow work while the pipeline is read",
}

_WORDS = (
    (re.compile(r"\bDAG id\b"), "pipeline id"),
    (re.compile(r"\bDAG\b"), "pipeline"),
    (re.compile(r"\btasks\b"), "steps"),
    (re.compile(r"\btask\b"), "step"),
)


def reword(rule_id: str, message: str, hint: str) -> tuple[str, str]:
    """(message, hint) of a finding on a pipeline file."""
    for pattern, word in _WORDS:
        message = pattern.sub(word, message)
    return message, HINTS.get(rule_id, hint)
