# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ftp = ftplib.FTP("ftp.partner.com")
ftp.login("acme", "RZQG310!bueoa")
