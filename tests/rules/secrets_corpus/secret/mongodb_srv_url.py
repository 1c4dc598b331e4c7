# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

MONGO_URI = (
    "mongodb+srv://app_reader:5QihIWIyWY9545q8@cluster0.ab1cd.mongodb.net/events?retryWrites=true"
)
