# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

FIXTURE = {
    "username": "demo",
    "password_hash": "$2b$12$KIXQJk0fHqvN1Zx7Qe7s8uJwJ0o1s3k4l5m6n7o8p9q0r1s2t3u4v",
}
