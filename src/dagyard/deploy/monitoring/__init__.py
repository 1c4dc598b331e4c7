"""Monitoring assets: statsd-exporter mapping, Grafana dashboard, Prometheus alert rules."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
MAPPING_FILE = HERE / "statsd_mapping.yml"
DASHBOARD_FILE = HERE / "grafana_dashboard.json"
RULES_FILE = HERE / "prometheus_rules.yml"
