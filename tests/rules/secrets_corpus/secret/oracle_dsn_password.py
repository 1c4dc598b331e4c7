# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

conn = oracledb.connect(user="erp_read", password="EMXX171%twppv", dsn="oracle.internal/ERP")
