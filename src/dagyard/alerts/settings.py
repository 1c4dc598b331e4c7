"""Everything one alert cycle needs, gathered once from `dagyard.toml` and the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config

SLACK_TOKEN_ENV = "SLACK_BOT_TOKEN"
AIRFLOW_TOKEN_ENV = "DAGYARD_AIRFLOW_TOKEN"


class AlertSettings(NamedTuple):
    """The alerter's settings: where to read, where to write, how to route."""

    config: Config
    airflow_url: str
    airflow_token: str
    ui_url: str
    slack_token: str
    state_file: Path
    statsd: tuple[str, int] | None

    @property
    def alerts(self):
        """The `[alerts]` section of the config."""
        return self.config.alerts


def settings_from(
    config: Config,
    *,
    airflow_url: str,
    airflow_token: str,
    slack_token: str | None = None,
    state_file: Path | None = None,
) -> AlertSettings:
    """Build settings from the config; the Slack token defaults to `$SLACK_BOT_TOKEN`."""
    token = slack_token or os.environ.get(SLACK_TOKEN_ENV, "")
    monitoring = config.monitoring
    statsd = (monitoring.statsd_host, monitoring.statsd_port) if monitoring.statsd_host else None
    return AlertSettings(
        config=config,
        airflow_url=airflow_url.rstrip("/"),
        airflow_token=airflow_token,
        ui_url=(config.alerts.ui_url or airflow_url).rstrip("/"),
        slack_token=token,
        state_file=state_file or config.expand(config.alerts.state_file) or Path("alerts.sqlite"),
        statsd=statsd,
    )
