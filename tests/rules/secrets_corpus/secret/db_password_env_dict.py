# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("dbt_run", start_date=datetime(2024, 1, 1), schedule="@daily"):
    BashOperator(
        task_id="dbt",
        bash_command="dbt run --target prod",
        env={"DBT_USER": "dbt", "DBT_PASSWORD": "MBGV871#unzgc"},
    )
