"""Where a Mastodon watch's events go: one :class:`~groundswell.watch.writer.LiveWriter` per
server, each with the positions of that server's tag streams as its cursor.

Why one writer per server (stream name ``mastodon HOST``): a status's id is its server's own
number, so a server's events are numbered by their ids (``source_line``) within a name of
their own (``source_file``): a quarantined event can be found again on that server, and two
servers' ids never share a (file, line). Each commit writes the server's events with its
cursor, a JSON object ``{tag: newest id seen}`` (one position per tag stream, in one row
since a commit covers all of them), so a restart asks every tag's timeline for what came
after its own position.

Why not thread-safe, and safe anyway: the writers are driven from the watch's one event loop
(:mod:`groundswell.watch.mastodon`), never from two threads.

What is handed to the store is what :mod:`groundswell.sources.mastodon` reads in a file: a
streamed event's ``data:`` line as the server sent it (a status, an edit, a delete's bare id,
a malformed frame verbatim), a polled status as a JSON object. So the store of a watch equals
a straight ingest (``ingest --server HOST``) of the same lines. An event whose id cannot be
read (a malformed frame) is numbered by a hash of its bytes, negative so that it never
passes for an id, and stable, so that reading it again after a restart changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from groundswell.store import Store
from groundswell.watch.mastodon_poll import id_key, status_id
from groundswell.watch.mastodon_sse import Event
from groundswell.watch.writer import LiveWriter, WatchSummary

#: The events whose JSON data is a status (the second one an edit of it).
STATUS_EVENTS = ("update", "status.update")
#: The summary figures that add up over the servers' writers.
_SUMMED = ("lines", "posts_seen", "posts_added", "duplicates", "quarantined", "deleted",
           "already_deleted", "events", "kept", "commits", "reconnects", "busy_retries",
           "kept_before")
_INT63 = (1 << 63) - 1


@dataclass
class MastodonSummary(WatchSummary):
    """The servers' summaries added up, plus where each tag stream stands."""

    #: the servers watched (hosts: whose local ids the events carry)
    instances: list[str] = field(default_factory=list)
    #: ``"HOST #tag"`` → the newest status id seen on that stream
    positions: dict[str, str] = field(default_factory=dict)
    #: ``"HOST #tag"`` streams that fell back to polling, with why
    polling: dict[str, str] = field(default_factory=dict)
    #: events read from the streams, statuses read from the timelines (``events`` is both)
    streamed: int = 0
    polled: int = 0
    #: timeline reads that filled a gap (at each start and after each reconnect)
    catch_ups: int = 0
    #: 429 answers obeyed (Retry-After)
    rate_limited: int = 0


def stream_name(host: str) -> str:
    """The provenance name and cursor row of one server's events."""
    return f"mastodon {host}"


def line_number(local_id: str | None, raw: bytes) -> int:
    """An event's stable ``source_line``: its status id when it is a number, else a negative
    hash (of the id, or of the bytes when there is no id)."""
    if local_id is not None and local_id.isdigit() and int(local_id) <= _INT63:
        return int(local_id)
    digest = hashlib.blake2b(local_id.encode() if local_id else raw, digest_size=8).digest()
    return -(int.from_bytes(digest, "big") >> 1) - 1


def event_time(status: dict[str, Any], key: str = "created_at") -> float | None:
    """A status's time at the source (seconds since the epoch), for the lag; None if unreadable."""
    value = status.get(key)
    if type(value) is not str:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


class Writers:
    """The watch's writers, positions and summary. Call :meth:`resume` once, then
    :meth:`event` / :meth:`status` for each arrival, :meth:`commit_if_due` often and
    :meth:`close` at the end."""

    def __init__(self, db_path: str | os.PathLike[str], hosts: list[str],
                 after_commit: Callable[[Store], Any] | None = None,
                 **options: Any) -> None:
        self.writers = {host: LiveWriter(db_path, stream_name(host), after_commit=after_commit,
                                         on_commit=lambda _: self.refresh(), **options)
                        for host in hosts}
        self.positions: dict[str, dict[str, str]] = {host: {} for host in hosts}
        self.summary = MastodonSummary(files=len(hosts), instances=list(hosts))

    def resume(self) -> list[str]:
        """Read each server's stored cursor; returns notes about unreadable ones."""
        notes = []
        for host, writer in self.writers.items():
            cursor = writer.stored_cursor()
            if cursor is None:
                continue
            try:
                saved = orjson.loads(cursor)
            except orjson.JSONDecodeError:
                saved = None
            if type(saved) is not dict:
                notes.append(f"{host}: the stored cursor {cursor[:60]!r} is not a tag → id "
                             "object; starting from the newest statuses")
                continue
            self.positions[host] = {str(t): str(i) for t, i in saved.items()}
        self.refresh()
        return notes

    def position(self, host: str, tag: str) -> str | None:
        """The newest status id seen on ``host``'s ``tag`` stream (this run or a former one)."""
        return self.positions[host].get(tag)

    # -- arrivals ----------------------------------------------------------------------------
    def event(self, host: str, tag: str, event: Event) -> None:
        """A streamed event: its ``data:`` line to the store; an ``update`` moves the tag's
        position to its id (an edit or a delete names an older status and moves nothing)."""
        local_id, when, moves = None, None, False
        if event.name in STATUS_EVENTS and event.data[:1] == b"{":
            try:
                status = orjson.loads(event.data)
            except orjson.JSONDecodeError:
                status = None
            if type(status) is dict:
                local_id, moves = status_id(status), event.name == "update"
                when = event_time(status, "created_at" if moves else "edited_at")
        elif event.name == "delete" and event.data.isalnum():
            local_id = event.data.decode("ascii")
        self.summary.streamed += 1
        # stripped as a file's lines are (:mod:`groundswell.ingest.lines`)
        self._keep(host, tag, (b"data: " + event.data).strip(), local_id, when, moves)

    def status(self, host: str, tag: str, status: Any) -> None:
        """A status read from the tag's timeline: moves the tag's position to its id."""
        local_id = status_id(status)
        when = event_time(status) if type(status) is dict else None
        self.summary.polled += 1
        self._keep(host, tag, orjson.dumps(status), local_id, when, True)

    def _keep(self, host: str, tag: str, raw: bytes, local_id: str | None,
              when: float | None, moves: bool) -> None:
        writer = self.writers[host]
        cursor = None
        if moves and local_id is not None:
            known = self.positions[host].get(tag)
            if known is None or id_key(local_id) > id_key(known):
                self.positions[host][tag] = local_id
                cursor = orjson.dumps(self.positions[host], option=orjson.OPT_SORT_KEYS).decode()
                self.summary.positions[f"{host} #{tag}"] = local_id
        writer.seen(cursor=cursor, event_time=when)
        writer.add(raw, line=line_number(local_id, raw), server=host)
        total, parts = self.summary, [w.summary for w in self.writers.values()]
        total.events = sum(p.events for p in parts)
        total.kept = sum(p.kept for p in parts)
        total.lag_seconds = writer.summary.lag_seconds
        writer.commit_if_due()

    def reconnected(self, host: str) -> None:
        """A stream of ``host`` is being opened again (counted on its writer's summary)."""
        self.writers[host].summary.reconnects += 1
        self.summary.reconnects = sum(w.summary.reconnects for w in self.writers.values())

    # -- committing --------------------------------------------------------------------------
    def commit_if_due(self) -> None:
        for writer in self.writers.values():
            writer.commit_if_due()

    def close(self) -> MastodonSummary:
        """Commit everything received, on every server's writer (each one tried)."""
        failure: BaseException | None = None
        for writer in self.writers.values():
            try:
                writer.close()
            except Exception as exc:  # noqa: BLE001 - the others still commit; raised below
                failure = failure or exc
        self.refresh()
        if failure is not None:
            raise failure
        return self.summary

    def refresh(self) -> None:
        """Add the writers' summaries up into :attr:`summary`."""
        parts = [w.summary for w in self.writers.values()]
        total = self.summary
        for name in _SUMMED:
            setattr(total, name, sum(getattr(p, name) for p in parts))
        skipped: Counter[str] = Counter()
        for p in parts:
            skipped.update(p.skipped)
        total.skipped = dict(skipped.most_common())
        total.seconds = max((p.seconds for p in parts), default=0.0)
        raised = [p.writer_mib_raised_to for p in parts if p.writer_mib_raised_to]
        total.writer_mib_raised_to = max(raised) if raised else None
        total.positions = {f"{host} #{tag}": i for host, tags in self.positions.items()
                           for tag, i in sorted(tags.items())}
        total.cursor = orjson.dumps(self.positions, option=orjson.OPT_SORT_KEYS).decode()
