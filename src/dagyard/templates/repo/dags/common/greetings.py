"""A shared helper the example DAG uses; tested in tests/."""

ORGANISATION = "{{org_in_quotes}}"


def greeting(total: int) -> str:
    """The line the example DAG prints."""
    return f"Hello from {ORGANISATION}! The total is {total}."
