# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

conn = pymysql.connect(host="mysql.internal", user="etl", passwd="JUAB179#mhsjc", db="shop")
