# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SMTP = {
    "smtp_host": "smtp.office365.com",
    "smtp_user": "reports@acme.com",
    "smtp_password": "FVMY659&bklac",
}
