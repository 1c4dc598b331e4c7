# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

GPG_FINGERPRINT = "9A3B 4C2D 1E0F 5A6B 7C8D  9E0F 1A2B 3C4D 5E6F 7A8B"
