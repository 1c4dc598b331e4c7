# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

import stripe

stripe.api_key = "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"
