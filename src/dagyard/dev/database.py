"""The local metadata database: migrate once per Airflow version, then start from a template.

SQLite (the embedded default): the first migration of an Airflow version is kept as a template
file in the user's cache; a fresh project or `--reset` copies it instead of migrating again.
PostgreSQL (`--db postgresql://...`): the same idea with `CREATE DATABASE ... TEMPLATE`.

Call these only after `airflow_env.apply()`: they import Airflow to migrate.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dagyard._airflow.metadata_schema import head_revision

TEMPLATE_DB_PREFIX = "dagyard_template_airflow_"


class DatabaseState(StrEnum):
    """What `prepare_database` had to do."""

    READY = "ready"
    FROM_TEMPLATE = "created from the migrated template"
    MIGRATED = "migrated"


def template_dir() -> Path:
    """Where migrated template databases are cached, shared by every project of this user."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dagyard" / "db-templates"


def airflow_version() -> str:
    """The installed Airflow version (without importing Airflow itself)."""
    from importlib.metadata import version

    return version("apache-airflow-core")


def migrate() -> None:
    """Create or upgrade the configured metadata database to this Airflow version."""
    from airflow import settings
    from airflow.utils import db

    db.upgradedb()
    settings.engine.dispose()


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision of a SQLite metadata database, or None if it has none."""
    if not path.exists():
        return None
    try:
        with sqlite3.connect(path) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def prepare_sqlite(db_file: Path, *, reset: bool) -> DatabaseState:
    """Make `db_file` a migrated database for the installed Airflow, as cheaply as possible."""
    if reset:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    template = template_dir() / f"airflow-{airflow_version()}.sqlite"
    template_revision = sqlite_revision(template)
    current = sqlite_revision(db_file)
    if current is not None and current == (template_revision or head_revision()):
        return DatabaseState.READY
    if current is None and db_file.exists() and db_file.stat().st_size:
        # Not an Airflow database we can read: keep it aside rather than lose it.
        db_file.rename(db_file.with_name(f"{db_file.name}.unreadable-{int(time.time())}"))
    if current is None and template_revision:
        db_file.unlink(missing_ok=True)
        _copy_atomically(template, db_file)
        return DatabaseState.FROM_TEMPLATE
    migrate()
    if current is None:
        _copy_atomically(db_file, template)
    return DatabaseState.MIGRATED


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def prepare_postgres(url: str, *, reset: bool) -> DatabaseState:
    """Make the PostgreSQL database at `url` migrated, using a template database when it can.

    The template (`dagyard_template_airflow_<version>`) is created from the first database
    this user migrates on that server; `--reset` drops the database and recreates it from it.
    """
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    template = TEMPLATE_DB_PREFIX + airflow_version().replace(".", "_")
    admin = psycopg2.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname IN (%s, %s)", (name, template)
            )
            existing = {row[0] for row in cursor.fetchall()}
            if reset and name in existing:
                cursor.execute(
                    sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
                )
                existing.discard(name)
            if name not in existing and template in existing:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
                return DatabaseState.FROM_TEMPLATE
            if name not in existing:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            if _postgres_revision(url) == head_revision():
                return DatabaseState.READY
            was_empty = _postgres_revision(url) is None
            migrate()
            if was_empty and template not in existing:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(template), sql.Identifier(name)
                    )
                )
            return DatabaseState.MIGRATED
    finally:
        admin.close()


def _postgres_revision(url: str) -> str | None:
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(urlunsplit(parts._replace(scheme="postgresql")))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('alembic_version')")
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute("SELECT version_num FROM alembic_version")
            row = cursor.fetchone()
            return row[0] if row else None
    finally:
        connection.close()
