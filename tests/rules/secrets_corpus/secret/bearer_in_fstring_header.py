# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

response = requests.post(
    url,
    headers={"Authorization": f"Bearer WxmyQgF8R6SYb5RuHzOUv5zMfp5SHWlj6tgIZuSDOUjVz594"},
    json=payload,
)
