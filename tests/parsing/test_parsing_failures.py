"""The error text a check shows is the exception's whole message, not its last line."""

from __future__ import annotations

from dagyard.parsing.failures import exception_text

DRIVER = """Traceback (most recent call last):
  File "/repo/dags/load.py", line 7, in <module>
    CONN = psycopg2.connect(host="db", connect_timeout=3)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/venv/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: Network \
is unreachable
\tIs the server running on that host and accepting TCP/IP connections?
"""

SYNTAX = """  File "/repo/dags/bad.py", line 3
    def (:
        ^
SyntaxError: invalid syntax
"""

CHAINED = """Traceback (most recent call last):
  File "/repo/dags/a.py", line 2, in <module>
    int("x")
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/repo/dags/a.py", line 4, in <module>
    raise RuntimeError("settings could not be read")
RuntimeError: settings could not be read
"""


def test_a_message_over_several_lines_is_kept_whole():
    assert exception_text(DRIVER) == (
        'psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: '
        "Network is unreachable Is the server running on that host and accepting TCP/IP "
        "connections?"
    )


def test_a_syntax_error_shows_its_type_and_text():
    assert exception_text(SYNTAX) == "SyntaxError: invalid syntax"


def test_a_chained_error_shows_the_last_exception():
    assert exception_text(CHAINED) == "RuntimeError: settings could not be read"


def test_an_empty_trace_still_says_something():
    assert exception_text("") == "the file could not be imported"
