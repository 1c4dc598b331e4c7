# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

resp = requests.get(
    url,
    params={
        "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJJS1pvSDdmWCIsImlhdCI6MTczMzAwMDAwMCwic2NvcGUiOiJyZWFkIHdyaXRlIn0.A_-aMwEYdJJzkfjRrwZgqsI1AzbwnYsoF3fJDFSVCnd"
    },
)
