"""Failure callback shared by several DAGs, kept outside dags/."""
from airflow.hooks.base_hook import BaseHook


def notify(context):
    conn = BaseHook.get_connection("chat")
    print(conn.host, context["execution_date"])
