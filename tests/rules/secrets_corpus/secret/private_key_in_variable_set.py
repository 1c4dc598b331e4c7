# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

Variable.set(
    "deploy_ssh_key",
    "-----BEGIN OPENSSH PRIVATE KEY-----\n5HiaPRfrdLa0JzqrNALHgAt+udzt4ptAzMb0kv/Qx3pFDSyvrm2exp5F3KRDvcCv\ndfkMP8XCg6JLy6dCYV3WweZTW/gwSYJBZ2Uoty+lFN8lLDc5DMLlb+lhWLxV9G/h\n-----END OPENSSH PRIVATE KEY-----\n",
)
