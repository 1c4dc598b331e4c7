# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

GITLAB_TOKEN = "glpat-kUqt4xmiCixg684jhdi4"
