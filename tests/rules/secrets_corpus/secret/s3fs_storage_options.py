# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

df.to_parquet(
    "s3://lake/orders.parquet",
    storage_options={
        "key": "AKIAGPTDQXFRR9KPLJT0",
        "secret": "02wtAqIdNQa3VpS1IkrluFwgLuAnq49mT0zlgNPC",
    },
)
