# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = OpenAI(api_key="sk-proj-UUo3yzZB-It-iPUADkyETOAklTMXrGspMKzV2i88f1YBa0Mb")
