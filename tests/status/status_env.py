"""Helpers for the status tests: the alerter's test helpers on the path, and test DAGs."""

from __future__ import annotations

import sys
from pathlib import Path

# The alerter's test helpers (a failing DAG, a local Slack Web API) are reused, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))

BROKEN_DAG = '''"""Does not import: a package that is not installed."""

from airflow.sdk import DAG

import package_nobody_installed  # noqa: F401
'''

# A hung scheduler is noticed after this many seconds without a heartbeat (Airflow's default: 30);
# it heartbeats every second (default: 5) so that a busy machine does not look like a hung one.
HEALTH_THRESHOLD = 15
FAST_HEALTH = (
    "env = { AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD = "
    f'"{HEALTH_THRESHOLD}", AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC = "1" }}\n'
)
