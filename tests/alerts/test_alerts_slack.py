"""The real slack_sdk client against a local Slack Web API: retries, outages, exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_web_api import TOKEN, SlackWebApi

from dagyard.alerts.slack import Slack, SlackRejected, SlackUnavailable
from dagyard.alerts.state import Store

PAYLOAD = {
    "text": "hello",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}
MARK = {"digest": "d1", "chunk": 0}


def _slack(server: SlackWebApi, tmp_path: Path, token: str = TOKEN, ttl: float = 3600) -> Slack:
    return Slack(
        token,
        api_url=server.url,
        timeout=1,
        retries=2,
        backoff=0.05,
        store=Store(tmp_path / "state.sqlite"),
        lookup_ttl_seconds=ttl,
    )


def test_lookup_by_email_is_cached(slack: SlackWebApi, tmp_path: Path):
    client = _slack(slack, tmp_path)
    assert client.user_id("Analyst@Example.com") == "U0ANALYST"
    assert client.user_id("analyst@example.com") == "U0ANALYST"
    assert client.user_id("ghost@example.com") is None
    assert client.user_id("ghost@example.com") is None
    assert slack.workspace.count("users.lookupByEmail") == 2
    # the cache is in the state file: a new process does not ask again
    again = _slack(slack, tmp_path)
    assert again.user_id("analyst@example.com") == "U0ANALYST"
    assert slack.workspace.count("users.lookupByEmail") == 2


def test_lookup_cache_expires(slack: SlackWebApi, tmp_path: Path):
    client = _slack(slack, tmp_path, ttl=1e-9)
    client.user_id("analyst@example.com")
    client.user_id("analyst@example.com")
    assert slack.workspace.count("users.lookupByEmail") == 2


def test_rate_limit_is_retried_after_retry_after(slack: SlackWebApi, tmp_path: Path):
    slack.workspace.fail_next("chat.postMessage", "429", "429")
    channel_id, ts = _slack(slack, tmp_path).post("#lake-alerts", PAYLOAD, MARK, None)
    assert slack.workspace.count("chat.postMessage") == 3
    assert [m["ts"] for m in slack.workspace.posts("#lake-alerts")] == [ts]
    assert channel_id == slack.workspace.channels["lake-alerts"]


def test_server_error_is_retried_without_duplicates(slack: SlackWebApi, tmp_path: Path):
    slack.workspace.fail_next("chat.postMessage", "500")
    slack.workspace.fail_next("users.lookupByEmail", "503")
    client = _slack(slack, tmp_path)
    client.post("#lake-alerts", PAYLOAD, MARK, None)
    assert client.user_id("analyst@example.com") == "U0ANALYST"
    assert len(slack.workspace.posts("#lake-alerts")) == 1


def test_timeout_after_slack_accepted_posts_once(slack: SlackWebApi, tmp_path: Path):
    # Slack stores the message but answers too late: a blind retry would post it twice.
    slack.workspace.fail_next("chat.postMessage", "slow")
    _channel, ts = _slack(slack, tmp_path).post("#mart-alerts", PAYLOAD, MARK, None)
    posts = slack.workspace.posts("#mart-alerts")
    assert [p["ts"] for p in posts] == [ts]
    assert slack.workspace.count("chat.postMessage") == 1
    assert slack.workspace.count("conversations.history") >= 1


def test_slack_down_is_unavailable_after_retries(slack: SlackWebApi, tmp_path: Path):
    slack.workspace.down = True
    with pytest.raises(SlackUnavailable, match="next cycle will send what is pending"):
        _slack(slack, tmp_path).post("#lake-alerts", PAYLOAD, MARK, None)
    assert slack.workspace.count("chat.postMessage") == 3
    assert slack.workspace.messages == []


def test_unreachable_slack_is_unavailable(tmp_path: Path):
    server = SlackWebApi()  # never started: nothing listens on the port
    server.server.server_close()
    with pytest.raises(SlackUnavailable, match="could not reach Slack"):
        _slack(server, tmp_path).user_id("a@example.com")


def test_bad_token_and_unknown_channel_are_explained(slack: SlackWebApi, tmp_path: Path):
    with pytest.raises(SlackRejected, match="token is not valid"):
        _slack(slack, tmp_path, token="xoxb-wrong").post("#lake-alerts", PAYLOAD, MARK, None)
    with pytest.raises(SlackRejected, match="check the channel names in dagyard"):
        _slack(slack, tmp_path).post("#nowhere", PAYLOAD, MARK, None)


def test_find_posted_pages_through_history(slack: SlackWebApi, tmp_path: Path):
    client = _slack(slack, tmp_path)
    for i in range(450):
        client.post("#data-alerts", PAYLOAD, {"digest": "many", "chunk": i}, None)
    ts = client.find_posted("#data-alerts", {"digest": "many", "chunk": 3}, 0, None)
    assert ts == slack.workspace.posts("#data-alerts")[3]["ts"]
    assert client.find_posted("#data-alerts", {"digest": "none", "chunk": 0}, 0, None) is None
