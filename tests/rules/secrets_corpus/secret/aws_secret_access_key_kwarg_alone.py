# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

hook_kwargs = dict(aws_secret_access_key="y5koicH9moK3UOOl4C+/3D5pU4nLvOIJ3zNsnTo/")
