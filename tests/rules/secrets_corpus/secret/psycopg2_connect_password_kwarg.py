# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def vacuum():
    import psycopg2

    conn = psycopg2.connect(
        host="db.internal", dbname="lake", user="maint", password="MTYX065!sqkix"
    )
    conn.autocommit = True
    conn.cursor().execute("VACUUM ANALYZE")
