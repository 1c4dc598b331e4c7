# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def verify(path: str):
    import hashlib

    assert hashlib.md5(open(path, "rb").read()).hexdigest() == "5d41402abc4b2a76b9719d911017c592"
