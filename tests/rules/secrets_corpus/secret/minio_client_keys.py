# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = Minio(
    "minio.internal:9000",
    access_key="minio-etl",
    secret_key="Dgzwb5UmN3GTybA2ZLDe4jLFSaZiesqZUziIKeIk",
    secure=False,
)
