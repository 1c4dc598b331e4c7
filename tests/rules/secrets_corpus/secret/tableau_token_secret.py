# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

TABLEAU = {
    "token_name": "airflow-refresh",
    "token_secret": "DMctQl6tnZ276aUTSoSg0Y:6dQpyJMI8K5OXG8oEp6kq0wP1fIhg3LM",
}
