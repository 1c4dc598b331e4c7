# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

API_TOKEN = "qcq_6ijp_DCMMhVtieSf8NxCGgx2oc3kauxGXEPB"
