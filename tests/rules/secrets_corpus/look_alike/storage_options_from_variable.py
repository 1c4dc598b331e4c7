# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

storage_options = {"key": Variable.get("lake_key_id"), "secret": Variable.get("lake_secret")}
