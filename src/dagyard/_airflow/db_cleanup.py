"""Adapter: the parts of `airflow.utils.db_cleanup` its public `run_cleanup` does not expose.

`run_cleanup` cleans whole tables by age. `dagyard db clean` also keeps each DAG's latest run
and every row still referenced, and counts rows before it deletes; for that it needs Airflow's
query builder and batch mover with extra filters. Those are private names, so they are used
here only; tests/_airflow/test_db_cleanup_contract.py checks them against the installed Airflow.
Import this module only in a process where Airflow is configured (it imports Airflow).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from airflow.utils import db_cleanup

# The alias Airflow's query builder gives the table being cleaned; raw SQL filters use it.
BASE = "base"


def table_order(names: list[str] | None) -> list[str]:
    """`names` (all tables when None) with the tables that depend on them, dependents first."""
    order, _configs = db_cleanup._effective_table_names(table_names=names or None)
    return order


def table_config(name: str, extra_filters: list[Any]) -> Any:
    """Airflow's clean-up settings for `name`, with `extra_filters` ANDed to its own."""
    config = db_cleanup.config_dict[name]
    return dataclasses.replace(
        config, extra_filters=[*(config.extra_filters or []), *extra_filters]
    )


def old_rows(config: Any, before: datetime, session: Any) -> Any:
    """The SELECT of rows `config` would remove that are older than `before`."""
    return db_cleanup._build_query(
        **{**config.__dict__, "clean_before_timestamp": before}, session=session
    )


def move_and_delete(
    query: Any, config: Any, *, keep_archive: bool, batch_size: int, session: Any
) -> None:
    """Delete the rows of `query` in batches of `batch_size`, one transaction per batch.

    With `keep_archive`, each batch is first copied to an `_airflow_deleted__<table>__...` table.
    """
    db_cleanup._do_delete(
        query=query,
        orm_model=config.orm_model,
        skip_archive=not keep_archive,
        session=session,
        batch_size=batch_size,
    )
