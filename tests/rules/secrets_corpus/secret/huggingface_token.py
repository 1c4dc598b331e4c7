# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HF_TOKEN = "hf_ZQsCgjSXXCqhSzgAbB8pyRVNDgM4lMxoQP"
