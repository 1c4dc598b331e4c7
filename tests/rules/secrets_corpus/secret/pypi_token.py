# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

env = {
    "TWINE_PASSWORD": "pypi-AgEIcHlwaS5vcmcyJtiusc3_ZMS8rluXZrQerJnKLwWmKcFEL1XAy5foxwRKbEBwt1XGwF1DFJs"
}
