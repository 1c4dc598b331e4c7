# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DATASET_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
