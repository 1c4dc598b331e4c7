"""A shared helper the example DAG uses; tested in tests/."""


def greeting(total: int) -> str:
    """The line the example DAG prints."""
    return f"Hello from {{org}}! The total is {total}."
