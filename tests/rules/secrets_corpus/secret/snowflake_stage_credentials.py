# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CREATE_STAGE = """
CREATE OR REPLACE STAGE raw_stage URL='s3://raw-events/'
CREDENTIALS=(AWS_KEY_ID='AKIADZQQP0956PP6J4H5' AWS_SECRET_KEY='bD6i9BPkDj3zHdo1B055YjnhDxS3aQHbOzg7GCi2');
"""
