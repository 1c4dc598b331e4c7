# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DISCORD_BOT_TOKEN = "MTUntHLQDEOq9Krb11tpcgztYm.MY_kxD.5Nvyme6_1cxaeQXgDBrOf0I8ybqYNt2w_ZuDz-"
