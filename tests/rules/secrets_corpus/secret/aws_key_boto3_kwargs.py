# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def list_files():
    import boto3

    s3 = boto3.client(
        "s3",
        aws_access_key_id="AKIAJPJOMKEFOIUC3LGT",
        aws_secret_access_key="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",
    )
    return s3.list_objects_v2(Bucket="raw-events")["KeyCount"]
