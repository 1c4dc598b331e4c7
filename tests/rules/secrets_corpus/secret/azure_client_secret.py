# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

credential = ClientSecretCredential(
    tenant_id="7c2a1f0e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    client_id="f1e2d3c4-b5a6-4978-8a9b-1c2d3e4f5a6b",
    client_secret="GWv8Q~cHGWAJfTr5CdYunVNLVJ4_wyk3XsKYbY7W",
)
