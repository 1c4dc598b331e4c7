# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

AWS_ACCESS_KEY_ID = "AKIABZIKB2CO7IPE0ZSG"
