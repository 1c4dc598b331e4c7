# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

warehouse = Connection(
    conn_id="warehouse",
    conn_type="postgres",
    host="warehouse.internal",
    login="etl",
    password="LOCM821%grudx",
)
