"""Write to the store as a short visit: open it, do one transaction's work, close it.

Why: DuckDB lets one process write a file and, while it does, no other process can open it,
not even read-only. A writer that runs for hours (``ingest --follow``, ``watch``) must not lock
the dashboard out, so it opens the store only to commit, and backs off while someone else
holds it (the dashboard reading, another writer): its rows wait in memory, nothing is lost.
Closing also checkpoints DuckDB's log into the file, so a reader never has a log to replay.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from groundswell.store import Store, StoreBusy

#: Backoff when the store is busy: first wait, growth factor, longest wait (seconds).
BUSY_FIRST, BUSY_FACTOR, BUSY_MAX = 0.02, 2.0, 0.5

T = TypeVar("T")


@dataclass
class Visit(Generic[T]):
    """What one visit returned and what it cost."""

    result: T
    busy_retries: int
    seconds: float


def visit(db_path: str | os.PathLike[str], work: Callable[[Store], T],
          busy_timeout: float | None = None, what: str = "a batch") -> Visit[T]:
    """Open the store at ``db_path``, run ``work(store)``, close it; retry with backoff while
    the store is busy. ``busy_timeout``: give up with :class:`StoreBusy` after that many
    seconds (None: keep trying). ``work`` must be safe to run again after a busy failure
    (it failed before writing anything)."""
    started = time.perf_counter()
    retries, delay = 0, BUSY_FIRST
    while True:
        try:
            with Store(Path(db_path)) as store:
                result = work(store)
            return Visit(result, retries, round(time.perf_counter() - started, 4))
        except StoreBusy:
            waited = time.perf_counter() - started
            if busy_timeout is not None and waited >= busy_timeout:
                raise StoreBusy(f"store {db_path} stayed busy for {waited:.1f}s; "
                                f"not written: {what}") from None
            retries += 1
            time.sleep(delay)
            delay = min(delay * BUSY_FACTOR, BUSY_MAX)
