# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@dataclass
class Warehouse:
    host: str = "warehouse.internal"
    password: str = "DTYS642%phohy"
