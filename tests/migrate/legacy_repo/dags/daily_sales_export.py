# -*- coding: utf-8 -*-
"""Exports yesterday's sales. Written in 2020."""
from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator, BranchPythonOperator
from airflow.utils.dates import days_ago

from common.helpers import day_printer
from shared_code.alerts import notify

default_args = {
    'owner': 'sales-analyst@example.com',
    'retries': 2,
    'retry_delay': timedelta(minutes=5),
    'on_failure_callback': notify,
}


def choose(**kwargs):
    if kwargs['execution_date'].weekday() == 0:
        return 'weekly_summary'
    return 'skip_summary'


dag = DAG(
    'daily_sales_export',
    default_args=default_args,
    schedule_interval='0 3 * * *',
    start_date=days_ago(3),
    catchup=False,
    tags=['sales'],
)

start = DummyOperator(task_id='start', dag=dag)
export = BashOperator(
    task_id='export',
    bash_command='python export.py --day {{ ds }} --until {{ next_ds }} --stamp {{ execution_date }}',
    dag=dag,
)
branch = BranchPythonOperator(task_id='branch', python_callable=choose, provide_context=True, dag=dag)
weekly = BashOperator(task_id='weekly_summary', bash_command='echo {{ yesterday_ds_nodash }}', dag=dag)
skip = DummyOperator(task_id='skip_summary', dag=dag)
report = day_printer('report')
report.dag = dag

start >> export >> branch >> [weekly, skip]
export >> report
