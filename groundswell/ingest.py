"""Ingestion: files → records → sources → batches → the store.

Why batches of tuples: building Python objects per post is the cost that dominates ingest, so
sources emit plain tuples and a batch hands them to DuckDB as Arrow columns, one transaction
per batch. Duplicates are removed twice: inside a batch by a dict keyed on the post id (twarc2
pages repeat referenced tweets constantly) and against the store by primary keys. Memory is one
batch, whatever the file size.
"""

from __future__ import annotations

import gc
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from groundswell.arrow import rows_to_arrow
from groundswell.readers import InputFile, TruncatedInput, iter_lines
from groundswell.sources import RecordError, detect, line_parsers
from groundswell.text import normalize_tag

if TYPE_CHECKING:
    from groundswell.store import Store

#: Hashtag spellings repeat endlessly in a campaign: normalise each one once.
_tag_key = lru_cache(maxsize=1 << 17)(normalize_tag)

BATCH_POSTS = 50_000
#: Overrides BATCH_POSTS when ``batch_posts`` is not passed: smaller batches commit more often
#: (less to redo after a crash, less memory), larger ones ingest a little faster.
BATCH_ENV = "GROUNDSWELL_BATCH_POSTS"
EXCERPT = 200


def env_whole(name: str, default: int, expected: str = "a whole number of at least 1") -> int:
    """A positive whole number from environment variable ``name`` (``default`` when unset);
    anything else is a one-line error saying what was ``expected``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: expected {expected}")
    return int(value)


def batch_size(batch_posts: int | None = None) -> int:
    """Posts (and deletes) per batch: ``batch_posts``, else ``$GROUNDSWELL_BATCH_POSTS``, else
    :data:`BATCH_POSTS`."""
    if batch_posts is None:
        return env_whole(BATCH_ENV, BATCH_POSTS, "a whole number of posts, e.g. 5000")
    if batch_posts < 1:
        raise ValueError(f"batch_posts={batch_posts}: expected at least 1")
    return batch_posts


class Batch:
    """Rows collected from a run of lines; implements :class:`groundswell.sources.Emitter`."""

    def __init__(self) -> None:
        # Keyed by platform, then id: a (platform, id) tuple key cost 300-600 ns per lookup
        # against 130-170 ns for the id alone (measured on a chunk's 126k user ids), and
        # every post and every included user is looked up.
        self.post_ids: dict[str, set[str]] = {}  # every post of the batch, for dedupe
        self.posts: list[tuple] = []  # rows not yet compacted into Arrow
        self._compacted: list[dict[str, pa.Table]] = []
        self.hashtags: list[tuple] = []
        self.mentions: list[tuple] = []
        self.accounts: dict[str, dict[str, tuple]] = {}  # platform → author id → row
        self.deletions: list[tuple] = []
        self.quarantine: dict[tuple[str, int], tuple] = {}
        self.skipped: Counter[str] = Counter()
        self.posts_seen = 0
        self.numbered = 0  # posts in the batch: the next one's number
        self.file = ""
        self.line = 0
        self._problems: list[str] = []

    def __len__(self) -> int:
        return sum(map(len, self.post_ids.values())) + len(self.deletions)

    def compact(self) -> None:
        """Move the post rows collected so far into Arrow tables (a tenth of the memory of
        Python tuples), keeping only their keys for dedupe: a worker's big batch stays small."""
        if self.posts:
            self._compacted.append({name: rows_to_arrow(name, rows) for name, rows in (
                ("posts", self.posts), ("post_hashtags", self.hashtags),
                ("mentions", self.mentions))})
            self.posts, self.hashtags, self.mentions = [], [], []

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)

    def to_arrow(self) -> ParsedBatch:
        """The batch as the store's Arrow tables (what workers send back and the store writes)."""
        self.compact()
        tables = {
            "deletions": rows_to_arrow("deletions", self.deletions),
            "accounts": rows_to_arrow("accounts", [row for rows in self.accounts.values()
                                                   for row in rows.values()]),
            "quarantine": rows_to_arrow("quarantine", list(self.quarantine.values())),
        }
        for name in ("posts", "post_hashtags", "mentions"):
            parts = [part[name] for part in self._compacted]
            tables[name] = pa.concat_tables(parts) if parts else rows_to_arrow(name, [])
        return ParsedBatch(tables, self.posts_seen, self.skipped)

    # -- Emitter ---------------------------------------------------------------------------
    def post(self, platform, post_id, author_id, created_at, text, lang, kind, reply_to_post_id,
             reply_to_author_id, repost_of_post_id, quote_of_post_id, conversation_id,
             hashtags, mentions) -> None:
        self.posts_seen += 1
        ids = self.post_ids.get(platform)
        if ids is None:
            ids = self.post_ids[platform] = set()
        elif post_id in ids:
            return
        ids.add(post_id)
        # numbered in the batch (``schema.POST_COLUMNS``): the writer keys a post and its rows
        # by adding one number, instead of joining them by id (8 % of a 10M ingest)
        number = self.numbered
        self.numbered = number + 1
        self.posts.append((platform, post_id, author_id, created_at, text, lang, kind,
                           reply_to_post_id, reply_to_author_id, repost_of_post_id,
                           quote_of_post_id, conversation_id, self.file, self.line, number))
        if hashtags:
            seen: set[str] = set()
            for written in hashtags:
                tag = _tag_key(written)
                if tag and tag not in seen:
                    seen.add(tag)
                    self.hashtags.append((platform, post_id, tag, written, number))
        if mentions:
            handles: set[str] = set()
            for handle, mentioned_id in mentions:
                if handle not in handles:
                    handles.add(handle)
                    self.mentions.append((platform, post_id, handle, mentioned_id, number))

    def known_post(self, platform: str, post_id: str) -> bool:
        if self.holds_post(platform, post_id):
            self.posts_seen += 1
            return True
        return False

    def holds_post(self, platform: str, post_id: str) -> bool:
        ids = self.post_ids.get(platform)
        return ids is not None and post_id in ids

    def known_account(self, platform: str, author_id: str, observed_at) -> bool:
        accounts = self.accounts.get(platform)
        old = None if accounts is None else accounts.get(author_id)
        if old is None or old[7] is None:
            return False
        # strictly newer only: on a tie the later snapshot wins, in a batch as in the store
        return observed_at is None or old[7] > observed_at

    def account(self, platform, author_id, handle, display_name, followers, verified,
                created_at, observed_at) -> None:
        accounts = self.accounts.get(platform)
        if accounts is None:
            accounts = self.accounts[platform] = {}
        old = accounts.get(author_id)
        if old is None:
            accounts[author_id] = (platform, author_id, handle, display_name, followers, verified,
                                   created_at, observed_at)
            return
        if old[7] is not None and (observed_at is None or observed_at < old[7]):
            return  # keep the most recent snapshot of the account
        new = (platform, author_id, handle, display_name, followers, verified, created_at,
               observed_at)
        if None in new:  # merge exactly like the store's upsert: missing fields kept
            new = tuple(n if n is not None else o for n, o in zip(new, old, strict=True))
        accounts[author_id] = new

    def delete(self, platform, post_id, deleted_at, reason) -> None:
        self.deletions.append((platform, post_id, deleted_at, reason, self.file, self.line))

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def problem(self, reason: str) -> None:
        self._problems.append(reason)

    # -- bookkeeping -------------------------------------------------------------------------
    def quarantine_line(self, reason: str, raw: bytes) -> None:
        excerpt = raw[:EXCERPT].decode("utf-8", errors="replace")
        self.quarantine[(self.file, self.line)] = (self.file, self.line, reason, excerpt)

    def flush_problems(self, raw: bytes) -> None:
        if self._problems:
            reason = "; ".join(self._problems[:5])
            if len(self._problems) > 5:
                reason += f"; and {len(self._problems) - 5} more"
            self.quarantine_line(reason, raw)
            self._problems.clear()


@dataclass
class ParsedBatch:
    """A batch ready for the store: one Arrow table per canonical table, plus the counts the
    summary needs. Cheap to pickle, so worker processes return these."""

    tables: dict[str, pa.Table]
    posts_seen: int
    skipped: Counter[str]
    lines: int = 0  # for a chunk parsed by a worker: its lines (empty ones too), to shift by
    nonempty_lines: int = 0

    @property
    def quarantined(self) -> int:
        return self.tables["quarantine"].num_rows

    def to_arrow(self) -> ParsedBatch:
        return self

    def shifted(self, offset: int) -> ParsedBatch:
        """Line numbers counted from a chunk's start → counted from the file's start."""
        if offset:
            for name, column in (("posts", "source_line"), ("deletions", "source_line"),
                                 ("quarantine", "line")):
                table = self.tables[name]
                i = table.schema.get_field_index(column)
                self.tables[name] = table.set_column(
                    i, column, pc.add(table.column(i), pa.scalar(offset, pa.int64())))
        return self


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while parsing. Parsed records are trees
    (freed by reference counting) but allocated by the million, and the collector kept
    re-scanning the batch's live rows: measured 25 % of parse time. Whatever cycles an
    error path leaves are collected once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)


def decode(raw: bytes) -> object:
    """One JSON line, decoded. A number beyond the range of a double (``1e999``) reads as
    null, as Python's ``json`` would read it as infinity: the line is valid JSON (RFC 8259
    leaves number range to implementations) and the rest of its record is worth keeping. The
    typed page parser skips such numbers unread; this keeps both paths' verdicts equal."""
    for _ in range(_NUMBERS_NULLED):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if not exc.msg.startswith("number is infinity"):
                raise
            number = _NUMBER.match(exc.doc, exc.pos)
            if number is None:
                raise
            # orjson counts characters; everything before the number decoded, so it is UTF-8
            at = len(exc.doc[:exc.pos].encode())
            raw = raw[:at] + b"null" + raw[at + number.end() - exc.pos:]
    return orjson.loads(raw)


_NUMBER = re.compile(r"-?[0-9.eE+-]+")
_NUMBERS_NULLED = 100  # per line; a line with more out-of-range numbers is garbage


def handle_line(batch: Batch, raw: bytes) -> None:
    """Decode one line and hand it to the source that recognises its shape (an ordinary
    twarc2 page goes to the typed page parser, see ``sources.line_parsers``)."""
    for parse_line in line_parsers():
        if parse_line(raw, batch):
            batch.flush_problems(raw)
            return
    try:
        obj = decode(raw)
    except orjson.JSONDecodeError as exc:
        batch.quarantine_line(f"not valid JSON: {exc}", raw)
        return
    records = obj if isinstance(obj, list) else [obj]
    for record in records:
        if not isinstance(record, dict):
            batch.quarantine_line(f"a JSON {type(record).__name__}, not an object", raw)
            return
        source = detect(record)
        if source is None:
            keys = ", ".join(list(record)[:6]) or "none"
            batch.quarantine_line(f"unknown record shape (keys: {keys})", raw)
            continue
        try:
            source.parse(record, batch)
        except RecursionError:
            batch.problem(f"{source.name}: nested too deeply")
        except (RecordError, LookupError, TypeError, ValueError, AttributeError,
                ArithmeticError) as exc:
            batch.problem(f"{source.name}: {exc}")
    batch.flush_problems(raw)


def ingest(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    progress: Callable[[int], None] | None = None,
    posts_progress: Callable[[int], None] | None = None,
    batch_posts: int | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Ingest files (``-`` is stdin) into ``store``; idempotent, streaming, never loses a line.

    ``progress`` receives raw bytes consumed; ``posts_progress`` receives posts seen.
    ``batch_posts``: posts per transaction (default :func:`batch_size`). ``workers``: processes
    parsing big plain files (default: one per core, see :mod:`groundswell.parallel`; 1 parses
    in this process). Either way the tables are the same.
    """
    from groundswell import parallel

    batch_posts = batch_size(batch_posts)
    workers = parallel.default_workers() if workers is None else workers
    inputs = [InputFile.from_arg(p) for p in paths]  # fail fast on a missing file
    summary = IngestSummary(files=len(inputs))
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    skipped: Counter[str] = Counter()
    batch = Batch()
    # Parsing is Python; writing is DuckDB, which releases the GIL. One writer thread lets the
    # next batch be parsed while the previous one is written: both cores work.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="groundswell-writer")
    pending: Future | None = None

    def collect() -> None:
        nonlocal pending
        if pending is None:
            return
        done, pending = pending, None
        written, (added, deleted, tombstoned) = done.result()
        summary.posts_seen += written.posts_seen
        summary.posts_added += added
        summary.deleted += deleted
        summary.already_deleted += tombstoned
        summary.quarantined += written.quarantined
        skipped.update(written.skipped)
        if posts_progress is not None:
            posts_progress(written.posts_seen)

    def write(full: Batch | ParsedBatch) -> None:
        nonlocal pending
        collect()  # at most one batch in flight: memory stays at two batches
        pending = writer.submit(lambda: (full, store.write_batch(full)))

    def flush() -> None:
        nonlocal batch
        full, batch = batch, Batch()
        write(full)

    with store.bulk_writes(), collector_paused():
        summary.deleted += store.sweep_deleted()  # what a run killed before its sweep left
        try:
            for source in inputs:
                chunk = parallel.chunk_for(source, workers)
                if parallel.splittable(source, workers, chunk):
                    if len(batch):
                        flush()  # earlier files' rows go first: order decides duplicates
                    collect()  # and the writer is idle when workers are forked
                    for parsed in parallel.parsed_chunks(source, workers, chunk, progress):
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

    summary.duplicates = summary.posts_seen - summary.posts_added - summary.already_deleted
    summary.skipped = dict(skipped.most_common())
    summary.seconds = round(time.perf_counter() - clock, 3)
    store.log_ingest((
        uuid.uuid4().hex, started, datetime.now(UTC).replace(tzinfo=None),
        orjson.dumps([i.name for i in inputs]).decode(), summary.lines, summary.posts_seen,
        summary.posts_added, summary.duplicates, summary.quarantined, summary.deleted,
        orjson.dumps(summary.skipped).decode(),
    ))
    return summary
