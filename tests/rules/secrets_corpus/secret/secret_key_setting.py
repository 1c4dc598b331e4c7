# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SECRET_KEY = "p#UN(r-5pYPmHg@6Sz+M_oUGfY&tFW@t(SNT3OgeHS3lTh1--3"
