# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SNOWFLAKE_KEY = {
    "private_key_file": "/keys/rsa_key.p8",
    "private_key_passphrase": "violet harbour tractor nimble",
}
