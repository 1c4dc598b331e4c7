# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

WAREHOUSE = "postgresql://etl_loader:XYQN510#ugbkk@warehouse.internal:5432/analytics"
