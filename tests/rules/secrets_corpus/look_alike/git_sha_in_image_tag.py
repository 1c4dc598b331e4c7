# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

pod = KubernetesPodOperator(
    task_id="transform",
    image="europe-docker.pkg.dev/acme/etl/transform:9c1e4f2a7b3d8e6f5a4c3b2a1f0e9d8c7b6a5f4e",
    name="transform",
)
