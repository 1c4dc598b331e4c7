# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

token = "pbFYBI/JP38aQIKo337jjTl/PjyMmF8Jz9vAm3fc"
