# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sensor = S3KeySensor(
    task_id="wait", bucket_key="s3://raw-events/{{ ds }}/_SUCCESS", aws_conn_id="aws_default"
)
