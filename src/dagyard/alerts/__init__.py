"""Failure digest: failed tasks and broken DAG files, sent once to each owner on Slack.

Layers call downward only: `cycle` -> (`source`, `state`, `grouping`, `slack`, `heartbeat`).
"""

from dagyard.alerts.cycle import CycleResult, run_cycle
from dagyard.alerts.settings import AlertSettings

__all__ = ["AlertSettings", "CycleResult", "run_cycle"]
