# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

TELEGRAM = "6768166109:AA2ZyMkn1PSyjKgpNjeoNXhpWvgRPILlK5k"
