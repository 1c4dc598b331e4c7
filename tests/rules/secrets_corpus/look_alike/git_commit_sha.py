# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

GIT_COMMIT = "3f2c9b7e1a4d5c6b8e9f0a1b2c3d4e5f6a7b8c9d"
