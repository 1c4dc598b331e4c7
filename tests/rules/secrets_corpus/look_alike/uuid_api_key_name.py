# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

report = PowerBIDatasetRefreshOperator(
    task_id="refresh",
    dataset_id="b6a1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    group_id="0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
)
