"""Safe stand-ins for variables and connections while `dagyard check` parses DAG files.

A DAG file that calls `Variable.get("x")` or `BaseHook.get_connection("y")` at the top level
needs a value to parse, but a check must never reach a database or a real secrets manager.
`dagyard check` configures this class as Airflow's secrets backend, so every look-up gets,
in this order:

1. the real environment variable Airflow itself would read (`AIRFLOW_VAR_X`, `AIRFLOW_CONN_Y`);
2. the value configured in `[check] stand_in_variables` / `stand_in_connections`;
3. a placeholder: the text `dagyard-stand-in-<key>` for a variable (or `{}` when the code asks
   for JSON with `deserialize_json=True`), and a connection of type `generic` to
   `stand-in.invalid` with login and password `stand-in`.

The placeholders are never real credentials, and the DAG code is not changed.
"""

from __future__ import annotations

import json
import os
import sys

from airflow.secrets import BaseSecretsBackend

from dagyard.parsing import lookups

VARIABLE_PLACEHOLDER = "dagyard-stand-in-{key}"
CONNECTION_PLACEHOLDER = {
    "conn_type": "generic",
    "host": "stand-in.invalid",
    "login": "stand-in",
    "password": "stand-in",
    "schema": "",
    "port": 1,
    "extra": {},
}


def _wants_json() -> bool:
    """True when the caller is `Variable.get(..., deserialize_json=True)`."""
    frame = sys._getframe(1)
    for _ in range(8):
        frame = frame.f_back
        if frame is None:
            return False
        if "deserialize_json" in frame.f_locals:
            return bool(frame.f_locals["deserialize_json"])
    return False


class StandInSecretsBackend(BaseSecretsBackend):
    """A secrets backend that answers every look-up without a database or network."""

    def __init__(
        self,
        variables: dict[str, str] | None = None,
        connections: dict[str, str] | None = None,
        **_: object,
    ):
        super().__init__()
        self.variables = dict(variables or {})
        self.connections = dict(connections or {})

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        """The variable's stand-in value (environment, configured value, or placeholder)."""
        lookups.record("variable", key)
        env = os.environ.get(f"AIRFLOW_VAR_{key.upper()}")
        if env is not None:
            return env
        if key in self.variables:
            return self.variables[key]
        return "{}" if _wants_json() else VARIABLE_PLACEHOLDER.format(key=key)

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        """The connection's stand-in (environment, configured URI/JSON, or placeholder JSON)."""
        lookups.record("connection", conn_id)
        env = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if env is not None:
            return env
        if conn_id in self.connections:
            return self.connections[conn_id]
        return json.dumps(CONNECTION_PLACEHOLDER)

    def get_config(self, key: str) -> str | None:
        """Configuration values never come from this backend."""
        return None
