# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HEADERS = {
    "Authorization": "Bearer xoxp-978613184821-620748126802-2223049243700-85ed77b917c7828131635c751d6c9c2a"
}
