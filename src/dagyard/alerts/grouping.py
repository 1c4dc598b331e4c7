"""Turn a channel's failures into one Slack message, grouped by owner, within Slack's limits.

Pure functions over plain data: no network, no state. A message is a list of chunks; the first
goes to the channel, the others (only when the content is too big) to its thread. Each chunk
has at most `MAX_BLOCKS` blocks and each section at most `MAX_SECTION_CHARS` characters, which
is what Slack accepts (50 blocks, 3000 characters per section text).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, NamedTuple

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_CHUNK_CHARS = 30000


class Entry(NamedTuple):
    """One failure to announce, already routed."""

    key: str
    kind: str  # "task" or "import"
    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    end_date: str
    duration: float | None
    error: str
    url: str
    owners: tuple[str, ...]
    still_failing: bool = False  # told before: summed up in one "still failing" line
    note: str = ""  # what the owners were told before ("this task also failed before")


class Owner(NamedTuple):
    """How an owner appears in the message: a Slack mention, or their address and a note."""

    label: str
    note: str | None = None


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats specially."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def duration_text(seconds: float | None) -> str:
    """`1h 02m`, `3m 12s` or `4.2s`."""
    if seconds is None:
        return "no duration"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def entry_line(entry: Entry, error_chars: int = 600) -> str:
    """A detailed line: link to the log, DAG, task, run, try, duration and the error."""
    if entry.kind == "import":
        head = f"• :boom: <{entry.url}|{escape(entry.dag_id)}> does not import"
    else:
        task = entry.task_id + (f"[{entry.map_index}]" if entry.map_index >= 0 else "")
        head = (
            f"• <{entry.url}|*{escape(entry.dag_id)}* › {escape(task)}>"
            f" · run `{escape(entry.run_id)}` · try {entry.try_number}"
            f" · {duration_text(entry.duration)}"
        )
    if entry.note:
        head += f"\n_{escape(entry.note)}_"
    error = entry.error.strip().replace("```", "'''")
    if error:
        if len(error) > error_chars:
            error = error[: error_chars - 1] + "…"
        head += f"\n```{escape(error)}```"
    return head


def summary_line(dag_id: str, entries: list[Entry]) -> str:
    """One line for many failures of one DAG: how many, of which tasks."""
    tasks = Counter(e.task_id for e in entries)
    parts = ", ".join(
        f"{escape(task)} ×{count}" if count > 1 else escape(task)
        for task, count in tasks.most_common(8)
    )
    if len(tasks) > 8:
        parts += f", +{len(tasks) - 8} more tasks"
    return f"• *{escape(dag_id)}*: {len(entries)} failed task tries ({parts})"


def build_message(
    *,
    channel: str,
    entries: list[Entry],
    owners: dict[tuple[str, ...], Owner],
    recovered: list[str],
    detailed_entries: int,
    airflow_url: str,
) -> list[dict[str, Any]]:
    """The chunks of one channel's message (empty when there is nothing to say)."""
    new = [e for e in entries if not e.still_failing]
    still = [e for e in entries if e.still_failing]
    if not entries and not recovered:
        return []
    lines: list[str | None] = []  # None starts a new section block
    heading = _heading(_kinds(new), _kinds(still), len(recovered), len({e.owners for e in entries}))
    lines += [f"*{heading}*", None]

    by_owner = _by_owner(entries)
    detailed = detailed_keys(entries, detailed_entries)
    for owner_key in sorted(by_owner, key=lambda k: (-len(by_owner[k]), k)):
        owner = owners.get(owner_key, Owner(", ".join(owner_key) or "no owner"))
        group = by_owner[owner_key]
        fresh = _fresh(group)
        lines.append(f"*{owner.label}* — {_count(len(group), 'failure')}")
        if owner.note:
            lines.append(f"_{escape(owner.note)}_")
        lines += [entry_line(e) for e in fresh if e.key in detailed]
        rest: dict[str, list[Entry]] = defaultdict(list)
        for entry in fresh:
            if entry.key not in detailed:
                rest[entry.dag_id].append(entry)
        if rest and len(rest) < len(fresh):
            lines.append("_and more:_")
        lines += [summary_line(dag_id, rest[dag_id]) for dag_id in sorted(rest)]
        lines += still_lines([e for e in group if e.still_failing])
        lines.append(None)
    if recovered:
        lines.append(":white_check_mark: *Recovered:* " + ", ".join(escape(d) for d in recovered))
        lines.append(None)
    lines.append(f"<{airflow_url}/dags?last_dag_run_state=failed|Open failed DAGs in Airflow>")
    blocks = _sections(lines)
    return _chunks(blocks, f"{heading} ({channel})")


def still_lines(entries: list[Entry], most: int = 10) -> list[str]:
    """Lines for failures told before: one per DAG task or broken file, with a link and what."""
    if not entries:
        return []
    by_what: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        by_what[(entry.dag_id, entry.task_id)].append(entry)
    lines = ["_Still failing (reported before):_"]
    for what in sorted(by_what)[:most]:
        group = sorted(by_what[what], key=lambda e: e.end_date)
        last = group[-1]
        if last.kind == "import":
            line = f"• <{last.url}|{escape(last.dag_id)}> still does not import"
            error = last.error.strip().splitlines()
            if error:  # the exception, which Python prints last
                line += f": `{escape(error[-1].strip()[:200])}`"
        else:
            task = last.task_id + (f"[{last.map_index}]" if last.map_index >= 0 else "")
            line = (
                f"• <{last.url}|*{escape(last.dag_id)}* › {escape(task)}>"
                f" · run `{escape(last.run_id)}` · try {last.try_number}"
            )
            if len(group) > 1:
                earlier = len(group) - 1
                line += f" (and {earlier} earlier {'try' if earlier == 1 else 'tries'})"
        if last.note:
            line += f" — _{escape(last.note)}_"
        lines.append(line)
    if len(by_what) > most:
        lines.append(f"• and {len(by_what) - most} more")
    return lines


def detailed_keys(entries: list[Entry], detailed_entries: int) -> set[str]:
    """Which failures get a full line (with the error): the newest of each owner, shared fairly.

    The others are summarised per DAG, so a message stays readable with 10 000 failures.
    """
    by_owner = _by_owner(entries)
    per_owner = max(1, detailed_entries // max(1, len(by_owner)))
    budget = detailed_entries
    chosen: set[str] = set()
    for owner_key in sorted(by_owner, key=lambda k: (-len(by_owner[k]), k)):
        fresh = _fresh(by_owner[owner_key])
        shown = min(len(fresh), per_owner, budget) if budget > 0 else 0
        budget -= shown
        chosen.update(e.key for e in fresh[:shown])
    return chosen


def _by_owner(entries: list[Entry]) -> dict[tuple[str, ...], list[Entry]]:
    groups: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[entry.owners].append(entry)
    return groups


def _fresh(group: list[Entry]) -> list[Entry]:
    """New (not still failing) failures, newest first."""
    return sorted((e for e in group if not e.still_failing), key=lambda e: e.end_date, reverse=True)


def _kinds(entries: list[Entry]) -> tuple[int, int]:
    return (
        sum(1 for e in entries if e.kind == "task"),
        sum(1 for e in entries if e.kind == "import"),
    )


def _heading(new: tuple[int, int], still: tuple[int, int], recovered: int, owners: int) -> str:
    parts = []
    if new[0]:
        parts.append(_count(new[0], "failed task"))
    if new[1]:
        parts.append(_count(new[1], "broken DAG file"))
    if still[0]:
        parts.append(f"{still[0]} still failing")
    if still[1]:
        parts.append(f"{_count(still[1], 'DAG file')} still broken")
    if recovered:
        parts.append(f"{recovered} recovered")
    return "Airflow: " + ", ".join(parts) + (f" for {_count(owners, 'owner')}" if owners else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sections(lines: list[str | None]) -> list[dict[str, Any]]:
    """Pack lines into section blocks of at most MAX_SECTION_CHARS characters."""
    blocks: list[dict[str, Any]] = []
    current = ""
    for line in lines:
        if line is None:
            if current:
                blocks.append(_section(current))
            current = ""
            continue
        if len(line) > MAX_SECTION_CHARS:
            line = line[: MAX_SECTION_CHARS - 1] + "…"
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            blocks.append(_section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(_section(current))
    return blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(blocks: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Split blocks into messages of at most MAX_BLOCKS blocks and MAX_CHUNK_CHARS characters."""
    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in blocks:
        length = len(block["text"]["text"])
        if groups[-1] and (len(groups[-1]) >= MAX_BLOCKS or size + length > MAX_CHUNK_CHARS):
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += length
    total = len(groups)
    return [
        {
            "text": text if i == 0 else f"{text} — part {i + 1} of {total}",
            "blocks": group,
        }
        for i, group in enumerate(groups)
    ]
