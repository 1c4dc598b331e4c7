"""A local HTTP server speaking the GCP Secret Manager v1 REST API (the parts dagyard uses).

The real `google-cloud-secret-manager` client (transport="rest") talks to it: get/create a
secret, add a version, access a version (`latest` or a number). Errors use Google's JSON error
shape, so the client raises its real exceptions (NotFound, AlreadyExists, PermissionDenied).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SECRET = re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)$")
SECRETS = re.compile(r"^/v1/projects/([^/]+)/secrets$")
ADD_VERSION = re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+):addVersion$")
ACCESS = re.compile(r"^/v1/projects/([^/]+)/secrets/([^/:]+)/versions/([^/:]+):access$")


class FakeSecretManager:
    """State of the fake: secrets by (project, id), each with its list of version payloads."""

    def __init__(self, denied_projects: tuple[str, ...] = ()):
        self.secrets: dict[tuple[str, str], dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], list[bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        self.denied_projects = denied_projects
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL to give the client as `api_endpoint`."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeSecretManager:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def payloads(self, project: str, secret_id: str) -> list[str]:
        """Every version's text of one secret, oldest first."""
        return [data.decode() for data in self.versions.get((project, secret_id), [])]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, code: int, status: str, message: str) -> None:
                self._send(code, {"error": {"code": code, "message": message, "status": status}})

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                fake.requests.append((method, path))
                project = path.split("/")[3] if path.count("/") >= 3 else ""
                if project in fake.denied_projects:
                    return self._error(403, "PERMISSION_DENIED", "Permission denied on resource")
                if method == "GET" and (m := SECRET.match(path)):
                    secret = fake.secrets.get((m[1], m[2]))
                    if secret is None:
                        return self._error(404, "NOT_FOUND", f"Secret [{path}] not found")
                    return self._send(200, secret)
                if method == "POST" and (m := SECRETS.match(path)):
                    secret_id = parse_qs(parts.query).get("secretId", [""])[0]
                    if (m[1], secret_id) in fake.secrets:
                        return self._error(409, "ALREADY_EXISTS", "Secret already exists")
                    body = self._body()
                    secret = {**body, "name": f"projects/{m[1]}/secrets/{secret_id}"}
                    fake.secrets[(m[1], secret_id)] = secret
                    fake.versions[(m[1], secret_id)] = []
                    return self._send(200, secret)
                if method == "POST" and (m := ADD_VERSION.match(path)):
                    if (m[1], m[2]) not in fake.secrets:
                        return self._error(404, "NOT_FOUND", "Secret not found")
                    data = base64.b64decode(self._body()["payload"]["data"])
                    versions = fake.versions[(m[1], m[2])]
                    versions.append(data)
                    name = f"projects/{m[1]}/secrets/{m[2]}/versions/{len(versions)}"
                    return self._send(200, {"name": name, "state": "ENABLED"})
                if method == "GET" and (m := ACCESS.match(path)):
                    versions = fake.versions.get((m[1], m[2]))
                    if not versions:
                        return self._error(404, "NOT_FOUND", "Secret version not found")
                    number = len(versions) if m[3] == "latest" else int(m[3])
                    data = versions[number - 1]
                    return self._send(
                        200,
                        {
                            "name": f"projects/{m[1]}/secrets/{m[2]}/versions/{number}",
                            "payload": {"data": base64.b64encode(data).decode()},
                        },
                    )
                return self._error(404, "NOT_FOUND", f"no route for {method} {path}")

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

        return Handler
