# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

EXTRA = {"token": "xoxb-112248670757-2080269388825-G4GE8pY2CiBl8zA6qlBdboYN"}
