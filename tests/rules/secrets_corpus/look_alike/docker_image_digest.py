# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

IMAGE = "gcr.io/acme-prod/dbt-runner@sha256:4d2b7e0a9c8f1e3d5b6a7c8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a"
