# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

refresh = BashOperator(
    task_id="refresh",
    bash_command="curl -s -X POST -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJKWG8xa3JKaSIsImlhdCI6MTczMzAwMDAwMCwic2NvcGUiOiJyZWFkIHdyaXRlIn0.oj0-6Pv3u6ANA7BIbmo4WRXYrTXytSqUmewp6oc7pmp' https://bi.internal/api/refresh",
)
