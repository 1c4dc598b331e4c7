"""`dagyard dev --db postgresql://...`: the same environment on PostgreSQL, migrated once."""

from __future__ import annotations

import socket
import uuid

import psycopg2
import pytest

from support import start_dev

pytestmark = pytest.mark.timeout(600)
SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def database_url():
    name = f"dagyard_dev_{uuid.uuid4().hex[:8]}"
    yield f"{SERVER}/{name}"
    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_dev_runs_on_postgres_and_reset_uses_the_template(dag_repo, database_url):
    first = start_dev(dag_repo, "--db", database_url)
    try:
        with first.client() as api:
            dags = {d["dag_id"] for d in api.get("/api/v2/dags").json()["dags"]}
        assert dags == {"hello_taskflow", "my_first_report"}
    finally:
        assert first.stop() == 130  # Ctrl-C: interrupted
    assert "Metadata database" in first.text()

    again = start_dev(dag_repo, "--db", database_url, "--reset")
    try:
        assert "Metadata database created from the migrated template" in again.text()
        with again.client() as api:
            assert api.get("/api/v2/dags/hello_taskflow").status_code == 200
    finally:
        assert again.stop() == 130


def test_unreachable_postgres_is_a_clear_error_and_nothing_is_left(dag_repo):
    import subprocess

    from support import DAGYARD, free_port

    port = free_port()
    result = subprocess.run(
        [
            DAGYARD,
            "dev",
            "--project",
            str(dag_repo),
            "--port",
            str(port),
            "--db",
            f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_here",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Cannot use the PostgreSQL database" in result.stderr
    assert "Check that the server is running" in result.stderr
    assert not (dag_repo / ".dagyard" / "dev.json").exists()
    with socket.socket() as sock:  # the API server that had started is gone again
        sock.bind(("127.0.0.1", port))
