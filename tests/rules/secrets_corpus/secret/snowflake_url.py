# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SNOWFLAKE_URL = "snowflake://loader:BUES994#ccugo@xy12345.eu-west-1/raw/public?warehouse=LOAD_WH"
