# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

os.environ["LOOKERSDK_CLIENT_SECRET"] = "cmMV0dLSHXFrnYBP2kXWbuOC"
