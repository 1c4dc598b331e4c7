"""statsd-exporter mapping rules applied the way statsd-exporter applies them.

Used to prove that every metric the shipped Grafana dashboard and Prometheus rules query is
produced from a name Airflow (or the dagyard alerter) really sends, and is not swallowed by the
catch-all `drop` at the end of the mapping or by rules placed before dagyard's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from dagyard.deploy.monitoring import DASHBOARD_FILE, MAPPING_FILE, RULES_FILE

METRIC = re.compile(r"\b((?:airflow|dagyard)_[a-z_]+)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


class Mapped(NamedTuple):
    """A Prometheus metric name and labels (name None when a rule drops the metric)."""

    name: str | None
    labels: tuple[tuple[str, str], ...]


class Mapper:
    """Mapping rules in order; glob rules are tried before regex rules, like statsd-exporter."""

    def __init__(self, mappings: list[dict[str, Any]], default_match_type: str = "glob"):
        self.rules = []
        for rule in mappings:
            kind = rule.get("match_type", default_match_type)
            if kind == "glob":
                parts = [re.escape(p).replace(r"\*", "([^.]*)") for p in rule["match"].split(".")]
                pattern = re.compile(r"\.".join(parts) + "$")
            else:
                pattern = re.compile(rule["match"])
            self.rules.append((kind, pattern, rule))

    @classmethod
    def from_file(cls, path: Path = MAPPING_FILE) -> Mapper:
        """The rules of a statsd-exporter mapping file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = (data.get("defaults") or {}).get("match_type", "glob")
        return cls(data["mappings"], kind)

    def names(self) -> set[str]:
        """Every metric name a rule can produce."""
        return {r["name"] for _k, _p, r in self.rules if r.get("action") != "drop"}

    def map(self, statsd_name: str) -> Mapped:
        """Map one statsd name; unmatched names get statsd-exporter's default (dots to _)."""
        for kind in ("glob", "regex"):
            for rule_kind, pattern, rule in self.rules:
                if rule_kind != kind:
                    continue
                match = (
                    pattern.match(statsd_name) if kind == "glob" else pattern.search(statsd_name)
                )
                if not match:
                    continue
                if rule.get("action") == "drop":
                    return Mapped(None, ())
                labels = tuple(
                    sorted(
                        (key, _expand(str(value), match.groups()))
                        for key, value in (rule.get("labels") or {}).items()
                    )
                )
                return Mapped(rule["name"], labels)
        return Mapped(re.sub(r"[^a-zA-Z0-9_]", "_", statsd_name), ())


def _expand(template: str, groups: tuple[str, ...]) -> str:
    return re.sub(r"\$(\d+)", lambda m: groups[int(m.group(1)) - 1], template)


def base_name(metric: str) -> str:
    """A queried series name without the histogram suffix (`x_bucket` -> `x`)."""
    for suffix in HISTOGRAM_SUFFIXES:
        if metric.endswith(suffix):
            return metric.removesuffix(suffix)
    return metric


def dashboard_metrics(path: Path = DASHBOARD_FILE) -> set[str]:
    """The metric names the Grafana dashboard's panels query."""
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    return {m for e in exprs for m in METRIC.findall(e)}


def rule_metrics(path: Path = RULES_FILE) -> set[str]:
    """The metric names the Prometheus alert rules query."""
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return {m for e in exprs for m in METRIC.findall(e)}


def queried_metrics() -> set[str]:
    """Every metric the shipped dashboard and alert rules query (histogram suffixes removed)."""
    return {base_name(m) for m in dashboard_metrics() | rule_metrics()}


def sent_statsd_names(airflow_prefix: str = "airflow") -> list[str]:
    """Example statsd names of everything Airflow and the dagyard alerter send."""
    from dagyard.alerts import heartbeat
    from dagyard.deploy.airflow_reference import SAMPLE, statsd_names

    alerter = heartbeat.metric_names(failed={(SAMPLE, SAMPLE): 1})
    return statsd_names(airflow_prefix) + alerter


def unproduced(mapper: Mapper, queried: set[str], sent: list[str]) -> dict[str, str]:
    """Queried metrics that no sent name becomes under `mapper`, each with the reason.

    The reason names the sent statsd name the shipped mapping turns into that metric, if any,
    and what `mapper` does to it instead (dropped, or mapped to another name).
    """
    shipped = Mapper.from_file()
    produced = {mapper.map(name).name for name in sent}
    missing = {}
    for metric in sorted(queried - produced):
        sources = [name for name in sent if shipped.map(name).name == metric]
        if not sources:
            missing[metric] = "no metric Airflow or the alerter sends becomes it"
            continue
        became = mapper.map(sources[0]).name
        missing[metric] = (
            f"`{sources[0]}` is dropped"
            if became is None
            else f"`{sources[0]}` becomes `{became}` instead"
        )
    return missing
