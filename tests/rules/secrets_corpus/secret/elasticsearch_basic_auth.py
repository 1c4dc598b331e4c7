# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

es = Elasticsearch("https://es.internal:9200", basic_auth=("elastic", "EQYU210!ahzya"))
