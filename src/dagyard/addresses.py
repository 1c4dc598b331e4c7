"""E-mail addresses, as owners and team members write them."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$")


DEFAULT_OWNERS = {"", "airflow"}


def owner_problem(owner: str, domains: list[str]) -> str | None:
    """Why `owner` cannot own a DAG or a pipeline, or None when it can."""
    if owner.strip().lower() in DEFAULT_OWNERS:
        return "has no owner"
    match = EMAIL.match(owner.strip())
    if not match:
        return f"has the owner '{owner}', which is not an e-mail address"
    domain = match.group("domain").lower()
    allowed = [d.lower().lstrip("@") for d in domains]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        return f"has the owner '{owner}', which is not an address of {' or '.join(allowed)}"
    return None
