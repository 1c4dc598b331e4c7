# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

KEYFILE = """{
  "type": "service_account",
  "private_key": "-----BEGIN PRIVATE KEY-----\nXvXLbC8TObWuGzK0KsYyl38G4nma/tAPUItv/pbWlxnOK1byPtEDocD1MymjHmaG\nRssa5HG10aGj4cp5OriIw1Ia9XLIXeG0BS6MCGKWaocAyuooQc+JVjAqI21A+Q8X\n-----END PRIVATE KEY-----\n",
  "client_email": "etl@lake.iam.gserviceaccount.com"
}"""
