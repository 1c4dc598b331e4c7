# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

headers = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-goog-hash": "crc32c=n03x6A=="}
