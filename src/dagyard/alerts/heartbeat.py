"""The alerter's own metrics, sent as statsd packets, so a silent alerter is noticed.

`dagyard.alerter.heartbeat` (counter, every cycle), `dagyard.alerter.last_success` (gauge,
Unix time of the last cycle that finished), `dagyard.alerter.cycle_failed` (counter),
`dagyard.alerter.announced` (counter), `dagyard.alerter.pending` (gauge), and
`dagyard.alerter.failed.<owner>.<dag_id>` (counter of announced failures, for the dashboard's
"failures by DAG and owner"; dots in names become `__`, `@` becomes `_at_`).
"""

from __future__ import annotations

import socket

PREFIX = "dagyard.alerter"


def statsd_lines(
    *,
    ok: bool,
    announced: int,
    pending: int,
    now: float,
    failed: dict[tuple[str, str], int] | None = None,
    prefix: str = PREFIX,
) -> list[str]:
    """The statsd lines one cycle reports."""
    lines = [f"{prefix}.heartbeat:1|c", f"{prefix}.pending:{pending}|g"]
    for (dag_id, owner), count in sorted((failed or {}).items()):
        lines.append(f"{prefix}.failed.{_component(owner)}.{_component(dag_id)}:{count}|c")
    if ok:
        lines.append(f"{prefix}.last_success:{int(now)}|g")
    else:
        lines.append(f"{prefix}.cycle_failed:1|c")
    if announced:
        lines.append(f"{prefix}.announced:{announced}|c")
    return lines


def _component(text: str) -> str:
    """One statsd name component: no dots, colons, pipes or spaces."""
    text = text.replace("@", "_at_").replace(".", "__")
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in text) or "none"


def send(address: tuple[str, int] | None, lines: list[str]) -> None:
    """Send lines over UDP (fire and forget; metrics must never break the alerter)."""
    if not address:
        return
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for start in range(0, len(lines), 20):  # small packets: no UDP fragmentation
                sock.sendto("\n".join(lines[start : start + 20]).encode(), address)
    except OSError:
        pass
