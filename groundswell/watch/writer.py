"""What a live client keeps, into the store: committed at least every second, with its cursor.

Why this shape: a stream never ends, so "a batch" is a time slice. Every ``commit_every``
seconds (or sooner, at ``batch_posts`` posts, when events arrive faster than that) the events
kept since the last commit are written in one short visit to the store
(:func:`groundswell.ingest.commit.visit`: open, one transaction, close — so `serve` can read
in between), followed by the stream's cursor (:mod:`groundswell.watch.cursors`) and whatever
``after_commit`` keeps current (the dashboard's per-campaign state). Events are parsed as a
one-shot ingest parses lines (:func:`~groundswell.ingest.dispatch.handle_line`), so the rules
(duplicates, deletes, edits, quarantine with a reason, tombstones of forgotten accounts) are
the same, and re-reading events after a restart changes nothing.

Provenance: every event is stored with ``source_file`` = the stream's name and
``source_line`` = a number the client derives from the event itself (Jetstream's
``time_us``; a Mastodon status id), never a counter of this run: an event replayed after a
restart keeps its (file, line), so its quarantine row is not written twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groundswell.ingest.batch import Batch, batch_size
from groundswell.ingest.commit import visit
from groundswell.ingest.dispatch import handle_line
from groundswell.ingest.summary import IngestLog, IngestSummary
from groundswell.store import Store, StoreError
from groundswell.watch import cursors

#: Commit at least this often (seconds) while events arrive (issue 24: "at least every second").
COMMIT_EVERY = 1.0
#: When nothing was kept, only the cursor moves: saved this often (seconds), which bounds what a
#: restart reads again without opening the store every second for nothing.
CURSOR_EVERY = 5.0


@dataclass
class WatchSummary(IngestSummary):
    """:class:`~groundswell.ingest.IngestSummary` plus what a live stream adds."""

    #: events received from the stream (kept or not)
    events: int = 0
    #: events handed to the store (what the client kept)
    kept: int = 0
    commits: int = 0
    reconnects: int = 0
    busy_retries: int = 0
    #: seconds between the newest event's time at the source and its arrival here
    lag_seconds: float | None = None
    cursor: str | None = None
    #: events kept in earlier runs (from the stored cursor), for the status line
    kept_before: int = 0
    started_at: float = field(default_factory=time.monotonic, repr=False)


class LiveWriter:
    """Collects kept events (:meth:`add`) and commits them (:meth:`commit_if_due`,
    :meth:`close`). Not thread-safe: one client loop drives it."""

    def __init__(self, db_path: str | os.PathLike[str], stream: str,
                 commit_every: float = COMMIT_EVERY, batch_posts: int | None = None,
                 busy_timeout: float | None = None,
                 after_commit: Callable[[Store], Any] | None = None,
                 on_commit: Callable[[WatchSummary], None] | None = None) -> None:
        self.db_path = Path(db_path)
        if not self.db_path.parent.is_dir():
            raise StoreError(f"cannot create store {self.db_path}: folder does not exist")
        if commit_every <= 0:
            raise ValueError("commit_every must be a positive number of seconds")
        self.stream = stream
        self.commit_every = commit_every
        self.batch_posts = batch_size(batch_posts)
        self.busy_timeout = busy_timeout
        self.after_commit = after_commit
        self.on_commit = on_commit
        self.summary = WatchSummary(files=1)
        self._log = IngestLog(self.summary, [stream])
        self._batches: dict[str | None, Batch] = {}
        self._pending = 0  # events in the batches
        self._cursor: str | None = None  # the newest kept-or-seen event's cursor
        self._dirty_cursor = False
        self._last_commit = time.monotonic()

    # -- resuming ----------------------------------------------------------------------------
    def stored_cursor(self) -> str | None:
        """The cursor of the last commit of this stream (None: never committed). Opens (and,
        the first time, creates) the store briefly."""
        if not self.db_path.exists():
            return None
        found = visit(self.db_path, lambda store: cursors.load(store, self.stream),
                      self.busy_timeout, "reading the cursor").result
        if found is None:
            return None
        self.summary.kept_before = found[1]
        self.summary.cursor = found[0]
        return found[0]

    # -- collecting --------------------------------------------------------------------------
    def seen(self, cursor: str | None = None, event_time: float | None = None) -> None:
        """An event arrived (kept or not): count it, move the cursor past it, note the lag
        (``event_time``: its time at the source, seconds since the epoch)."""
        self.summary.events += 1
        if cursor is not None:
            self._cursor = cursor
            self._dirty_cursor = True
        if event_time is not None:
            self.summary.lag_seconds = max(0.0, time.time() - event_time)

    def add(self, raw: bytes, line: int, server: str | None = None) -> None:
        """Keep one event (its raw JSON line) for the next commit. ``line``: its stable
        number within the stream (see the module); ``server``: the Mastodon server that
        served it (its local ids)."""
        batch = self._batches.get(server)
        if batch is None:
            batch = self._batches[server] = Batch(server)
        batch.file = self.stream
        batch.line = line
        handle_line(batch, raw)
        self._pending += 1
        self.summary.kept += 1
        if sum(len(b) for b in self._batches.values()) >= self.batch_posts:
            self.commit()

    def commit_if_due(self) -> bool:
        """Commit when ``commit_every`` has passed since the last commit (call it often:
        after each event and when the stream is quiet). True if it committed."""
        since = time.monotonic() - self._last_commit
        if since < self.commit_every:
            return False
        if not self._pending and (not self._dirty_cursor or since < CURSOR_EVERY):
            return False
        self.commit()
        return True

    # -- writing -----------------------------------------------------------------------------
    def commit(self) -> None:
        """Write what was kept since the last commit, then the cursor, in one visit."""
        batches, pending = self._batches, self._pending
        cursor = self._cursor

        def work(store: Store) -> None:
            for batch in batches.values():
                written = store.write_batch(batch.to_arrow().tables)
                self._log.add(batch, written)
            self.summary.lines += pending
            if cursor is not None:
                cursors.save(store, self.stream, cursor,
                             self.summary.kept_before + self.summary.kept)
            self._log.record(store)
            if self.after_commit is not None:
                self.after_commit(store)

        done = visit(self.db_path, work, self.busy_timeout, f"{pending} event(s)")
        self.summary.busy_retries += done.busy_retries
        self.summary.commits += 1
        self.summary.cursor = cursor
        self._batches, self._pending, self._dirty_cursor = {}, 0, False
        self._last_commit = time.monotonic()
        if self.on_commit is not None:
            self.on_commit(self.summary)

    def close(self) -> WatchSummary:
        """Commit everything kept (on Ctrl-C, on stop): nothing received is left behind."""
        if self._pending or self._dirty_cursor:
            self.commit()
        self._log.settle()
        return self.summary
