# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "wget --http-user=acme --http-password=PONP744#smkhs https://files.partner.com/export.zip"
