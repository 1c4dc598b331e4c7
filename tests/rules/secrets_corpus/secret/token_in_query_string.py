# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

URL = "https://api.partner.com/v1/orders?access_token=8bH0VX5KO99TXfWBKs2aMPOTqe5YhGg2QrnR8sgh&limit=100"
