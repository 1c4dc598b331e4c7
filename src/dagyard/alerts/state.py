"""The alerter's durable memory: a SQLite file with an inbox, an outbox and a watermark.

* `failure`: every failure ever seen (the inbox), keyed by (dag, run, task, map, try), or for
  a broken file by (file, hash of its error). A row is `sent` only after Slack accepted every
  part of the message that carries it. A broken file's row lives as long as the file is broken
  with that error: it is removed when the file imports again or its error changes (so the next
  break is told again), and put back in the inbox when a "still broken" reminder is due.
* `digest` / `chunk`: messages being sent (the outbox). A chunk is marked `attempted` before
  the request leaves and gets its Slack `ts` after Slack accepted it; an attempted chunk without
  a ts is looked up in the channel before anything is sent again (exactly once).
* `meta`: the watermark (end date up to which Airflow was read) and the last heartbeat.
* `failing`: (dag, task) pairs announced and not yet recovered, for "still failing" summaries.
* `slack_user`: the `users.lookupByEmail` cache with its fetch time (TTL).

Every change of state is one transaction, so a crash at any point leaves a consistent file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failure (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    dag_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    data TEXT NOT NULL,
    seen_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    digest_id TEXT,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS failure_status ON failure (status, digest_id);
CREATE TABLE IF NOT EXISTS digest (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    created_at REAL NOT NULL,
    done_at REAL
);
CREATE TABLE IF NOT EXISTS chunk (
    digest_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    payload TEXT NOT NULL,
    attempted_at REAL,
    ts TEXT,
    PRIMARY KEY (digest_id, idx)
);
CREATE TABLE IF NOT EXISTS failing (
    dag_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    first_at REAL NOT NULL,
    last_failure TEXT NOT NULL,
    recovered_digest TEXT,
    PRIMARY KEY (dag_id, task_id)
);
CREATE TABLE IF NOT EXISTS slack_user (
    email TEXT PRIMARY KEY,
    user_id TEXT,
    fetched_at REAL NOT NULL
);
"""


class Chunk(NamedTuple):
    """One Slack message of a digest (the first goes to the channel, the rest to its thread)."""

    digest_id: str
    channel: str
    idx: int
    payload: dict[str, Any]
    attempted_at: float | None
    ts: str | None


class StoredFailure(NamedTuple):
    """A failure in the inbox, with the record the digest is built from."""

    key: str
    kind: str
    dag_id: str
    task_id: str
    data: dict[str, Any]


class Store:
    """Open (and create) the state file; every method commits its own transaction.

    `clock` gives the time recorded for seeing, sending and announcing (a cycle passes its
    own); the time a Slack post was attempted is always the real time, as Slack's is.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all of it is saved, or none of it."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A stored value (watermark, last heartbeat), or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a value."""
        with self.transaction() as db:
            _set_meta(db, key, value)

    # inbox --------------------------------------------------------------------------------

    def add_failures(
        self, failures: Iterable[tuple[str, str, str, str, dict[str, Any]]], watermark: str
    ) -> int:
        """Record newly seen failures and move the watermark, atomically; returns how many new.

        Each item is (key, kind, dag_id, task_id, data). Known keys are ignored, which is what
        makes overlapping read windows safe.
        """
        now = self.clock()
        added = 0
        with self.transaction() as db:
            for key, kind, dag_id, task_id, data in failures:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO failure (key, kind, dag_id, task_id, data, seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key, kind, dag_id, task_id, json.dumps(data), now),
                )
                added += cursor.rowcount
            _set_meta(db, "watermark", watermark)
        return added

    def refresh_broken(self, current: dict[str, str]) -> None:
        """Forget broken-file records that no longer hold; `current` maps file path -> key.

        A file that imports again, or whose error changed, loses its record, so its next break
        (or its new error) is told again. A changed error not yet told replaces the old one.
        """
        with self.transaction() as db:
            rows = db.execute(
                "SELECT key, dag_id, status, digest_id FROM failure WHERE kind = 'import'"
            ).fetchall()
            stale = [
                (key,)
                for key, path, status, digest_id in rows
                if current.get(path) != key
                and (status != "new" or (path in current and digest_id is None))
            ]
            db.executemany("DELETE FROM failure WHERE key = ?", stale)

    def remind(self, due: dict[str, float]) -> int:
        """Put told broken files back in the inbox as reminders; returns how many.

        `due` maps a broken file's key to a time: it is reminded of when it was last told
        before that time.
        """
        reminded = 0
        with self.transaction() as db:
            for key, before in due.items():
                row = db.execute(
                    "SELECT data FROM failure WHERE key = ? AND status = 'sent' AND sent_at < ?",
                    (key, before),
                ).fetchone()
                if row:
                    data = {**json.loads(row[0]), "reminder": True}
                    db.execute(
                        "UPDATE failure SET status = 'new', digest_id = NULL, data = ? "
                        "WHERE key = ?",
                        (json.dumps(data), key),
                    )
                    reminded += 1
        return reminded

    def announced_runs(self) -> set[tuple[str, str, str, int]]:
        """(dag_id, task_id, run_id, map_index) of every task failure told and still kept."""
        rows = self._db.execute(
            "SELECT dag_id, task_id, data FROM failure WHERE kind = 'task' AND status = 'sent'"
        ).fetchall()
        found = set()
        for dag_id, task_id, data in rows:
            record = json.loads(data)
            found.add((dag_id, task_id, record.get("run_id", ""), record.get("map_index", -1)))
        return found

    def unassigned(self) -> list[StoredFailure]:
        """Failures not yet sent and not yet part of a message."""
        rows = self._db.execute(
            "SELECT key, kind, dag_id, task_id, data FROM failure "
            "WHERE status = 'new' AND digest_id IS NULL ORDER BY seen_at, key"
        ).fetchall()
        return [StoredFailure(k, kind, d, t, json.loads(data)) for k, kind, d, t, data in rows]

    def mark_quiet(self, keys: Iterable[str]) -> None:
        """Failures of quiet DAGs: recorded, never announced."""
        now = self.clock()
        with self.transaction() as db:
            db.executemany(
                "UPDATE failure SET status = 'quiet', sent_at = ? WHERE key = ?",
                [(now, key) for key in keys],
            )

    def count(self, status: str) -> int:
        """How many failures have this status (new, sent, quiet)."""
        return self._db.execute(
            "SELECT count(*) FROM failure WHERE status = ?", (status,)
        ).fetchone()[0]

    # outbox -------------------------------------------------------------------------------

    def add_digest(
        self,
        digest_id: str,
        channel: str,
        payloads: list[dict[str, Any]],
        keys: list[str],
        recovered: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> None:
        """Freeze one channel's message (its chunks) and tie its failures to it, atomically.

        `recovered` (dag_id, task_id) pairs are announced by this message and forgotten once
        it is accepted.
        """
        with self.transaction() as db:
            db.executemany(
                "UPDATE failing SET recovered_digest = ? WHERE dag_id = ? AND task_id = ?",
                [(digest_id, d, t) for d, t in recovered],
            )
            db.execute(
                "INSERT INTO digest (id, channel, created_at) VALUES (?, ?, ?)",
                (digest_id, channel, self.clock()),
            )
            db.executemany(
                "INSERT INTO chunk (digest_id, idx, payload) VALUES (?, ?, ?)",
                [(digest_id, i, json.dumps(p)) for i, p in enumerate(payloads)],
            )
            db.executemany(
                "UPDATE failure SET digest_id = ? WHERE key = ?", [(digest_id, k) for k in keys]
            )

    def open_chunks(self) -> list[Chunk]:
        """Chunks of unfinished digests, oldest digest first, in posting order."""
        rows = self._db.execute(
            "SELECT c.digest_id, d.channel, c.idx, c.payload, c.attempted_at, c.ts "
            "FROM chunk c JOIN digest d ON d.id = c.digest_id "
            "WHERE d.done_at IS NULL ORDER BY d.created_at, d.id, c.idx"
        ).fetchall()
        return [Chunk(d, ch, i, json.loads(p), a, ts) for d, ch, i, p, a, ts in rows]

    def mark_attempted(self, digest_id: str, idx: int) -> None:
        """Saved just before a chunk is sent: afterwards we must check Slack before resending."""
        with self.transaction() as db:
            db.execute(
                "UPDATE chunk SET attempted_at = ? WHERE digest_id = ? AND idx = ?",
                (time.time(), digest_id, idx),
            )

    def clear_attempt(self, digest_id: str, idx: int) -> None:
        """Slack's history shows the chunk never arrived: it may be sent again."""
        with self.transaction() as db:
            db.execute(
                "UPDATE chunk SET attempted_at = NULL WHERE digest_id = ? AND idx = ?",
                (digest_id, idx),
            )

    def mark_posted(self, digest_id: str, idx: int, ts: str) -> None:
        """Slack accepted the chunk (it has a `ts`)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE chunk SET ts = ? WHERE digest_id = ? AND idx = ?", (ts, digest_id, idx)
            )

    def dissolve(self, digest_id: str) -> None:
        """Nothing of this digest reached Slack: give its failures back to the next message."""
        with self.transaction() as db:
            db.execute("UPDATE failure SET digest_id = NULL WHERE digest_id = ?", (digest_id,))
            db.execute(
                "UPDATE failing SET recovered_digest = NULL WHERE recovered_digest = ?",
                (digest_id,),
            )
            db.execute("DELETE FROM chunk WHERE digest_id = ?", (digest_id,))
            db.execute("DELETE FROM digest WHERE id = ?", (digest_id,))

    def finish_digest(self, digest_id: str, failing: list[tuple[str, str, str, str]]) -> int:
        """Every chunk was accepted: mark its failures sent; returns how many.

        `failing` rows (dag_id, task_id, channel, last_failure) are remembered for "still
        failing" summaries.
        """
        now = self.clock()
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE failure SET status = 'sent', sent_at = ? WHERE digest_id = ? "
                "AND status = 'new'",
                (now, digest_id),
            )
            db.execute("UPDATE digest SET done_at = ? WHERE id = ?", (now, digest_id))
            db.execute("DELETE FROM failing WHERE recovered_digest = ?", (digest_id,))
            db.executemany(
                "INSERT INTO failing (dag_id, task_id, channel, first_at, last_failure) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (dag_id, task_id) "
                "DO UPDATE SET last_failure = max(last_failure, excluded.last_failure)",
                [(d, t, ch, now, last) for d, t, ch, last in failing],
            )
            return cursor.rowcount

    def digest_failures(self, digest_id: str) -> list[StoredFailure]:
        """The failures a digest carries."""
        rows = self._db.execute(
            "SELECT key, kind, dag_id, task_id, data FROM failure WHERE digest_id = ?",
            (digest_id,),
        ).fetchall()
        return [StoredFailure(k, kind, d, t, json.loads(data)) for k, kind, d, t, data in rows]

    # still failing / recovered ------------------------------------------------------------

    def failing(self) -> dict[tuple[str, str], tuple[str, float, str]]:
        """(dag_id, task_id) -> (channel, first announced, last failure end date).

        Pairs whose recovery is already being announced are left out.
        """
        rows = self._db.execute(
            "SELECT dag_id, task_id, channel, first_at, last_failure FROM failing "
            "WHERE recovered_digest IS NULL"
        ).fetchall()
        return {(d, t): (ch, first, last) for d, t, ch, first, last in rows}

    def forget_failing(self, pairs: Iterable[tuple[str, str]]) -> None:
        """These recovered: the next failure is announced in full again."""
        with self.transaction() as db:
            db.executemany("DELETE FROM failing WHERE dag_id = ? AND task_id = ?", list(pairs))

    # Slack user cache ---------------------------------------------------------------------

    def cached_user(self, email: str, ttl_seconds: float) -> tuple[bool, str | None]:
        """(found in cache and fresh, user id or None for "no such Slack user")."""
        row = self._db.execute(
            "SELECT user_id, fetched_at FROM slack_user WHERE email = ?", (email.lower(),)
        ).fetchone()
        if row and time.time() - row[1] < ttl_seconds:
            return True, row[0]
        return False, None

    def cache_user(self, email: str, user_id: str | None) -> None:
        """Remember a lookup result (also "not found") for the TTL."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO slack_user (email, user_id, fetched_at) VALUES (?, ?, ?)",
                (email.lower(), user_id, time.time()),
            )

    def prune(self, older_than_seconds: float) -> int:
        """Drop sent failures and finished digests older than this; returns rows removed."""
        cutoff = self.clock() - older_than_seconds
        with self.transaction() as db:
            # a broken file's record goes when the file imports again (`refresh_broken`)
            removed = db.execute(
                "DELETE FROM failure WHERE status != 'new' AND kind != 'import' AND sent_at < ?",
                (cutoff,),
            ).rowcount
            db.execute(
                "DELETE FROM chunk WHERE digest_id IN "
                "(SELECT id FROM digest WHERE done_at IS NOT NULL AND done_at < ?)",
                (cutoff,),
            )
            db.execute("DELETE FROM digest WHERE done_at IS NOT NULL AND done_at < ?", (cutoff,))
            # failing for longer than that without recovering: announce the next one in full
            db.execute(
                "DELETE FROM failing WHERE first_at < ? AND recovered_digest IS NULL "
                "AND task_id != ''",
                (cutoff,),
            )
        return removed


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
