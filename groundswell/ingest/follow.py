"""Follow a growing JSON-lines file into the store, like ``tail -F`` (``ingest --follow``).

Why "open briefly": DuckDB lets one process write a file, and while a writer holds it no other
process can open it, not even read-only. A follower that kept the store open would lock the
dashboard (``groundswell serve``) out for as long as it runs. So the follower opens the store
only to write a batch, in one transaction, then closes it; the dashboard does the same for its
read-only queries. Whoever finds the store busy backs off: the follower retries with a short
backoff (its lines wait in memory, nothing is lost), the dashboard serves its last good values.
Closing also checkpoints DuckDB's write-ahead log into the file, so a reader never has a log
to replay. docs/dashboard.md gives the measured latencies.

Parsing is :func:`groundswell.ingest.dispatch.handle_line` into a
:class:`~groundswell.ingest.batch.Batch` written by :meth:`groundswell.store.Store.write_batch`,
counted by the same :class:`~groundswell.ingest.summary.IngestLog`: the rules (duplicates,
deletes, quarantine, provenance) are exactly those of a one-shot ingest, and following a file
to its end leaves the same tables as ingesting it once.

Following:

- only complete lines are read; a partially written last line waits for its newline (when
  the follower is stopped, a last line without newline is ingested if it is complete JSON,
  otherwise left for the next run);
- the byte offset and line number are remembered, so ``source_line`` is the line's number in
  the file, as in a one-shot ingest;
- rotation (the path now names a new file: ``mv f f.1``, ``logrotate``) is noticed: the old
  file is read to its end, then the new one from its start; truncation in place (``> f``,
  ``copytruncate``) restarts at the start. From then on the provenance name gets a suffix
  (``tweets.jsonl [2]``) so that lines of different files never share a (file, line);
- a follower that is restarted reads the file from the start again: ingest is idempotent,
  so that costs time, never correctness.

``after_batch(store)`` runs right after each batch, in the same visit, and once when the
follower starts: :func:`groundswell.api.follow` given a campaign passes that campaign's live
state update (:meth:`groundswell.live.LiveState.update`; a store filled before by a plain
ingest is caught up at the start), so that ``serve`` on that campaign reads running totals
instead of recomputing every panel over the store. The follower itself knows nothing of
campaigns: ingestion sits below the questions asked of what it stores.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from groundswell.ingest.batch import Batch, batch_size
from groundswell.ingest.commit import visit
from groundswell.ingest.dispatch import handle_line
from groundswell.ingest.lines import LineNumbers, compression
from groundswell.ingest.summary import IngestLog, IngestSummary
from groundswell.store import Store, StoreBusy, StoreError

READ_CHUNK = 1 << 20


@dataclass
class FollowSummary(IngestSummary):
    """:class:`~groundswell.ingest.IngestSummary` plus what following adds."""

    batches: int = 0
    #: how many times the follower reached the file's end and waited for more
    looks: int = 0
    busy_retries: int = 0
    busy_seconds: float = 0.0
    rotations: int = 0
    truncations: int = 0
    offset: int = 0
    pending_bytes: int = 0


@dataclass
class BatchReport:
    """What one written batch did, for progress output (``on_batch``)."""

    lines: int
    posts_added: int
    deleted: int
    quarantined: int
    line: int
    write_seconds: float
    busy_retries: int


class Tail:
    """A file read like ``tail -F``: complete lines only, across rotation and truncation."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.base_name = str(self.path.resolve())
        self.generation = 1
        self.fh = None
        self.identity: tuple[int, int] | None = None
        self.offset = 0  # bytes of complete lines consumed (the next line starts here)
        self.numbers = LineNumbers()  # its ``number``: the last complete line consumed
        self.buffer = b""  # the start of a line whose newline has not been written yet
        self.rotations = 0
        self.truncations = 0
        self._open()

    @property
    def name(self) -> str:
        """The provenance name: the file's path, with ``[n]`` from its second incarnation."""
        return self.base_name if self.generation == 1 else f"{self.base_name} [{self.generation}]"

    def _open(self) -> None:
        fh = open(self.path, "rb")  # noqa: SIM115 - kept open across polls, closed by close()
        st = os.fstat(fh.fileno())
        if self.fh is not None:
            self.fh.close()
        self.fh, self.identity = fh, (st.st_dev, st.st_ino)
        self.offset, self.numbers, self.buffer = 0, LineNumbers(), b""

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def read(self, limit: int = READ_CHUNK) -> list[tuple[int, bytes]]:
        """The complete lines written since the last call, at most about ``limit`` bytes:
        ``(line_number, stripped_line)``, empty lines skipped (as :func:`iter_lines`)."""
        data = self.fh.read(limit)
        if not data:
            return []
        if self.offset == 0 and not self.buffer:
            if compression(data[:4]) is not None:
                raise ValueError(
                    f"{self.path} is compressed: --follow reads plain JSON lines as they are "
                    "written (ingest finished compressed files without --follow)")
        chunk = self.buffer + data
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self.buffer = chunk
            return []
        self.buffer = chunk[cut + 1:]
        complete = chunk[:cut + 1]
        lines = list(self.numbers(complete.split(b"\n")[:-1]))
        self.offset += len(complete)
        return lines

    def pending(self) -> tuple[int, bytes] | None:
        """The unfinished last line, if it is complete JSON (a file without final newline)."""
        raw = self.numbers.clean(self.buffer)
        if not raw:
            return None
        try:
            orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        return self.numbers.number + 1, raw

    def take_pending(self) -> tuple[int, bytes] | None:
        found = self.pending()
        if found is not None:
            self.numbers([self.buffer])
            self.offset += len(self.buffer)
            self.buffer = b""
        return found

    def switched(self) -> str | None:
        """At end of file: ``"rotated"`` when the path now names another file (or is gone),
        ``"truncated"`` when the file shrank below what was read, else None."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None  # rotated away and the new file not created yet: keep the old one
        if (st.st_dev, st.st_ino) != self.identity:
            return "rotated"
        if st.st_size < self.offset + len(self.buffer):
            return "truncated"
        return None

    def unfinished(self) -> tuple[int, bytes] | None:
        """The old file's last line without newline, once it can no longer grow (rotation):
        handled like a one-shot ingest would (ingested, or quarantined if not JSON)."""
        raw = self.numbers.clean(self.buffer)
        return (self.numbers.number + 1, raw) if raw else None

    def reopen(self) -> None:
        """Switch to the new file at the path (after :meth:`switched` said ``rotated``)."""
        self._open()
        self.rotations += 1
        self.generation += 1

    def restart(self) -> None:
        """Read the truncated file again from its start."""
        self.fh.seek(0)
        self.offset, self.numbers, self.buffer = 0, LineNumbers(), b""
        self.truncations += 1
        self.generation += 1


class Follower:
    """Follows one file into one store; :meth:`run` until ``stop`` is set (or Ctrl-C).

    ``summary`` is kept current batch by batch, so it is meaningful even after an interrupt.
    """

    def __init__(self, db_path: str | os.PathLike[str], file: str | os.PathLike[str],
                 poll: float = 1.0, stop: threading.Event | None = None,
                 batch_posts: int | None = None,
                 on_batch: Callable[[BatchReport], None] | None = None,
                 busy_timeout: float | None = None, server: str | None = None,
                 after_batch: Callable[[Store], Any] | None = None):
        path = Path(file)
        if str(file) == "-":
            raise ValueError("--follow needs a file (e.g. `twarc2 stream tweets.jsonl`), "
                             "not stdin")
        if not path.exists():
            raise FileNotFoundError(f"no such file: {file}")
        if path.is_dir():
            raise IsADirectoryError(f"{file} is a folder; follow one file")
        if poll <= 0:
            raise ValueError("poll must be a positive number of seconds")
        self.db_path = Path(db_path)
        if not self.db_path.parent.is_dir():
            raise StoreError(f"cannot create store {self.db_path}: folder does not exist")
        self.tail = Tail(path)
        self.poll = poll
        self.stop = stop or threading.Event()
        self.batch_posts = batch_size(batch_posts)  # as ingest: $GROUNDSWELL_BATCH_POSTS
        self.on_batch = on_batch
        self.busy_timeout = busy_timeout
        self.server = server
        self.after_batch = after_batch
        self.summary = FollowSummary(files=1)
        self._log = IngestLog(self.summary, [self.tail.base_name])
        self._batch = self._new_batch()
        self._batch_lines = 0
        self._batch_opened = time.monotonic()

    def _new_batch(self) -> Batch:
        batch = Batch(self.server)
        batch.file = self.tail.name
        return batch

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> FollowSummary:
        try:
            if self.after_batch is not None and self.db_path.exists():
                visit(self.db_path, self.after_batch, self.busy_timeout, "the live state")
            while not self.stop.is_set():
                lines = self.tail.read()
                if lines:
                    self._handle(lines)
                    if self._batch_lines and time.monotonic() - self._batch_opened >= self.poll:
                        self._flush()  # a file growing faster than we read: bound the delay
                    continue
                self._at_end()
                if self._batch_lines:
                    self._flush()
                self.summary.looks += 1
                self.stop.wait(self.poll)
            self._drain()
            self._finish_forgetting()
        finally:
            self.tail.close()
        return self.summary

    def _finish_forgetting(self) -> None:
        """Accounts deleted on their platform while following were forgotten batch by batch;
        their exports and the bytes in the file are cleaned once, when following stops (a
        rewrite of the file per batch would cost the store's size each time)."""
        from groundswell.ingest.run import finish_forgetting

        if not self.db_path.exists():
            return
        try:
            with Store(self.db_path) as store:
                finish_forgetting(store)
        except StoreBusy:
            pass  # the next ingest, or `groundswell forget --pending`, finishes

    def _at_end(self) -> None:
        change = self.tail.switched()
        if change == "rotated":
            while lines := self.tail.read():
                self._handle(lines)  # written to the old file since we last looked
            last = self.tail.unfinished()
            if last is not None:
                self._handle([last])
            try:
                self.tail.reopen()
            except FileNotFoundError:
                return  # renamed between the two looks; the next poll finds the new file
        elif change == "truncated":
            self.tail.restart()

    def _drain(self) -> None:
        """On stop: everything already written, including a complete unterminated line."""
        while lines := self.tail.read():
            self._handle(lines)
        last = self.tail.take_pending()
        if last is not None:
            self._handle([last])
        if self._batch_lines:
            self._flush()
        self._update_position()

    def _handle(self, lines: list[tuple[int, bytes]]) -> None:
        for lineno, raw in lines:
            if not self._batch_lines:
                self._batch_opened = time.monotonic()
            self._batch.file = self.tail.name
            self._batch.line = lineno
            handle_line(self._batch, raw)
            self._batch_lines += 1
            if len(self._batch) >= self.batch_posts:
                self._flush()

    def _update_position(self) -> None:
        self.summary.offset = self.tail.offset
        self.summary.pending_bytes = len(self.tail.buffer)
        self.summary.rotations = self.tail.rotations
        self.summary.truncations = self.tail.truncations

    # -- writing -----------------------------------------------------------------------------
    def _flush(self) -> None:
        batch, lines = self._batch, self._batch_lines
        try:
            done = visit(self.db_path, lambda store: self._write(store, batch, lines),
                         self.busy_timeout, f"{lines} line(s)")
        except StoreBusy as exc:
            raise StoreBusy(f"{exc} (following again re-reads them)") from None
        added, deleted, _tombstoned = done.result
        s = self.summary
        s.busy_retries += done.busy_retries
        if done.busy_retries:
            s.busy_seconds = round(s.busy_seconds + done.seconds, 3)
        self._batch = self._new_batch()
        self._batch_lines = 0
        self._update_position()
        if self.on_batch is not None:
            self.on_batch(BatchReport(lines=lines, posts_added=added, deleted=deleted,
                                      quarantined=len(batch.quarantine), line=batch.line,
                                      write_seconds=done.seconds,
                                      busy_retries=done.busy_retries))

    def _write(self, store: Store, batch: Batch, lines: int) -> tuple[int, int, int]:
        """One batch, one transaction, in a short visit (:mod:`groundswell.ingest.commit`).

        The summary is updated (and logged in the store's ``ingests`` table, one row per
        follow run, rewritten each batch) only once the batch is committed.
        """
        written = store.write_batch(batch.to_arrow().tables)
        self.summary.batches += 1
        self.summary.lines += lines
        self._log.add(batch, written)
        self._log.record(store)
        if self.after_batch is not None:
            self.after_batch(store)
        return written


def follow(db_path: str | os.PathLike[str], file: str | os.PathLike[str], poll: float = 1.0,
           stop: threading.Event | None = None, batch_posts: int | None = None,
           on_batch: Callable[[BatchReport], None] | None = None,
           busy_timeout: float | None = None, server: str | None = None,
           after_batch: Callable[[Store], Any] | None = None) -> FollowSummary:
    """Follow ``file`` into the store at ``db_path`` until ``stop`` is set; see the module.

    ``poll``: seconds between looks at the file once its end is reached (each look that finds
    complete lines writes them as one batch, or several of ``batch_posts`` posts; default
    ``$GROUNDSWELL_BATCH_POSTS`` or 50,000, as for ``ingest``).
    ``busy_timeout``: give up with :class:`StoreBusy` when a batch could not be written for
    that long (default: keep retrying).
    ``server``: the server the file is collected from (a Mastodon stream's local ids).
    ``after_batch(store)``: run after every batch in the same visit, and once at the start
    (the campaign's live state: see the module).
    """
    return Follower(db_path, file, poll=poll, stop=stop, batch_posts=batch_posts,
                    on_batch=on_batch, busy_timeout=busy_timeout, server=server,
                    after_batch=after_batch).run()
