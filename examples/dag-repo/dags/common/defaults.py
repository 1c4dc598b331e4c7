"""Default arguments every DAG in this repository starts from."""

from datetime import timedelta


def default_args(owner: str, retries: int = 2) -> dict:
    """Return the default task arguments for a DAG owned by `owner` (an e-mail address)."""
    return {
        "owner": owner,
        "retries": retries,
        "retry_delay": timedelta(minutes=5),
    }
