"""Shared helpers, written for Airflow 1.10 and kept working on Airflow 2."""
from airflow.hooks.base_hook import BaseHook
from airflow.operators.python_operator import PythonOperator


def warehouse_uri(conn_id="warehouse"):
    conn = BaseHook.get_connection(conn_id)
    return conn.get_uri()


def print_day(**context):
    print("running for", context["execution_date"], context["ds"])


def day_printer(task_id):
    return PythonOperator(task_id=task_id, python_callable=print_day, provide_context=True)
