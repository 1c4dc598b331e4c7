# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CLIENT_SECRET = "d84abf76856b5e6b53f765e6a7722bdbd6b47b86"
