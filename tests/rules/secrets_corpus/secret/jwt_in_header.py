# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HEADERS = {
    "Authorization": "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJDakZyYVdVSSIsImlhdCI6MTczMzAwMDAwMCwic2NvcGUiOiJyZWFkIHdyaXRlIn0.HGsmmf1WHku68v5r7Oea8lQyoBGZ7_wBXcyrBXjSuEa"
}
