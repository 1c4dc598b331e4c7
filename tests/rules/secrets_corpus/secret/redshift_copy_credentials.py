# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

COPY = """
COPY events FROM 's3://raw-events/2024/'
CREDENTIALS 'aws_access_key_id=AKIA7OZ69HF3ETJXYS8V;aws_secret_access_key=5J8TIlpc7SP/y3tzJs+/3MnFwGSJLjX3jMFbzr23'
FORMAT AS PARQUET;
"""
