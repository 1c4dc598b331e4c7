# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ANTHROPIC_API_KEY = "sk-ant-api03-vpycwLJGXxQ3JQ7Rai_UJQ1cpxKTU5wxLW1fITeqkfa485kB7WEJ8Zosze4bv_prq9Ebs4n1wAJJ42y4ge7BnLp845pEAAA"
