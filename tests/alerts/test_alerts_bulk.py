"""10 000 failures in one window, read from a real Airflow on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alerts_env import Airflow, markers
from slack_web_api import SlackWebApi

from dagyard.alerts.cycle import run_cycle
from dagyard.alerts.grouping import MAX_BLOCKS
from dagyard.alerts.state import Store

OWNERS = [f"owner{i:02d}@example.com" for i in range(40)]
FOLDERS = ["data_lake", "data_mart", "crawling", "monitoring", "misc"]
CHANNELS = {"#lake-alerts", "#mart-alerts", "#platform-alerts", "#data-alerts"}


def test_ten_thousand_failures_one_message_per_channel(
    airflow_postgres: Airflow, slack: SlackWebApi, tmp_path: Path
):
    seeded = airflow_postgres.seed(
        dags=700, tasks_per_run=15, folders=FOLDERS, owners=OWNERS, prefix="bulk"
    )
    assert seeded["task_instances"] == 10_500
    for i, owner in enumerate(OWNERS[:30]):
        slack.workspace.add_user(owner, f"U{i:04d}")
    state = tmp_path / "state.sqlite"

    result = run_cycle(airflow_postgres.settings(slack, state))
    assert result.ok, result.error
    assert result.new_failures == result.announced == 10_500
    messages = slack.workspace.messages
    assert len(set(markers(messages))) == len(messages)
    # one message per channel; any further parts are replies in its thread
    assert set(result.channels) == CHANNELS
    for channel in CHANNELS:
        top = slack.workspace.top_level(channel)
        assert len(top) == 1, channel
        replies = [m for m in slack.workspace.posts(channel) if m["thread_ts"]]
        assert all(r["thread_ts"] == top[0]["ts"] for r in replies)
    assert all(len(m["blocks"]) <= MAX_BLOCKS for m in messages)  # and the server checked
    text = "\n".join(b["text"]["text"] for m in messages for b in m["blocks"])
    assert all(f"bulk_{d:04d}" in text for d in range(700))
    assert all(f"<@U{i:04d}>" in text for i in range(30))
    assert all(f"No Slack account uses {o}" in text for o in OWNERS[30:])
    # Slack API calls: one lookup per distinct owner, one post per message part
    assert slack.workspace.count("users.lookupByEmail") == len(OWNERS)
    assert slack.workspace.count("chat.postMessage") == len(messages) == result.messages
    store = Store(state)
    assert store.count("new") == 0 and store.count("sent") == 10_500
    store.close()
