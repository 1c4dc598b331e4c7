# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SERVICE_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2aWh3Z3VRTyIsImlhdCI6MTczMzAwMDAwMCwic2NvcGUiOiJyZWFkIHdyaXRlIn0.fFUyyZMcj8nlHmN27lsm12UrdN9MnJTXFE8teKlGQs7"
