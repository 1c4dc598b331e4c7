# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DEPLOY_KEY = """-----BEGIN RSA PRIVATE KEY-----\nUWnM9Ml+XEv+ALHZIBxKw6OfnyAAGNZfNnSYhJoepoWUjgmGwofPLgZ06i+sgXSL\nS75fwgXy+fa1sF6M1sQBWGO9p+MEIAs7YfH8ZX1IBXogpcKQjOzGO93UPjeDuics\n-----END RSA PRIVATE KEY-----\n"""
