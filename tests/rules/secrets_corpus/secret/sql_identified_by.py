# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CREATE_USER = """
CREATE USER 'reporting'@'%' IDENTIFIED BY 'IRYH933&pturi';
GRANT SELECT ON shop.* TO 'reporting'@'%';
"""
