# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/warehouse/password-AbCdEf"
