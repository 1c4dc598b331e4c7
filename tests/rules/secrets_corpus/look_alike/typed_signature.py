# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


def connect(host: str, password: str, token: str | None = None) -> None:
    """Open a connection; the password and token come from the caller."""
