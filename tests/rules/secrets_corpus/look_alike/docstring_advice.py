# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

"""Loads the partner feed.

The API token lives in the `partner_api` connection: never paste it here.
"""
