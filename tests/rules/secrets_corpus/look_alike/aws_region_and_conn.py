# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

S3 = {"aws_conn_id": "aws_default", "region_name": "eu-west-1"}
