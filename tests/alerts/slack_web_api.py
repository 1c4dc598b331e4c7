"""A local HTTP server that speaks the part of Slack's Web API the alerter uses.

It enforces what Slack enforces (bearer token, channel ids for history, 50 blocks, 3000
characters per section, 40 000 characters of text) and can misbehave on purpose: answer 429
with Retry-After, answer 5xx, be down, or accept a post and answer too late (a timeout).
The real `slack_sdk` client talks to it over HTTP.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-test-token"


class Workspace:
    """Slack's side: users, channels, messages, and the faults to inject next."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users: dict[str, str] = {}
        self.channels: dict[str, str] = {}
        self.messages: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.faults: dict[str, deque[str]] = {}
        self.down = False
        self.slow_seconds = 2.5
        self.after_post: Callable[[dict[str, Any]], None] | None = None
        self._clock = time.time()

    def add_user(self, email: str, user_id: str) -> None:
        """Someone with this e-mail has a Slack account."""
        self.users[email.lower()] = user_id

    def add_channel(self, name: str) -> str:
        """A channel (name without '#'); returns its id."""
        self.channels[name.lstrip("#")] = f"C{len(self.channels) + 1:08d}"
        return self.channels[name.lstrip("#")]

    def fail_next(self, method: str, *faults: str) -> None:
        """Misbehave on the next calls of `method`: "429", "500", "503", "slow"."""
        self.faults.setdefault(method, deque()).extend(faults)

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Accepted messages (optionally of one channel, by name)."""
        if channel is None:
            return list(self.messages)
        cid = self.channels[channel.lstrip("#")]
        return [m for m in self.messages if m["channel"] == cid]

    def top_level(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Accepted messages that are not thread replies."""
        return [m for m in self.posts(channel) if not m.get("thread_ts")]

    def count(self, method: str) -> int:
        """How many times a method was called."""
        return self.calls.count(method)

    def next_ts(self) -> str:
        """A unique, increasing message timestamp, like Slack's."""
        self._clock = max(self._clock + 0.000001, time.time())
        return f"{self._clock:.6f}"


class SlackWebApi:
    """Run the server on 127.0.0.1 in a thread; `url` is what `slack_sdk` gets as base_url."""

    def __init__(self, workspace: Workspace | None = None):
        self.workspace = workspace or Workspace()
        handler = type("Handler", (_Handler,), {"workspace": self.workspace})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the API (ends with /api/)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> SlackWebApi:
        """Start serving."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def _flat(params: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in params.items()}


class _Handler(BaseHTTPRequestHandler):
    workspace: Workspace

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(_flat(parse_qs(urlsplit(self.path).query)))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            params = json.loads(raw or "{}")
        else:
            params = _flat(parse_qs(raw))
        query = _flat(parse_qs(urlsplit(self.path).query))
        self._handle({**query, **params})

    def _handle(self, params: dict[str, Any]) -> None:
        method = urlsplit(self.path).path.rsplit("/", 1)[-1]
        ws = self.workspace
        with ws.lock:
            ws.calls.append(method)
            fault = ws.faults.get(method, deque()).popleft() if ws.faults.get(method) else None
            down = ws.down
        if down or fault in {"500", "503"}:
            status = int(fault or 503)
            return self._send(status, b"<html>Service Unavailable</html>", "text/html")
        if fault == "429":
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            return self._send(429, body, "application/json", {"Retry-After": "1"})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._json({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return self._json({"ok": False, "error": "unknown_method"})
        answer = handler(params)
        if fault == "slow":
            time.sleep(ws.slow_seconds)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._json(answer)

    def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict[str, Any]) -> None:
        self._send(200, json.dumps(data).encode(), "application/json; charset=utf-8")

    # methods ---------------------------------------------------------------------------------

    def api_users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = self.workspace.users.get(str(params.get("email", "")).lower())
        if not user_id:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": user_id, "profile": {"email": params["email"]}}}

    def _channel(self, value: str, names: bool) -> str | None:
        ws = self.workspace
        if value in ws.channels.values():
            return value
        if names and value.lstrip("#") in ws.channels:
            return ws.channels[value.lstrip("#")]
        return None

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        channel = self._channel(str(params.get("channel", "")), names=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if len(blocks) > 50:
            return {"ok": False, "error": "invalid_blocks", "detail": "more than 50 blocks"}
        for block in blocks:
            text = (block.get("text") or {}).get("text", "")
            if block.get("type") == "section" and not 0 < len(text) <= 3000:
                return {"ok": False, "error": "invalid_blocks", "detail": "section text length"}
        if len(params.get("text") or "") > 40000:
            return {"ok": False, "error": "msg_too_long"}
        thread_ts = params.get("thread_ts")
        with ws.lock:
            if thread_ts and not any(
                m["ts"] == thread_ts and m["channel"] == channel for m in ws.messages
            ):
                return {"ok": False, "error": "thread_not_found"}
            message = {
                "channel": channel,
                "ts": ws.next_ts(),
                "text": params.get("text", ""),
                "blocks": blocks,
                "metadata": params.get("metadata"),
                "thread_ts": thread_ts,
            }
            ws.messages.append(message)
        if ws.after_post:
            ws.after_post(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _history(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict:
        oldest = float(params.get("oldest") or 0)
        found = [m for m in messages if float(m["ts"]) >= oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = found[start : start + limit]
        with_meta = str(params.get("include_all_metadata")).lower() == "true"
        out = [
            {k: v for k, v in m.items() if k != "metadata" or with_meta} | {"type": "message"}
            for m in page
        ]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": out,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")), names=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        with self.workspace.lock:
            messages = [
                m for m in self.workspace.messages if m["channel"] == channel and not m["thread_ts"]
            ]
        return self._history(messages, params)

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")), names=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        parent = params.get("ts")
        with self.workspace.lock:
            messages = [
                m
                for m in self.workspace.messages
                if m["channel"] == channel and parent in (m["ts"], m["thread_ts"])
            ]
        if not messages:
            return {"ok": False, "error": "thread_not_found"}
        return self._history(messages, params)

    def api_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        items = sorted(self.workspace.channels.items())
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or 100), 2)  # small pages, so paging is exercised
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "ok": True,
            "channels": [{"id": cid, "name": name} for name, cid in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }
