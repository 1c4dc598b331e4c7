# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

env_from = [k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name="etl-credentials"))]
