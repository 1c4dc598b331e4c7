# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sql = "GRANT SELECT ON ALL TABLES IN SCHEMA mart TO reporting_role"
