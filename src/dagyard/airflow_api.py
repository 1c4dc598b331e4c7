"""The one client dagyard uses for an Airflow API server's REST API (v2, and FAB's roles API).

A bearer token on every request, plain errors instead of HTTP jargon, and every page of a list.
The alerter (`alerts.source`), `rbac sync` (`rbac_sync`) and `dagyard audit` build on it and say,
by overriding `refused` and `failed`, what a refusal means for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from dagyard.errors import DagyardError

PAGE_SIZE = 100


class AirflowApiError(DagyardError):
    """Airflow's API could not be reached or refused a request."""


class AirflowApi:
    """One Airflow API server, reached with a bearer token."""

    error: type[DagyardError] = AirflowApiError

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> AirflowApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refused(self, method: str, path: str, status: int) -> DagyardError:
        """The error for a 401 or 403: what the account lacks, and what to do."""
        return self.error(
            f"Airflow at {self.base_url} refused {method} {path} (HTTP {status})",
            "use an account or token with access to it",
        )

    def failed(self, method: str, path: str, response: httpx.Response) -> DagyardError:
        """The error for any other answer of 400 or more: what Airflow said, and what to do."""
        status, said = response.status_code, what_airflow_said(response)
        if status == 404:
            return self.error(
                f"Airflow at {self.base_url} has no {path}{said}",
                "check the name or id you gave; the object may have been deleted",
            )
        if status == 409:
            return self.error(
                f"Airflow did not {method} {path}: it conflicts with what is there{said}",
                "look at what the server has now, then try again",
            )
        if status >= 500:
            return self.error(
                f"the Airflow API server at {self.base_url} failed on {method} {path} "
                f"(HTTP {status}){said}",
                "its log says why; try again once it is healthy (`dagyard status`)",
            )
        return self.error(
            f"Airflow did not accept {method} {path} (HTTP {status}){said}",
            "check the values you gave; if they are right, this Airflow may be a version "
            "dagyard does not support",
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; return the JSON answer (None when empty) or raise a plain error."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise self.error(
                f"could not reach Airflow at {self.base_url} ({error.__class__.__name__}: {error})",
                "check the URL, and that the API server is running and reachable from here",
            ) from None
        if response.status_code in (401, 403):
            raise self.refused(method, path, response.status_code)
        if response.status_code >= 400:
            raise self.failed(method, path, response)
        return response.json() if response.content else None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """`GET path` with query `params`."""
        return self.call("GET", path, params=params)

    def pages(
        self,
        path: str,
        key: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every item of the list at `key` of an offset-paged endpoint (at most `limit`)."""
        seen = 0
        while limit is None or seen < limit:
            size = page_size if limit is None else min(page_size, limit - seen)
            page = self.get(path, {**(params or {}), "limit": size, "offset": seen})
            yield from page[key]
            seen += len(page[key])
            if not page[key] or seen >= page["total_entries"]:
                return


def what_airflow_said(response: httpx.Response) -> str:
    """Airflow's own explanation of an error answer (`detail`), as `: text`, or empty."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = response.text.strip()
    if isinstance(detail, list):  # a validation error: one entry per field
        detail = "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', ())[1:])}: {item.get('msg')}"
            if isinstance(item, dict)
            else str(item)
            for item in detail
        )
    return f": {str(detail)[:300]}" if detail else ""
