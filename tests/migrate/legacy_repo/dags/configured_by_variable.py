"""Reads its target table from a Variable when the file is parsed."""
from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash_operator import BashOperator
from airflow.utils.dates import days_ago

TABLE = Variable.get("rental_table", default_var="rentals")

with DAG("configured_by_variable", schedule_interval=None, start_date=days_ago(1),
         default_args={"owner": "lake@example.com"}, sla_miss_callback=None) as dag:
    BashOperator(task_id="load", bash_command=f"load --table {TABLE} --day {{{{ prev_ds }}}}",
                 sla=None)
