"""The revision of Airflow's metadata-database schema that this Airflow version migrates to.

Airflow has no public call for it: its Alembic configuration comes from the private
`airflow.utils.db._get_alembic_config`.
"""

from __future__ import annotations


def head_revision() -> str:
    """The Alembic revision a fully migrated database of the installed Airflow has."""
    from airflow.utils.db import _get_alembic_config
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_get_alembic_config()).get_current_head()
