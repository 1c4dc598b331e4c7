# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DD_API_KEY = "715686e433b6c79479f55a38ec7779bb"
