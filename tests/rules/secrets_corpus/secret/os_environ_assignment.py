# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

os.environ["PARTNER_API_KEY"] = "f8RV6VywLKxU4E7eLDlwFNmfAmj3MFkN"
