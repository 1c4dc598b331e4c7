# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def row_count() -> int:
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        "mysql+pymysql://reporting:ZDTS910!ffrkh@10.20.0.15:3306/shop"
    )
    with engine.connect() as conn:
        return conn.execute(sqlalchemy.text("SELECT count(*) FROM orders")).scalar()
