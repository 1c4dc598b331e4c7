# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "analytics-prod",
    "private_key_id": "0f7ccff44c3698e3feb947e0fa5f9b3e236a3305",
    "private_key": "-----BEGIN PRIVATE KEY-----\nV6eCc/SQSCtgvG/gpdp8g38hw6bgfVxj39GrYrt5cdo+ReKcaVqBAGiny7lqTBMU\n5ZBxRjAdn8+HVcefBqQ90MyuE45YrKnmeWZnjTT1qmZxuf+aoIOAP5Ohp3he9bbq\n-----END PRIVATE KEY-----\n",
    "client_email": "loader@analytics-prod.iam.gserviceaccount.com",
}
