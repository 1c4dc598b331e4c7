# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

STRIPE_KEY = "rk_live_svk2pK7SzhWTuW0ORTvT9dKG"
