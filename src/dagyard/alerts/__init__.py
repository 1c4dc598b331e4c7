"""Failure digest: failed tasks and broken DAG files, sent once to each owner on Slack.

Layers call downward only: `cycle` -> (`source`, `state`, `grouping`, `slack`, `heartbeat`).
Import the module you need (`dagyard.alerts.cycle`, `dagyard.alerts.settings`); this package
imports nothing itself, so a task that only sends a heartbeat does not load the whole cycle.
"""
