# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

NPMRC = "//registry.npmjs.org/:_authToken=npm_gH4An7yvtX3Fi7UzS3Eb5gmsfnUdf0RnqlWi"
