"""Tables (CSV, TSV, NDJSON, Parquet) → the store's batches, column by column.

Why not through :class:`~groundswell.ingest.batch.Batch`: a table has one post per row and
its fields are already columns (:class:`~groundswell.ingest.tables.reader.TableReader`
computes them in DuckDB), so the batch's tables are built with a few SQL statements over each
Arrow batch instead of a Python call per post. What the store receives is the same as from
any source: posts numbered 0, 1, … in the batch, the first copy of a post id kept, hashtags
once per post under their counting key, the newest account snapshot per author, and the rows
that do not fit in the quarantine with file, line and reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from groundswell.arrow import ARROW, rows_to_arrow
from groundswell.ingest.batch import ParsedBatch
from groundswell.ingest.lines import InputFile
from groundswell.ingest.tables.reader import TableReader
from groundswell.sources.tables import Mapping, MappingError, ReadOptions
from groundswell.text import normalize_tag

__all__ = ["TableInput", "parsed_batches"]

_tag_key = lru_cache(maxsize=1 << 17)(normalize_tag)
#: Posts without an author are counted as posts, never as accounts (skip reason).
NO_AUTHOR = "table rows without an author (counted as posts, not as accounts)"


@dataclass(frozen=True)
class TableInput:
    """How an ingest's files are read as tables: the mapping, the command line's read
    options over the mapping's, and the platform when the mapping names none."""

    mapping: Mapping
    options: ReadOptions | None = None
    platform: str | None = None

    def batches(self, source: InputFile,
                progress: Callable[[int], None] | None = None) -> Iterator[ParsedBatch]:
        if source.path is None:
            raise MappingError("a table is read from a file, not from standard input")
        with TableReader(source.path, self.mapping, self.options, self.platform) as reader:
            size = source.size or 0
            total = reader.stage()
            done = 0

            def advance(rows: int) -> None:  # bytes, in proportion to the rows written
                nonlocal done
                if progress is not None and total:
                    step = size * (done + rows) // total - size * done // total
                    progress(step)
                done += rows

            yield from parsed_batches(reader, source.name, advance)


def parsed_batches(reader: TableReader, source: str,
                   progress: Callable[[int], None] | None = None) -> Iterator[ParsedBatch]:
    """The reader's rows as the store's batches, in file order; the lines DuckDB could not
    read come with the first batch (or alone, when no row was readable)."""
    reader.stage()
    rejected = rows_to_arrow("quarantine", [(source, q.line, q.reason, q.excerpt)
                                            for q in reader.quarantine])
    first = True
    for rows in reader.batches():
        parsed = _parsed(rows, source, rejected if first else None)
        first = False
        if progress is not None:
            progress(rows.num_rows)
        yield parsed
    if first:
        tables = {name: rows_to_arrow(name, []) for name in ARROW}
        tables["quarantine"] = rejected
        yield ParsedBatch(tables, 0, Counter())


def _parsed(rows: pa.Table, source: str, rejected: pa.Table | None) -> ParsedBatch:
    """One batch of the reader's rows (in file order) → the store's tables."""
    tables = {name: rows_to_arrow(name, []) for name in ARROW}
    skipped: Counter[str] = Counter()
    ok = pc.is_null(rows["problem"])
    bad = rows.filter(pc.invert(ok))
    quarantine = [q for q in (rejected,) if q is not None and q.num_rows]
    if bad.num_rows:
        quarantine.append(pa.table({
            "source": pa.array([source] * bad.num_rows, pa.string()),
            "line": bad["line"], "reason": bad["problem"], "raw_excerpt": bad["excerpt"]}))
    if quarantine:
        tables["quarantine"] = pa.concat_tables(quarantine).cast(ARROW["quarantine"])
    good = rows.filter(ok)
    posts_seen = good.num_rows
    good = _first_copies(good)
    n = good.num_rows
    keys = pa.array(np.arange(n, dtype=np.int64))
    good = good.append_column("post_key", keys)
    tables["posts"] = pa.table({
        **{c: good[c] for c in ("platform", "post_id", "author_id", "created_at", "text",
                                "lang", "kind", "reply_to_post_id", "reply_to_author_id",
                                "repost_of_post_id", "quote_of_post_id", "conversation_id")},
        "source_file": pa.array([source] * n, pa.string()),
        "source_line": good["line"], "post_key": keys,
        "claimed_at": pa.nulls(n, pa.timestamp("us"))}).cast(ARROW["posts"])
    tables["post_hashtags"] = _listed(good, "hashtags", "post_hashtags", _tag_key)
    tables["mentions"] = _listed(good, "mentions", "mentions", None)
    tables["accounts"] = _accounts(good)
    no_author = good["author_id"].null_count
    if no_author:
        skipped[NO_AUTHOR] += no_author
    return ParsedBatch(tables, posts_seen, skipped)


def _first_copies(good: pa.Table) -> pa.Table:
    """The first row of each (platform, post id), in order: a table's ids are nearly always
    unique already, which one count checks (on the ids alone when the batch is of one
    platform, as nearly every table is)."""
    one_platform = pc.count_distinct(good["platform"]).as_py() <= 1
    ids = good["post_id"] if one_platform else pc.binary_join_element_wise(
        good["platform"], good["post_id"], "\x1f")
    if pc.count_distinct(ids).as_py() == good.num_rows:
        return good
    firsts = pa.table({"id": ids, "line": good["line"]}).group_by(
        "id", use_threads=False).aggregate([("line", "min")])["line_min"]
    return good.filter(pc.is_in(good["line"], value_set=firsts))


def _listed(good: pa.Table, column: str, table: str,
            key: Callable[[str], str] | None) -> pa.Table:
    """One row per post and item of a list column, each item once per post: hashtags under
    their counting key (:func:`groundswell.text.normalize_tag`, computed once per spelling),
    mentions as written."""
    lists = good[column].combine_chunks()
    written = pc.list_flatten(lists)
    if not len(written):
        return rows_to_arrow(table, [])
    parents = pc.list_parent_indices(lists)
    owners = good.select(["platform", "post_id", "post_key"]).take(parents)
    if key is not None:
        spellings = written.dictionary_encode()
        keys = pa.array([key(s) for s in spellings.dictionary.to_pylist()], pa.string())
        items = pa.table({"platform": owners["platform"], "post_id": owners["post_id"],
                          "tag": pc.take(keys, spellings.indices), "tag_written": written,
                          "post_key": owners["post_key"]})
        items = items.filter(pc.not_equal(items["tag"], ""))
        by = ("post_key", "tag")
    else:
        items = pa.table({"platform": owners["platform"], "post_id": owners["post_id"],
                          "handle": written,
                          "mentioned_author_id": pa.nulls(len(written), pa.string()),
                          "post_key": owners["post_key"]})
        by = ("post_key", "handle")
    items = items.append_column("i", pa.array(np.arange(items.num_rows, dtype=np.int64)))
    firsts = items.group_by(list(by), use_threads=False).aggregate([("i", "min")])["i_min"]
    if len(firsts) < items.num_rows:
        items = items.filter(pc.is_in(items["i"], value_set=firsts))
    return items.drop_columns(["i"]).cast(ARROW[table])


def _accounts(good: pa.Table) -> pa.Table:
    """Each author's newest snapshot in the batch (by the post's time, then its line), as
    the store keeps the newest; posts without an author give none."""
    authors = good.filter(pc.is_valid(good["author_id"]))
    if not authors.num_rows:
        return rows_to_arrow("accounts", [])
    snapshots = pa.table({
        "platform": authors["platform"], "author_id": authors["author_id"],
        "handle": authors["handle"], "display_name": authors["display_name"],
        "followers": authors["followers"], "verified": authors["verified"],
        "created_at": authors["author_created_at"], "observed_at": authors["created_at"],
        "line": authors["line"]})
    # newest first by numbers only (sorting by the author's id string cost more than the
    # rest of the batch), then the first row of each author in that order
    order = pc.sort_indices(snapshots, [("observed_at", "descending"),
                                        ("line", "descending")])
    newest = snapshots.take(order)
    newest = newest.append_column("i", pa.array(np.arange(newest.num_rows, dtype=np.int64)))
    firsts = newest.group_by(["platform", "author_id"], use_threads=False).aggregate(
        [("i", "min")])["i_min"]
    return newest.filter(pc.is_in(newest["i"], value_set=firsts)).drop_columns(
        ["line", "i"]).cast(ARROW["accounts"])
