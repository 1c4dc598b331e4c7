"""The alerter's own metrics, sent as statsd packets, so a silent alerter is noticed.

`dagyard.alerter.heartbeat` (counter, every cycle), `dagyard.alerter.last_success` (gauge,
Unix time of the last cycle that finished), `dagyard.alerter.cycle_failed` (counter),
`dagyard.alerter.announced` (counter) and `dagyard.alerter.pending` (gauge).
"""

from __future__ import annotations

import socket

PREFIX = "dagyard.alerter"


def statsd_lines(
    *, ok: bool, announced: int, pending: int, now: float, prefix: str = PREFIX
) -> list[str]:
    """The statsd lines one cycle reports."""
    lines = [f"{prefix}.heartbeat:1|c", f"{prefix}.pending:{pending}|g"]
    if ok:
        lines.append(f"{prefix}.last_success:{int(now)}|g")
    else:
        lines.append(f"{prefix}.cycle_failed:1|c")
    if announced:
        lines.append(f"{prefix}.announced:{announced}|c")
    return lines


def send(address: tuple[str, int] | None, lines: list[str]) -> None:
    """Send lines over UDP (fire and forget; metrics must never break the alerter)."""
    if not address:
        return
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto("\n".join(lines).encode(), address)
    except OSError:
        pass
