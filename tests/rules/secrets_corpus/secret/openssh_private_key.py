# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nKekqZ/3aKptrk2NyShFwEzD91Uf11/34KGVwb9g/8Knj2efKObi/J1+IKld5GtFO\nLe1iYT6paf4lyD2d0S7Qf6PDYrVMhr0cwrqOaxMpHh8KBd+q+JY3lg7fs/CobQsq\n-----END OPENSSH PRIVATE KEY-----\n"
