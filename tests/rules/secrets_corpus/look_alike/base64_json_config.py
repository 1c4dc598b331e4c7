# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CONFIG_B64 = "eyJ0YWJsZSI6ICJvcmRlcnMiLCAicGFydGl0aW9uIjogImRzIiwgImZvcm1hdCI6ICJwYXJxdWV0In0="
