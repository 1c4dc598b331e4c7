# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

db_password = Secret(
    deploy_type="env", deploy_target="DB_PASSWORD", secret="warehouse-credentials", key="password"
)
