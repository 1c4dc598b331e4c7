# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

last_etag = '"33a64df551425fcc55e4d42a148795d9f25f89d4"'
