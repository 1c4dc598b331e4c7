"""Who may own a DAG: an e-mail address of one of the organisation's domains."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$")
DEFAULT_OWNERS = {"", "airflow"}


def problem(owner: str, domains: list[str]) -> str | None:
    """Why `owner` is not acceptable, or None when it is."""
    if owner.strip().lower() in DEFAULT_OWNERS:
        return "has no owner"
    match = _EMAIL.match(owner.strip())
    if not match:
        return f"has the owner '{owner}', which is not an e-mail address"
    domain = match.group("domain").lower()
    allowed = [d.lower().lstrip("@") for d in domains]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        return f"has the owner '{owner}', which is not an address of {' or '.join(allowed)}"
    return None
