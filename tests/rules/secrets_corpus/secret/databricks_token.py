# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DatabricksSubmitRunOperator(task_id="train", json=job, databricks_conn_id="dbx", do_xcom_push=True)
DATABRICKS_TOKEN = "dapie8ba3a408a8447a62a2f84a1a708e7e6"
