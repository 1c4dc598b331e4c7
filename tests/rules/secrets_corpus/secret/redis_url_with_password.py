# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CACHE = "redis://:P0V5AEIYcuz0iKDQKni0FaOT@redis.internal:6379/0"
