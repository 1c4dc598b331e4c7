"""Slack through the official `slack_sdk` client: post, look people up, find what was posted.

Rate limits (429 + Retry-After), server errors (5xx), dropped connections and timeouts are
retried with backoff by slack_sdk's retry handlers; what is still failing after that becomes
`SlackUnavailable`, and the cycle ends non-zero so the next one sends what is pending.
"""

from __future__ import annotations

import http.client
import time
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from dagyard.alerts.state import Store
from dagyard.errors import DagyardError

EVENT_TYPE = "dagyard_digest"
_NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class SlackUnavailable(DagyardError):
    """Slack did not answer or kept refusing for now (rate limit, 5xx, timeout)."""


class SlackRejected(DagyardError):
    """Slack answered, and said no (bad token, unknown channel, bot not in channel...)."""


class Slack:
    """The alerter's view of Slack's Web API."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str,
        timeout: float,
        retries: int,
        backoff: float,
        store: Store,
        lookup_ttl_seconds: float,
    ):
        interval = BackoffRetryIntervalCalculator(backoff_factor=backoff)
        self.client = WebClient(
            token=token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            timeout=max(1, round(timeout)),
            retry_handlers=[
                ConnectionErrorRetryHandler(
                    max_retry_count=retries,
                    interval_calculator=interval,
                    error_types=list(_NETWORK_ERRORS),
                ),
                RateLimitErrorRetryHandler(max_retry_count=retries),
                ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
            ],
        )
        # Posting is not idempotent: a timed-out or 5xx post may have arrived, so posts are
        # retried by `post` itself, after looking in the channel; only 429s are retried here.
        self.poster = WebClient(
            token=token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=retries)],
        )
        self.retries = retries
        self.backoff = backoff
        self.store = store
        self.ttl = lookup_ttl_seconds
        self.calls: dict[str, int] = {}
        self._channel_ids: dict[str, str] = {}

    def _call(
        self,
        method: str,
        *,
        client: WebClient | None = None,
        channel: str | None = None,
        **kwargs: Any,
    ) -> dict:
        self.calls[method] = self.calls.get(method, 0) + 1
        try:
            response = (client or self.client).api_call(method, **kwargs)
        except SlackApiError as error:
            response = error.response
            status = getattr(response, "status_code", 0)
            code = (response.data or {}).get("error") if isinstance(response.data, dict) else None
            if status == 429 or status >= 500 or code in {"ratelimited", "internal_error"}:
                raise SlackUnavailable(
                    f"Slack is unavailable ({method}: HTTP {status}, {code or 'no answer'}); "
                    "the next cycle will send what is pending"
                ) from None
            raise SlackRejected(_explain(method, code or f"HTTP {status}", channel)) from None
        except _NETWORK_ERRORS as error:
            raise SlackUnavailable(
                f"could not reach Slack ({method}: {error.__class__.__name__}: {error}); "
                "the next cycle will send what is pending"
            ) from None
        return response.data if isinstance(response.data, dict) else {}

    def user_id(self, email: str) -> str | None:
        """The Slack user id of an e-mail address (None if nobody has it), cached for the TTL."""
        fresh, user_id = self.store.cached_user(email, self.ttl)
        if fresh:
            return user_id
        try:
            data = self._call("users.lookupByEmail", http_verb="GET", params={"email": email})
            user_id = data["user"]["id"]
        except SlackRejected as error:
            if "users_not_found" not in str(error):
                raise
            user_id = None
        self.store.cache_user(email, user_id)
        return user_id

    def post(
        self, channel: str, payload: dict[str, Any], marker: dict[str, Any], thread_ts: str | None
    ) -> tuple[str, str]:
        """Post one chunk; returns (channel id, ts). `marker` goes into the message metadata."""
        body: dict[str, Any] = {
            "channel": channel,
            "text": payload["text"],
            "blocks": payload["blocks"],
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {"event_type": EVENT_TYPE, "event_payload": marker},
        }
        if thread_ts:
            body["thread_ts"] = thread_ts
        started = time.time()
        for attempt in range(self.retries + 1):
            try:
                data = self._call(
                    "chat.postMessage", client=self.poster, channel=channel, json=body
                )
                return data["channel"], data["ts"]
            except SlackUnavailable:
                if attempt == self.retries:
                    raise
            time.sleep(self.backoff * (2**attempt))
            try:
                ts = self.find_posted(channel, marker, started - 60, thread_ts)
            except SlackUnavailable:
                continue
            if ts:
                return self.channel_id(channel), ts
        raise AssertionError("unreachable")

    def channel_id(self, channel: str) -> str:
        """A channel id for a `#name` (history calls need ids); ids are returned as they are."""
        name = channel.lstrip("#")
        if not channel.startswith("#"):
            return channel
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor = None
        while True:
            params: dict[str, Any] = {"types": "public_channel,private_channel", "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = self._call("conversations.list", http_verb="GET", params=params)
            for item in data.get("channels", []):
                self._channel_ids[item["name"]] = item["id"]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if name in self._channel_ids or not cursor:
                break
        if name not in self._channel_ids:
            raise SlackRejected(_explain("conversations.list", "channel_not_found", channel))
        return self._channel_ids[name]

    def find_posted(
        self, channel: str, marker: dict[str, Any], oldest: float, thread_ts: str | None
    ) -> str | None:
        """The ts of a message carrying `marker` posted since `oldest`, or None if there is none."""
        channel_id = self.channel_id(channel)
        method = "conversations.replies" if thread_ts else "conversations.history"
        cursor = None
        while True:
            params: dict[str, Any] = {
                "channel": channel_id,
                "oldest": f"{oldest:.6f}",
                "include_all_metadata": "true",
                "limit": 200,
            }
            if thread_ts:
                params["ts"] = thread_ts
            if cursor:
                params["cursor"] = cursor
            data = self._call(method, http_verb="GET", channel=channel, params=params)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                if meta.get("event_type") == EVENT_TYPE and meta.get("event_payload") == marker:
                    return message["ts"]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None


def _explain(method: str, code: str, channel: str | None = None) -> str:
    hints = {
        "invalid_auth": "the Slack bot token is not valid; set SLACK_BOT_TOKEN to the bot's token",
        "not_authed": "no Slack bot token was given; set SLACK_BOT_TOKEN",
        "channel_not_found": (
            f"the Slack channel {channel or '(unnamed)'} does not exist or the bot cannot see it; "
            "check the channel names in dagyard.toml and invite the bot"
        ),
        "not_in_channel": "the bot is not a member of the channel; invite it with /invite",
        "missing_scope": (
            "the Slack app lacks a permission; it needs chat:write, users:read.email, "
            "channels:read and channels:history"
        ),
    }
    return f"Slack refused {method} ({code}): " + hints.get(code, "see Slack's API documentation")
