"""One alert cycle: read Airflow, remember, compose one message per channel, send, report.

1. Read failed task instances (since the watermark minus the window) and import errors, and
   save the new ones together with the new watermark (one transaction). Airflow is read even
   when Slack is down, so nothing that happens during an outage is forgotten. A broken file
   is new when its error is (see `fingerprint`); one that imports again is forgotten, and one
   broken for longer than its team's reminder interval is put back in the inbox.
2. Settle messages left unfinished by an earlier cycle: a part that was being sent when that
   cycle stopped is looked up in the channel before it is sent again (exactly once). A message
   of which nothing reached Slack is dissolved, so its failures join this cycle's message.
3. Compose one message per channel from everything not yet announced, grouped by owner.
4. Send; a failure is marked sent only after Slack accepted every part of its message.
5. Report a heartbeat (statsd) and the outcome.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from dagyard.alerts import heartbeat, routing
from dagyard.alerts.grouping import Entry, Owner, build_message, detailed_keys
from dagyard.alerts.settings import AlertSettings
from dagyard.alerts.slack import Slack, SlackRejected, SlackUnavailable
from dagyard.alerts.source import AirflowSource, BrokenFile, Failure, SourceError, log_url
from dagyard.alerts.state import Chunk, Store, StoredFailure
from dagyard.config import Config

KEEP_SENT_SECONDS = 7 * 24 * 3600


class CycleResult(NamedTuple):
    """What one cycle did."""

    ok: bool
    new_failures: int
    announced: int
    messages: int
    pending: int
    channels: tuple[str, ...]
    error: str | None
    slack_calls: dict[str, int]


def run_cycle(settings: AlertSettings, *, now: float | None = None) -> CycleResult:
    """Run one cycle; never raises for Airflow or Slack trouble (see `CycleResult.error`)."""
    now = now or time.time()
    store = Store(settings.state_file, clock=lambda: now)
    source = AirflowSource(settings.airflow_url, settings.airflow_token)
    alerts = settings.alerts
    slack = Slack(
        settings.slack_token,
        api_url=alerts.slack_api_url,
        timeout=alerts.slack_timeout_seconds,
        retries=alerts.slack_retries,
        backoff=alerts.slack_backoff_seconds,
        store=store,
        lookup_ttl_seconds=alerts.lookup_cache_ttl_hours * 3600,
    )
    new = announced = messages = 0
    channels: set[str] = set()
    failed: Counter[tuple[str, str]] = Counter()
    error: str | None = None
    try:
        broken = {routing.broken_path(settings.config, b): b for b in source.import_errors()}
        new = collect(settings, source, store, now, broken)
        settle(slack, store)
        compose(settings, source, slack, store, now, set(broken))
        announced, messages, channels, refused = send(slack, store, failed)
        if refused:
            error = "Slack refused some messages: " + "; ".join(refused)
    except (SourceError, SlackUnavailable, SlackRejected) as problem:
        error = str(problem)
    finally:
        pending = store.count("new")
        store.set_meta("last_cycle", f"{now:.0f} {'ok' if error is None else 'failed'}")
        if error is None:
            store.set_meta("last_success", f"{now:.0f}")
            store.prune(max(KEEP_SENT_SECONDS, 4 * alerts.window_minutes * 60))
        heartbeat.send(
            settings.statsd,
            ok=error is None,
            announced=announced,
            pending=pending,
            now=now,
            failed=dict(failed),
        )
        source.close()
        store.close()
    return CycleResult(
        ok=error is None,
        new_failures=new,
        announced=announced,
        messages=messages,
        pending=pending,
        channels=tuple(sorted(channels)),
        error=error,
        slack_calls=dict(slack.calls),
    )


def collect(
    settings: AlertSettings,
    source: AirflowSource,
    store: Store,
    now: float,
    broken: dict[str, BrokenFile],
) -> int:
    """Save failures Airflow reports that were never seen before; returns how many.

    `broken` maps the path of each file Airflow cannot import to its import error.
    """
    config = settings.config
    window = timedelta(minutes=settings.alerts.window_minutes)
    read_at = datetime.fromtimestamp(now, UTC)
    watermark = store.get_meta("watermark")
    since = (datetime.fromisoformat(watermark) if watermark else read_at) - window
    dags = source.dags()
    owners = {d.dag_id: list(routing.owner_emails(d.owners)) for d in dags.values()}
    paths = routing.dag_paths(config, dags.values())
    rows = []
    for failure in source.failed_task_instances(since):
        rows.append(
            (
                failure.key,
                "task",
                failure.dag_id,
                failure.task_id,
                {
                    **failure._asdict(),
                    "owners": owners.get(failure.dag_id, []),
                    "path": paths.get(failure.dag_id),
                },
            )
        )
    for path, file in broken.items():
        rows.append(
            (
                file.key,
                "import",
                path,
                "",
                {
                    "path": path,
                    "timestamp": file.timestamp,
                    "error": _last_lines(file.stacktrace, settings.alerts.error_lines),
                    "owners": _folder_owners(settings, path),
                },
            )
        )
    store.refresh_broken({path: file.key for path, file in broken.items()})
    added = store.add_failures(rows, watermark=read_at.isoformat())
    due = {}
    for path, file in broken.items():
        hours = reminder_hours(config, path)
        if hours:
            due[file.key] = now - hours * 3600
    store.remind(due)
    return added


def reminder_hours(config: Config, path: str) -> int:
    """How often the owners of a broken file are reminded of it (0: never)."""
    team = config.team_of(path)
    hours = config.teams[team].still_broken_reminder_hours if team else None
    return config.alerts.still_broken_reminder_hours if hours is None else hours


def settle(slack: Slack, store: Store) -> None:
    """Find out what happened to parts whose sending was interrupted; dissolve unsent messages."""
    by_digest: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in store.open_chunks():
        by_digest[chunk.digest_id].append(chunk)
    for digest_id, chunks in by_digest.items():
        parent_ts = chunks[0].ts
        for chunk in chunks:
            if chunk.ts is None and chunk.attempted_at is not None:
                thread = parent_ts if chunk.idx > 0 else None
                ts = slack.find_posted(
                    chunk.channel, _marker(chunk), chunk.attempted_at - 60, thread
                )
                if ts:
                    store.mark_posted(digest_id, chunk.idx, ts)
                    chunk = chunk._replace(ts=ts)
                else:
                    store.clear_attempt(digest_id, chunk.idx)
            if chunk.idx == 0:
                parent_ts = chunk.ts
        if parent_ts is None:
            store.dissolve(digest_id)


def compose(
    settings: AlertSettings,
    source: AirflowSource,
    slack: Slack,
    store: Store,
    now: float,
    broken_paths: set[str],
) -> None:
    """Build and save one message per channel from every failure not yet announced."""
    config = settings.config
    alerts = settings.alerts
    pending = store.unassigned()
    quiet = [f.key for f in pending if f.kind == "task" and routing.is_quiet(config, f.dag_id)]
    if quiet:
        store.mark_quiet(quiet)
    quiet_keys = set(quiet)
    failing = store.failing()
    by_channel: dict[str, list[StoredFailure]] = defaultdict(list)
    for item in pending:
        if item.key not in quiet_keys:
            by_channel[routing.channel_for(config, item.data.get("path"))].append(item)
    told_runs = store.announced_runs()
    recovered = _recovered(source, failing, pending, broken_paths)
    if not alerts.recovered_notice:
        store.forget_failing(pair for pairs in recovered.values() for pair in pairs)
        recovered = {}
    for channel in sorted(set(by_channel) | set(recovered)):
        items = by_channel.get(channel, [])
        entries = [_entry(settings, item, failing, told_runs) for item in items]
        detailed = detailed_keys(entries, alerts.detailed_entries)
        entries = [
            _with_error(source, e, alerts.error_lines) if e.key in detailed else e for e in entries
        ]
        owners = {key: _owner(slack, config, key) for key in {e.owners for e in entries}}
        pairs = recovered.get(channel, [])
        payloads = build_message(
            channel=channel,
            entries=entries,
            owners=owners,
            recovered=sorted({dag for dag, _task in pairs}),
            detailed_entries=alerts.detailed_entries,
            airflow_url=settings.ui_url,
        )
        if payloads:
            digest_id = f"{int(now)}-{uuid.uuid4().hex[:12]}"
            store.add_digest(digest_id, channel, payloads, [i.key for i in items], pairs)


def send(
    slack: Slack, store: Store, failed: Counter[tuple[str, str]] | None = None
) -> tuple[int, int, set[str], list[str]]:
    """Send every unfinished message: (failures announced, parts posted, channels, refusals).

    A channel Slack refuses (unknown channel, bot not invited) keeps its message pending and
    does not stop the others.

    `failed` counts the announced task failures by (dag_id, owner), for metrics.
    """
    announced = posted = 0
    channels: set[str] = set()
    by_digest: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in store.open_chunks():
        by_digest[chunk.digest_id].append(chunk)
    refused: list[str] = []
    for digest_id, chunks in by_digest.items():
        parent_ts = chunks[0].ts
        try:
            for chunk in chunks:
                if chunk.ts is None:
                    store.mark_attempted(digest_id, chunk.idx)
                    thread = parent_ts if chunk.idx > 0 else None
                    _id, ts = slack.post(chunk.channel, chunk.payload, _marker(chunk), thread)
                    store.mark_posted(digest_id, chunk.idx, ts)
                    posted += 1
                    chunk = chunk._replace(ts=ts)
                if chunk.idx == 0:
                    parent_ts = chunk.ts
        except SlackRejected as error:  # this channel only: the other messages still go out
            refused.append(f"{chunks[0].channel}: {error}")
            continue
        channel = chunks[0].channel
        carried = store.digest_failures(digest_id)
        failing = [
            (f.dag_id, f.task_id, channel, f.data.get("end_date") or f.data.get("timestamp", ""))
            for f in carried
        ]
        if failed is not None:
            for f in carried:
                if f.kind == "task":
                    for owner in f.data.get("owners") or ["none"]:
                        failed[(f.dag_id, owner)] += 1
        announced += store.finish_digest(digest_id, failing)
        channels.add(channel)
    return announced, posted, channels, refused


def _marker(chunk: Chunk) -> dict[str, object]:
    return {"digest": chunk.digest_id, "chunk": chunk.idx}


def _entry(
    settings: AlertSettings,
    item: StoredFailure,
    failing: dict[tuple[str, str], tuple[str, float, str]],
    told_runs: set[tuple[str, str, str, int]],
) -> Entry:
    """The message entry of a stored failure, with what the owners were told before.

    A broken file is told in full unless this is a reminder. A task failure is summed up as
    "still failing" only when its run was told before (a cleared task that failed again);
    a failure in a new run is told in full and says that the task failed before.
    """
    data = item.data
    owners = tuple(data.get("owners") or ())
    before = failing.get((item.dag_id, item.task_id))
    if item.kind == "import":
        reminder = bool(data.get("reminder"))
        if reminder:
            note = f"Still broken since {_when(data.get('timestamp', ''))}."
        elif before:
            note = "Its error changed since the last message."
        else:
            note = ""
        return Entry(
            key=item.key,
            kind="import",
            dag_id=item.dag_id,
            task_id="",
            run_id="",
            map_index=-1,
            try_number=0,
            end_date=data.get("timestamp", ""),
            duration=None,
            error=data.get("error", ""),
            url=f"{settings.ui_url}/dags?tab=import_errors",
            owners=owners,
            still_failing=reminder,
            note=note,
        )
    failure = Failure(**{k: data[k] for k in Failure._fields})
    same_run = (failure.dag_id, failure.task_id, failure.run_id, failure.map_index) in told_runs
    note = ""
    if before and not same_run:
        note = f"This task also failed before (first reported {_when(before[1])})."
    return Entry(
        key=item.key,
        kind="task",
        dag_id=failure.dag_id,
        task_id=failure.task_id,
        run_id=failure.run_id,
        map_index=failure.map_index,
        try_number=failure.try_number,
        end_date=failure.end_date,
        duration=failure.duration,
        error="",
        url=log_url(settings.ui_url, failure),
        owners=owners,
        still_failing=same_run,
        note=note,
    )


def _when(moment: str | float) -> str:
    """`2026-12-01 05:41 UTC` from an ISO date or a Unix time (as given when unreadable)."""
    try:
        if isinstance(moment, int | float):
            when = datetime.fromtimestamp(moment, UTC)
        else:
            when = datetime.fromisoformat(moment).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return str(moment)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _with_error(source: AirflowSource, entry: Entry, lines: int) -> Entry:
    if entry.kind != "task" or entry.error:
        return entry
    failure = Failure(
        entry.dag_id,
        entry.run_id,
        entry.task_id,
        entry.map_index,
        entry.try_number,
        entry.end_date,
        entry.duration,
    )
    return entry._replace(error=source.error_excerpt(failure, lines))


def _owner(slack: Slack, config, owners: tuple[str, ...]) -> Owner:
    """Mention every owner found in Slack; say plainly who could not be found and why."""
    mentions: list[str] = []
    missing: list[str] = []
    not_email: list[str] = []
    for owner in owners:
        if "@" not in owner:
            not_email.append(owner)
            continue
        user_id = slack.user_id(owner)
        if user_id:
            mentions.append(f"<@{user_id}>")
        else:
            missing.append(owner)
    label = ", ".join(mentions + missing + not_email) or "No owner"
    notes = []
    if missing:
        notes.append(
            f"No Slack account uses {', '.join(missing)}, so nobody was mentioned; "
            "this channel gets the alert instead. Use the same e-mail in Slack and in the DAG."
        )
    if not_email or not owners:
        notes.append(
            "This DAG's owner is not an e-mail address, so nobody was mentioned; "
            'set default_args={"owner": "you@company.com"} in the DAG.'
        )
    return Owner(label, " ".join(notes) or None)


def _folder_owners(settings: AlertSettings, path: str) -> list[str]:
    team = settings.config.team_of(path)
    if team is None:
        return []
    return [m.lower() for m in settings.config.teams[team].members]


def _recovered(
    source: AirflowSource,
    failing: dict[tuple[str, str], tuple[str, float, str]],
    pending: list[StoredFailure],
    broken_paths: set[str],
) -> dict[str, list[tuple[str, str]]]:
    """Failing (dag, task) pairs that recovered, by the channel that heard of the failure.

    A DAG recovered when a run of it succeeded after its last announced failure; a broken
    file recovered when Airflow no longer lists an import error for it.
    """
    still_pending = {(f.dag_id, f.task_id) for f in pending}
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    task_pairs = {p: v for p, v in failing.items() if p[1] and p not in still_pending}
    if task_pairs:
        oldest = min(v[2] for v in task_pairs.values())
        since = datetime.fromisoformat(oldest) if oldest else datetime.fromtimestamp(0, UTC)
        success = source.recovered_dags({d for d, _t in task_pairs}, since)
        for (dag_id, task_id), (channel, _first, last) in task_pairs.items():
            if dag_id in success and success[dag_id] > last:
                found[channel].append((dag_id, task_id))
    for (path, task_id), (channel, _first, _last) in failing.items():
        if not task_id and (path, task_id) not in still_pending and path not in broken_paths:
            found[channel].append((path, task_id))
    return found


def _last_lines(text: str, lines: int) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
