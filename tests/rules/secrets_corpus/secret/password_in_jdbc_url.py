# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

JDBC = "jdbc:sqlserver://sql.internal:1433;databaseName=erp;user=etl;password=NJQA217%fiyok"
