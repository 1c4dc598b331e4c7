"""Contract: the private parts of `airflow.utils.db_cleanup` that dagyard._airflow.db_cleanup
uses still behave as it expects, on the installed Airflow and a real migrated SQLite DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from metadata_db import PREPARE

CONTRACT = """
import json, os, sys
from datetime import UTC, datetime, timedelta
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sys.argv[1]
from airflow.utils import db_cleanup as airflow_cleanup
from airflow.utils.session import create_session
from sqlalchemy import inspect, text
from dagyard._airflow import db_cleanup

order = db_cleanup.table_order(None)
report = {"all": sorted(order) == sorted(airflow_cleanup.config_dict)}
report["dependents_first"] = all(
    order.index(dep) < order.index(name)
    for name in order
    for dep in airflow_cleanup.config_dict[name].dependent_tables or []
)
report["closure"] = db_cleanup.table_order(["dag_run"])
version = db_cleanup.table_config("dag_version", [text("1 = 1")])
report["keeps_airflow_settings"] = (
    version.skip_if_referenced == [("task_instance", "dag_version_id")]
    and version.keep_last
    and len(version.extra_filters) == 1
    and airflow_cleanup.config_dict["dag_version"].extra_filters in (None, [])
)
now = datetime.now(UTC)
with create_session() as session:
    for days in (40, 35, 30, 1):
        session.execute(
            text("INSERT INTO log (dttm, event, owner) VALUES (:t, 'contract', 'dagyard')"),
            {"t": now - timedelta(days=days)},
        )
with create_session() as session:
    config = db_cleanup.table_config("log", [text("base.event = 'contract'")])
    before = now - timedelta(days=14)
    query = db_cleanup.old_rows(config, before, session)
    from sqlalchemy import func, select
    report["counted"] = session.scalar(select(func.count()).select_from(query.subquery()))
    db_cleanup.move_and_delete(query, config, keep_archive=True, batch_size=2, session=session)
    session.commit()
    report["left"] = session.scalar(text("SELECT count(*) FROM log WHERE event = 'contract'"))
    names = inspect(session.bind).get_table_names()
    archives = [t for t in names if t.startswith("_airflow_deleted__log__")]
    report["archived_rows"] = sum(
        session.scalar(text(f"SELECT count(*) FROM {t}")) for t in archives
    )
    report["archive_tables"] = len(archives)
print(json.dumps(report))
"""


def test_airflow_cleanup_internals_keep_their_contract(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'airflow.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["AIRFLOW_HOME"] = str(tmp_path / "home")
    for script in (PREPARE, CONTRACT):
        done = subprocess.run(
            [sys.executable, "-c", script, url], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["all"] and report["dependents_first"]
    assert report["closure"][-1] == "dag_run"
    assert {"task_instance", "task_instance_history", "xcom"} <= set(report["closure"])
    assert report["keeps_airflow_settings"]
    assert report["counted"] == 3
    assert report["left"] == 1
    # batches of 2: the three old rows went through two archive tables, all three kept there
    assert report["archive_tables"] == 2
    assert report["archived_rows"] == 3
