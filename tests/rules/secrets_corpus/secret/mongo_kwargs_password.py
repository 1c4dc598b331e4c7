# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = MongoClient(
    host="mongo.internal", username="reader", password="CVUX226#flmha", authSource="admin"
)
