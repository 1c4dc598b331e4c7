# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

conn = ftplib.FTP("ftp.partner.com", user="acme", passwd="summer2024")
