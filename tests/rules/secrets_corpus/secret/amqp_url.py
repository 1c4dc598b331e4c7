# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

BROKER = "amqp://celery:pfBJy14EBQaXP3@rabbitmq.internal:5672/etl"
