# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

AUTHORIZED_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx7c1QbJp0sVq9wY2Z3kR8mN4tF6hL5dA1eC0bX9uW7 deploy@ci"
)
