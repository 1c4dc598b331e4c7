"""The secret detector on a corpus: planted secrets are found, Airflow look-alikes are not.

The corpus (secrets_corpus/) holds one DAG-shaped file per case: `secret/` files each hold a
credential a reviewer would flag, `look_alike/` files hold none. bench/bench_secrets.py scores
dagyard, detect-secrets and gitleaks on the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dagyard.rules import hardcoded_secret
from dagyard.rules.hardcoded_secret import hash_secret, load_baseline, scan_text, write_baseline

CORPUS = Path(__file__).resolve().parent / "secrets_corpus"
SECRET_FILES = sorted((CORPUS / "secret").glob("*.py"))
LOOK_ALIKE_FILES = sorted((CORPUS / "look_alike").glob("*.py"))
# Every corpus file starts with the same four lines (a comment and imports): the case is below.
HEADER_LINES = 4


def test_corpus_is_large_and_balanced():
    assert len(SECRET_FILES) >= 100 and len(LOOK_ALIKE_FILES) >= 100


@pytest.mark.parametrize("path", SECRET_FILES, ids=lambda p: p.stem)
def test_every_corpus_secret_is_found_on_its_lines(path):
    found = scan_text(path, path.read_text(encoding="utf-8"))
    assert found, f"{path.name}: the credential was not found"
    assert all(s.line > HEADER_LINES and s.file == path for s in found)


@pytest.mark.parametrize("path", LOOK_ALIKE_FILES, ids=lambda p: p.stem)
def test_no_corpus_look_alike_is_reported(path):
    text = path.read_text(encoding="utf-8")
    found = scan_text(path, text)
    lines = text.splitlines()
    assert found == [], [f"{s.line}: {lines[s.line - 1]} ({s.kind})" for s in found]


def test_the_documented_examples_are_found():
    example = re.search(r"Example\n(.*?)\n\nFix", hardcoded_secret.__doc__, re.S).group(1)
    lines = [line.strip() for line in example.splitlines() if line.strip()]
    found = scan_text(Path("dag.py"), "\n".join(lines) + "\n")
    assert [s.line for s in found] == list(range(1, len(lines) + 1))


PLANTED = {
    "stripe": 'API_KEY = "sk_live_51H8xY2eZvKYlo2C9xYz3Ab7q"',
    "keyword": 'password = "Tr0ub4dor&3xyz"',
    "aws key id": 'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"',
    "aws secret": 'aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    "slack": 'SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"',
    "github": 'GH = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"',
    "url credentials": 'URL = "postgresql://etl:S3cr3tPassw0rd@db.internal:5432/warehouse"',
    "private key": 'KEY = """-----BEGIN RSA PRIVATE KEY-----',
    "dict password": 'conf = {"password": "hunter2hunter2"}',
    "hex token": 'token = "a8f5f167f44f4964e6c998dee827110c"',
    "kwarg password": '    BashOperator(task_id="x", env={"DB_PASSWORD": "Zx9!qLm2#pRt"})',
}

LOOK_ALIKES = {
    "jinja conn": 'p = "{{ conn.my_db.password }}"',
    "jinja var": 'token = "{{ var.value.slack_token }}"',
    "variable get": 'password = Variable.get("db_password")',
    "connection": 'secret = BaseHook.get_connection("db").password',
    "environment": 'api_key = os.environ["API_KEY"]',
    "getenv": 'api_key = os.getenv("API_KEY", "")',
    "changeme": 'password = "changeme"',
    "angle placeholder": 'password = "<your-password>"',
    "shell placeholder": 'password = "${DB_PASSWORD}"',
    "masked": 'secret = "xxxxxxxx"',
    "stars": 'password = "********"',
    "url with jinja": 'url = "postgresql://user:{{ conn.db.password }}@host/db"',
    "bearer jinja": "cmd = \"curl -H 'Authorization: Bearer {{ var.value.token }}' https://x\"",
    "allowlisted": 'password = "Tr0ub4dor&3xyz"  # pragma: allowlist secret',
    "conn id": 'postgres_conn_id = "warehouse_readonly"',
    "task id": 'BashOperator(task_id="refresh_token_cache", bash_command="echo hi")',
    "url without password": 'URL = "https://api.example.com/v1/items?limit=100"',
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_secret_is_found(name):
    text = PLANTED[name] + "\n"
    found = scan_text(Path("dag.py"), text)
    assert [s.line for s in found] == [1], f"{name} not detected"


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_look_alike_is_not_a_secret(name):
    assert scan_text(Path("dag.py"), LOOK_ALIKES[name] + "\n") == [], name


def test_secret_values_never_appear_in_findings():
    found = scan_text(Path("dag.py"), PLANTED["keyword"] + "\n")
    assert "Tr0ub4dor" not in repr(found)
    assert found[0].hashes == (hash_secret("Tr0ub4dor&3xyz"),)


def test_baseline_round_trip(tmp_path):
    dag = tmp_path / "dags" / "a.py"
    dag.parent.mkdir()
    found = scan_text(dag, PLANTED["keyword"] + "\n" + PLANTED["github"] + "\n")
    baseline = tmp_path / ".secrets.baseline"
    assert write_baseline(baseline, tmp_path, found) == 2
    accepted = load_baseline(baseline, tmp_path)
    assert ("dags/a.py", hash_secret("Tr0ub4dor&3xyz")) in accepted
    assert load_baseline(tmp_path / "missing", tmp_path) == set()
