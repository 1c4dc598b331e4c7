# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

AZURE = "DefaultEndpointsProtocol=https;AccountName=lakeacme;AccountKey=IQ0R91HwnBWtoKVH8dpYeMkKpb5a8ZcRvu0lZ50ejyrFt+IH8QK/DGJrexiffisCEvk4X1NKt2scKVKawhQxvC==;EndpointSuffix=core.windows.net"
