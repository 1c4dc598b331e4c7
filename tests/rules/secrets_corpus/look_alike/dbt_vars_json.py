# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

run = BashOperator(
    task_id="dbt", bash_command='dbt run --vars \'{"run_date": "{{ ds }}", "full_refresh": false}\''
)
