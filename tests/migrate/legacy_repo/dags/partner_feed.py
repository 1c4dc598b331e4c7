"""Partner feed: waits for the export, then runs a shell script template."""
from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.sensors.external_task_sensor import ExternalTaskSensor
from airflow.contrib.sensors.file_sensor import FileSensor
from airflow.utils.dates import days_ago

with DAG(
    dag_id="partner_feed",
    schedule_interval="@daily",
    start_date=days_ago(1),
    default_args={"owner": "partner-team@example.com", "retries": 1},
    catchup=False,
) as dag:
    wait = ExternalTaskSensor(
        task_id="wait_for_export",
        external_dag_id="daily_sales_export",
        external_task_id="export",
        mode="reschedule",
    )
    landed = FileSensor(task_id="landed", filepath="/data/partner/{{ ds_nodash }}.csv")
    send = BashOperator(task_id="send", bash_command="scripts/send_feed.sh ")
    wait >> landed >> send
