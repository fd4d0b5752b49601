"""One ingest run: files → lines → sources → batches → the store, in file order.

A big plain file is parsed by worker processes (:mod:`groundswell.ingest.parallel`); anything
else (compressed files, stdin, small files) line by line here. Either way the batches reach
the store in file order through one writer thread, so the tables are those of a one-process
run: the first copy of a duplicated post wins, a delete removes what came before it and
tombstones what comes after.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from groundswell.ingest import parallel
from groundswell.ingest.batch import Batch, ParsedBatch, batch_size
from groundswell.ingest.dispatch import collector_paused, handle_line
from groundswell.ingest.lines import InputFile, TruncatedInput, iter_lines
from groundswell.ingest.summary import IngestLog, IngestSummary

if TYPE_CHECKING:
    from groundswell.ingest.tables import TableInput
    from groundswell.store import Store


def ingest(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    progress: Callable[[int], None] | None = None,
    posts_progress: Callable[[int], None] | None = None,
    batch_posts: int | None = None,
    workers: int | None = None,
    server: str | None = None,
    table: TableInput | None = None,
) -> IngestSummary:
    """Ingest files (``-`` is stdin) into ``store``; idempotent, streaming, never loses a line.

    ``progress`` receives raw bytes consumed; ``posts_progress`` receives posts seen.
    ``batch_posts``: posts per transaction (default :func:`batch_size`). ``workers``: processes
    parsing big plain files (default: one per core, see :mod:`groundswell.ingest.parallel`; 1
    parses in this process). Either way the tables are the same. ``server``: the server the
    files were collected from, for platforms whose ids are a server's own (Mastodon).
    ``table``: the files are tables read through a mapping (:mod:`groundswell.ingest.tables`).
    """
    batch_posts = batch_size(batch_posts)
    workers = parallel.default_workers() if workers is None else workers
    inputs = [InputFile.from_arg(p) for p in paths]  # fail fast on a missing file
    summary = IngestSummary(files=len(inputs))
    log = IngestLog(summary, [i.name for i in inputs])
    batch = Batch(server)
    # Parsing is Python; writing is DuckDB, which releases the GIL. One writer thread lets the
    # next batch be parsed while the previous one is written: both cores work.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="groundswell-writer")
    pending: Future | None = None

    def collect() -> None:
        nonlocal pending
        if pending is None:
            return
        done, pending = pending, None
        written, counts = done.result()
        log.add(written, counts)
        if posts_progress is not None:
            posts_progress(written.posts_seen)

    def write(full: Batch | ParsedBatch) -> None:
        nonlocal pending
        collect()  # at most one batch in flight: memory stays at two batches
        pending = writer.submit(lambda: (full, store.write_batch(full.to_arrow().tables)))

    def flush() -> None:
        nonlocal batch
        full, batch = batch, Batch(server)
        write(full)

    with store.bulk_writes(), collector_paused():
        summary.deleted += store.sweep_deleted()  # what a run killed before its sweep left
        try:
            for source in inputs:
                if table is not None:
                    collect()
                    for parsed in table.batches(source, progress):
                        summary.lines += parsed.posts_seen + parsed.quarantined
                        write(parsed)
                    continue
                chunk = parallel.chunk_for(source, workers)
                if parallel.splittable(source, workers, chunk):
                    if len(batch):
                        flush()  # earlier files' rows go first: order decides duplicates
                    collect()  # and the writer is idle when workers are forked
                    for parsed in parallel.parsed_chunks(source, workers, chunk, progress,
                                                         server):
                        summary.lines += parsed.nonempty_lines
                        write(parsed)
                    continue
                batch.file = source.name
                lineno = 0
                try:
                    for lineno, raw in iter_lines(source, progress):
                        summary.lines += 1
                        batch.line = lineno
                        handle_line(batch, raw)
                        if len(batch) >= batch_posts:
                            flush()
                            batch.file = source.name
                except TruncatedInput as exc:
                    batch.line = lineno + 1  # not batch.line: a fresh batch after a flush has 0
                    batch.quarantine_line(str(exc), b"")
                flush()
            collect()
        finally:
            writer.shutdown(wait=True)
        summary.deleted += store.sweep_deleted()
        summary.writer_mib_raised_to = store.raised_budget_mib

    log.settle()
    log.record(store)
    finish_forgetting(store)
    return summary


def finish_forgetting(store: Store) -> None:
    """Accounts that left their platform during the run were forgotten in the store
    (``Store._forget_departed``); their rows in recorded exports and their bytes in the file
    go now, once per run (:func:`groundswell.erase.finish`; one query when there is
    nothing to do). Another process holding the store leaves it due: the next ingest or
    ``groundswell forget --pending`` finishes."""
    from groundswell.erase import finish
    from groundswell.store import StoreBusy

    try:
        finish(store)
    except StoreBusy:
        pass
