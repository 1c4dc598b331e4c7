"""Apply a statsd-exporter mapping file the way statsd-exporter does (glob and regex rules)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import yaml


class Mapped(NamedTuple):
    """A Prometheus metric name and labels (None when the rule drops the metric)."""

    name: str | None
    labels: tuple[tuple[str, str], ...]


class Mapper:
    """The rules of one mapping file, in order."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text())
        default_type = (data.get("defaults") or {}).get("match_type", "glob")
        self.rules = []
        for rule in data["mappings"]:
            kind = rule.get("match_type", default_type)
            if kind == "glob":
                parts = [re.escape(p).replace(r"\*", "([^.]*)") for p in rule["match"].split(".")]
                pattern = re.compile(r"\.".join(parts) + "$")
            else:
                pattern = re.compile(rule["match"])
            self.rules.append((kind, pattern, rule))

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
                        (key, _expand(value, match.groups()))
                        for key, value in (rule.get("labels") or {}).items()
                    )
                )
                return Mapped(rule["name"], labels)
        return Mapped(re.sub(r"[^a-zA-Z0-9_]", "_", statsd_name), ())


def _expand(template: str, groups: tuple[str, ...]) -> str:
    return re.sub(r"\$(\d+)", lambda m: groups[int(m.group(1)) - 1], template)
