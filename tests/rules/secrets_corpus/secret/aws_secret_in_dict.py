# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

AWS_CREDENTIALS = {
    "aws_secret_access_key": "yQnP8o4FG5B5EGnwAp+cz2jlPR9+RrxEmlKi+Mf5",
    "region_name": "eu-west-1",
}
