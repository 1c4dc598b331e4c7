# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HMAC = {
    "access_id": "GOOG1EY79CL6VUUV37I00T877Q96SU2ETWG2EWEGFZ6CW5UQVII371ZZ5BUJ3",
    "secret": "rVDaqWhnl0+fFkWcr0Q3eFYjeobsQtMpAn8Ijgq8",
}
