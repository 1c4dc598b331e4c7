"""Rolls up regions with a SubDAG per region (2019 style)."""
from airflow.models import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.subdag_operator import SubDagOperator
from airflow.utils.dates import days_ago

ARGS = {"owner": "regions@example.com", "start_date": days_ago(2)}


def region_subdag(parent, child, args):
    sub = DAG(f"{parent}.{child}", default_args=args, schedule_interval="@daily")
    for region in ("north", "south"):
        DummyOperator(task_id=f"rollup_{region}", dag=sub)
    return sub


with DAG("regional_rollup", default_args=ARGS, schedule_interval="@daily") as dag:
    start = DummyOperator(task_id="start")
    regions = SubDagOperator(task_id="regions", subdag=region_subdag("regional_rollup", "regions", ARGS))
    start >> regions
