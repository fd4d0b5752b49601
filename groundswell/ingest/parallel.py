"""Parse a big plain file on every core: byte ranges → worker processes → Arrow batches.

Why processes: parsing JSON into rows is Python, so one process uses one core whatever its
threads do. A plain (uncompressed) file can be cut at newlines into byte ranges that workers
read and parse on their own; only the resulting Arrow tables travel back, and the one writer
(the calling process, which owns the store) applies them *in file order*. In-order writing is
what keeps the rules of a sequential ingest: the first copy of a duplicated post wins, a delete
removes what came before it and tombstones what comes after, account snapshots tie-break alike.

Workers number lines from their chunk's start; the writer shifts them once it knows how many
lines came before (each chunk reports its count), so provenance and quarantine lines are the
file's. Compressed files and stdin cannot be cut and take the sequential path.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext

import orjson

from groundswell.ingest.batch import Batch, ParsedBatch
from groundswell.ingest.dispatch import collector_paused, handle_line
from groundswell.ingest.lines import InputFile, LineNumbers, byte_range, compression
from groundswell.settings import env_whole

#: A chunk is also one write to the store. Each write scans the stored post keys once (to
#: drop duplicates) and upserts the chunk's accounts, so big chunks matter at scale: at 10M
#: posts, 32 MiB chunks spent most of the ingest in those two statements. Workers keep a
#: chunk's rows as Arrow (see Batch.compact), so 128 MiB of JSON is ~50 MiB in memory.
CHUNK_BYTES = 128 * 2**20
MIN_CHUNK_BYTES = 8 * 2**20
#: A worker's memory and a write's cost follow a chunk's posts, not its bytes: 128 MiB of
#: twarc2 pages hold ~100k distinct posts (as ``bytes_per_post`` samples them), of v1.1
#: statuses (1.7× the bytes per post) far fewer, which made more, smaller commits per post.
#: So a chunk holds at least 128 MiB, and more, up to 256 MiB, where posts take more bytes.
CHUNK_POSTS = 100_000
MAX_CHUNK_BYTES = 256 * 2**20
#: The start of a file parsed to measure its bytes per post (see bytes_per_post).
SAMPLE_BYTES = 4 * 2**20
#: Overrides the chunk size (tests use tiny chunks to cut small files into many).
CHUNK_ENV = "GROUNDSWELL_CHUNK_BYTES"
COMPACT_POSTS = 10_000  # a worker turns its rows into Arrow every this many posts
#: Overrides the worker count (default: the cores this process may use).
WORKERS_ENV = "GROUNDSWELL_WORKERS"


def default_workers() -> int:
    """``$GROUNDSWELL_WORKERS``, else the cores this process may run on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return env_whole(WORKERS_ENV, cores)


def chunk_bytes(size: int = 0, workers: int = 1, post_bytes: float | None = None) -> int:
    """``$GROUNDSWELL_CHUNK_BYTES``, else a quarter of each worker's share of a ``size``-byte
    file (so the last chunks do not leave cores idle), from 8 MiB up to ``CHUNK_POSTS``
    posts of ``post_bytes`` bytes each, within 128 and 256 MiB (128 MiB if unknown)."""
    most = CHUNK_BYTES if post_bytes is None else \
        int(min(MAX_CHUNK_BYTES, max(CHUNK_BYTES, CHUNK_POSTS * post_bytes)))
    fitted = min(most, max(MIN_CHUNK_BYTES, size // (4 * max(workers, 1))))
    return env_whole(CHUNK_ENV, fitted)


def chunk_for(source: InputFile, workers: int) -> int:
    """The chunk size for ``source``: :func:`chunk_bytes`, with the file's bytes per post
    sampled where they can matter (a plain file whose chunks would reach 128 MiB)."""
    size = source.size or 0
    chunk = chunk_bytes(size, workers)
    if (CHUNK_ENV not in os.environ and size // (4 * max(workers, 1)) > CHUNK_BYTES
            and source.path is not None and splittable(source, workers, chunk)):
        chunk = chunk_bytes(size, workers, bytes_per_post(source.path))
    return chunk


def bytes_per_post(path: os.PathLike[str] | str) -> float | None:
    """Bytes per distinct post at the start of a plain file (its first ``SAMPLE_BYTES`` of
    whole lines, parsed and thrown away: tens of milliseconds); None without posts there."""
    batch = Batch()
    read = 0

    def sample(fh) -> Iterator[bytes]:
        nonlocal read
        for raw in fh:
            read += len(raw)
            yield raw
            if read >= SAMPLE_BYTES:
                return

    with open(path, "rb") as fh, collector_paused():
        for _, line in LineNumbers()(sample(fh)):
            handle_line(batch, line)
    return read / batch.numbered if batch.numbered else None


def splittable(source: InputFile, workers: int, chunk: int) -> bool:
    """Worth cutting: a plain JSON-lines file of at least two chunks, with workers to share it.

    A file whose first line is not JSON may be one pretty-printed document (read whole by the
    sequential path), so it is not cut either.
    """
    path = source.path
    if workers < 2 or path is None or source.size is None or source.size < 2 * chunk:
        return False
    if not path.is_file():
        return False  # a named pipe or device: it cannot seek
    with open(path, "rb") as fh:
        if compression(fh.read(4)) is not None:
            return False
        fh.seek(0)
        first = LineNumbers().clean(fh.readline(64 * 2**20))
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return first[:1] not in (b"{", b"[")  # maybe one document: let the sequential path see
    return True


def plan(path: os.PathLike[str] | str, size: int, chunk: int) -> list[tuple[int, int]]:
    """Byte ranges of about ``chunk`` bytes, each ending just after a newline (or at EOF)."""
    ranges: list[tuple[int, int]] = []
    start = 0
    with open(path, "rb") as fh:
        while start < size:
            fh.seek(min(start + chunk, size))
            end = size if start + chunk >= size else fh.tell() + len(fh.readline())
            ranges.append((start, end))
            start = end
    return ranges


def _context() -> BaseContext:
    """fork where it exists: instant, and a user's script without a ``__main__`` guard is not
    re-run in every worker, as spawn would. It is safe here because workers never touch DuckDB
    (only the parent's writer does) and the ingest (:mod:`groundswell.ingest.run`) forks while
    its writer thread is idle."""
    return get_context("fork" if "fork" in get_all_start_methods() else "spawn")


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the parent dies (a killed ingest must not leave workers
    behind; forked workers would otherwise wait forever on a queue the parent never closes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="groundswell-parent-watch").start()


def parse_chunk(path: str, name: str, start: int, end: int,
                server: str | None = None) -> ParsedBatch:
    """Worker: parse one byte range into Arrow tables, lines numbered from 1 at ``start``."""
    batch = Batch(server)
    batch.file = name
    numbers = LineNumbers(at_start=start == 0)
    nonempty = 0
    with collector_paused():
        for number, line in numbers(byte_range(path, start, end)):
            nonempty += 1
            batch.line = number
            handle_line(batch, line)
            if len(batch.posts) >= COMPACT_POSTS:
                batch.compact()
        # while the collector is still paused, and the batch's Python objects freed with it:
        # otherwise the collection that ends the pause walks them all (0.13 s per chunk)
        parsed = batch.to_arrow()
        del batch
    parsed.lines, parsed.nonempty_lines = numbers.number, nonempty
    return parsed


def parsed_chunks(source: InputFile, workers: int, chunk: int,
                  on_bytes: Callable[[int], None] | None = None,
                  server: str | None = None) -> Iterator[ParsedBatch]:
    """Parse ``source`` in worker processes; yield its batches in file order, lines shifted.

    At most ``workers`` chunks are in flight (one each), so memory is bounded whatever the
    file size.
    """
    assert source.path is not None
    ranges = plan(source.path, source.size or 0, chunk)
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_watch_parent,
                               initargs=(os.getpid(),))
    try:
        pending: list[tuple[Future, int]] = []
        offset = 0
        todo = iter(ranges)
        for start, end in todo:
            pending.append((pool.submit(parse_chunk, str(source.path), source.name, start,
                                        end, server), end - start))
            if len(pending) >= workers:
                break
        while pending:
            future, size = pending.pop(0)
            parsed = future.result()
            for start, end in todo:  # refill the window before handing this one out
                pending.append((pool.submit(parse_chunk, str(source.path), source.name,
                                            start, end, server), end - start))
                break
            yield parsed.shifted(offset)
            offset += parsed.lines
            if on_bytes is not None:
                on_bytes(size)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
