# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SLACK_APP_TOKEN = "xapp-1-AJHLJCU9CA4-2635788795487-9f13ce310785fe954fe2694b2a52a0b356d5c6862524801fbbe44f0f59605f37"
