"""Isolated, fast DAG loading: import Airflow once, fork per file."""
