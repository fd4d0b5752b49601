"""What one ingest run did: its summary, kept current batch by batch, and its row in the
store's ``ingests`` table. One account for every way of ingesting (a one-shot run, a follower
that writes batch by batch), so the two can never count differently."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from groundswell.ingest.batch import Batch, ParsedBatch
    from groundswell.store import Store


@dataclass
class IngestSummary:
    """What one ingest run did; printed by the CLI, returned by the API, logged in the store."""

    files: int = 0
    lines: int = 0
    posts_seen: int = 0
    posts_added: int = 0
    duplicates: int = 0
    quarantined: int = 0
    deleted: int = 0
    already_deleted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: set when a batch needed more memory than the writer's budget: what it was raised to
    writer_mib_raised_to: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class IngestLog:
    """Adds each written batch to ``summary`` (:meth:`add`) and records the run in the store
    (:meth:`record`, one row per run, replaced as the run goes on)."""

    def __init__(self, summary: IngestSummary, files: list[str]) -> None:
        self.summary = summary
        self.files = files
        self.run_id = uuid.uuid4().hex
        self.started = _utc_now()
        self._clock = time.perf_counter()
        self._skipped: Counter[str] = Counter()

    def add(self, batch: Batch | ParsedBatch, written: tuple[int, int, int]) -> None:
        """One batch, once the store committed it: ``written`` is what
        :meth:`groundswell.store.Store.write_batch` returned."""
        added, deleted, tombstoned = written
        s = self.summary
        s.posts_seen += batch.posts_seen
        s.posts_added += added
        s.deleted += deleted
        s.already_deleted += tombstoned
        s.quarantined += batch.quarantined
        self._skipped.update(batch.skipped)
        self.settle()

    def settle(self) -> None:
        """Bring the derived figures (duplicates, skipped, seconds) up to date."""
        s = self.summary
        s.duplicates = s.posts_seen - s.posts_added - s.already_deleted
        s.skipped = dict(self._skipped.most_common())
        s.seconds = round(time.perf_counter() - self._clock, 3)

    def record(self, store: Store) -> None:
        s = self.summary
        store.log_ingest((
            self.run_id, self.started, _utc_now(), orjson.dumps(self.files).decode(), s.lines,
            s.posts_seen, s.posts_added, s.duplicates, s.quarantined, s.deleted,
            orjson.dumps(s.skipped).decode(),
        ))


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
