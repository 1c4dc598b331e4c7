# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = Client("SK4fef5eb00b7a9d875af453d32d65f3d6", "te9zK8F2E6zLyvPPdOrwQ0jZPcggQhpA")
