# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

session = dict(
    aws_access_key_id="ASIA5R8H7L803VYPXLIH",
    aws_session_token="IQoJb3JpZ2luX2VjEpmO6W9/yNsOSUTbfUwzov1sjBNMFZlvLu5MhikfhyPsrTEIXdHJwqRIsBIrlyDrWNHa9ZPJ055h3ZY7Isg/qOwVxQ3pZ9wpzcVRMk245Brxqq+KyzsOnFg4x",
)
