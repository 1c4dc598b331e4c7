# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SAS_URL = "https://lakeacme.blob.core.windows.net/raw?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2025-12-31T00:00:00Z&sig=MwwbcNgrQMv8ICPeqUOX3IqJl2LlrA3aSUuduAi8+mn%3D"
