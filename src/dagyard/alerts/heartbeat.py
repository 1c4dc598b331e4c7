"""The alerter's own metrics, sent to statsd, so a silent alerter is noticed.

`dagyard.alerter.heartbeat` (counter, every cycle), `dagyard.alerter.last_success` (gauge,
Unix time of the last cycle that finished), `dagyard.alerter.cycle_failed` (counter),
`dagyard.alerter.announced` (counter), `dagyard.alerter.pending` (gauge), and
`dagyard.alerter.failed.<owner>.<dag_id>` (counter of announced failures, for the dashboard's
"failures by DAG and owner"; dots in names become `__`, `@` becomes `_at_`).
"""

from __future__ import annotations

import statsd

PREFIX = "dagyard.alerter"
# Small packets: no UDP fragmentation on any network between the alerter and statsd.
MAX_PACKET_BYTES = 512


def send(
    address: tuple[str, int] | None,
    *,
    ok: bool,
    announced: int,
    pending: int,
    now: float,
    failed: dict[tuple[str, str], int] | None = None,
    prefix: str = PREFIX,
) -> None:
    """Report one cycle to statsd (fire and forget: metrics must never break the alerter).

    `failed` counts announced task failures by (dag_id, owner).
    """
    if not address:
        return
    try:
        client = statsd.StatsClient(*address, prefix=prefix, maxudpsize=MAX_PACKET_BYTES)
    except OSError:  # the statsd host name does not resolve
        return
    try:
        with client.pipeline() as pipe:
            pipe.incr("heartbeat")
            pipe.gauge("pending", pending)
            for (dag_id, owner), count in sorted((failed or {}).items()):
                pipe.incr(f"failed.{_component(owner)}.{_component(dag_id)}", count)
            if ok:
                pipe.gauge("last_success", int(now))
            else:
                pipe.incr("cycle_failed")
            if announced:
                pipe.incr("announced", announced)
    finally:
        client.close()


def metric_names(
    failed: dict[tuple[str, str], int] | None = None, prefix: str = PREFIX
) -> list[str]:
    """Every statsd name `send` can use, for (dag_id, owner) pairs in `failed`."""
    names = ["heartbeat", "pending", "last_success", "cycle_failed", "announced"]
    names += [f"failed.{_component(owner)}.{_component(dag_id)}" for dag_id, owner in failed or {}]
    return [f"{prefix}.{name}" for name in names]


def _component(text: str) -> str:
    """One statsd name component: ASCII letters, digits, `_` and `-` only."""
    text = text.replace("@", "_at_").replace(".", "__")
    return "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in text) or "none"
