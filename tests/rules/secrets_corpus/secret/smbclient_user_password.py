# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "smbclient //fileserver/finance -U svc_etl%JHUX074#siazg -c 'get ledger.xlsx'"
