# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

MANIFEST = {
    "digest": "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "size": 7143,
}
