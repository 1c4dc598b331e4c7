"""A small client for the REST API v2 of a local Airflow started by `dagyard dev`."""

from __future__ import annotations

from typing import Any

import httpx
from itsdangerous import URLSafeSerializer


class LocalApi:
    """Talk to the local API server: token, health, DAGs, re-parse requests.

    Local environments run with every request treated as an admin, so a token is minted
    without credentials (`GET /auth/token`); nothing is printed or stored.
    """

    def __init__(self, base_url: str, *, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._token: str | None = None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def token(self) -> str:
        """A bearer token for this environment (cached for the life of the client)."""
        if self._token is None:
            response = self._http.get("/auth/token")
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def _get(self, path: str, **params: Any) -> Any:
        response = self._http.get(path, params=params, headers=self._auth())
        response.raise_for_status()
        return response.json()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def health(self) -> dict[str, Any]:
        """`GET /api/v2/monitor/health` (no token needed)."""
        response = self._http.get("/api/v2/monitor/health")
        response.raise_for_status()
        return response.json()

    def dags(self) -> list[dict[str, Any]]:
        """Every DAG the API lists (all pages)."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._get("/api/v2/dags", limit=100, offset=len(found))
            found.extend(page["dags"])
            if len(found) >= page["total_entries"] or not page["dags"]:
                return found

    def dag_details(self, dag_id: str) -> dict[str, Any]:
        """`GET /api/v2/dags/{dag_id}/details`."""
        return self._get(f"/api/v2/dags/{dag_id}/details")

    def import_errors(self) -> list[dict[str, Any]]:
        """Current DAG import errors."""
        return self._get("/api/v2/importErrors", limit=100)["import_errors"]

    def reparse(self, file_token: str) -> bool:
        """Ask the DAG processor to parse a file next; False when the API knows no DAG there.

        409 means the file is already queued for parsing: what was asked for.
        """
        response = self._http.put(f"/api/v2/parseDagFile/{file_token}", headers=self._auth())
        if response.status_code == 404:
            return False
        if response.status_code == 409:
            return True
        response.raise_for_status()
        return True


def file_token(secret_key: str, bundle_name: str, relative_fileloc: str) -> str:
    """The signed token Airflow uses to name a DAG file (as in `GET /api/v2/dags`)."""
    payload = {"bundle_name": bundle_name, "relative_fileloc": relative_fileloc}
    return URLSafeSerializer(secret_key).dumps(payload)
