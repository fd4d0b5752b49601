"""How far a state has read the store, and whether it is current: the marks.

Why marks of several kinds: posts arrive, but they also leave (deletes, accounts deleted or
deactivated, forgetting), change (edits) and come back (a reactivated account), and each leaves
a different trace. The state keeps, in ``live_states``:

- ``max_key``: the highest ``post_key`` it read. The writer numbers a batch's posts after the
  highest key present, so a writer that updates the state after each batch makes "after the
  mark" exact and cheap (DuckDB skips the row groups below it). Posts that come back (an
  account reactivated) keep their old keys: the state mirrors ``hidden_posts`` to take them
  back. Not the posts' ``rowid``: DuckDB renumbers rows when a checkpoint drops deleted ones;
- ``deletions_rowid``: the last delete read. Rows of ``deletions`` leave only by forgetting,
  which adds tombstones: the next update then checks every delete;
- ``rows``: the state's post rows, one per stored post. After an update they must number the
  store's posts; when they do not (another writer numbered posts below the mark after the
  newest post was deleted, between two updates), the state is rebuilt;
- ``signature``: counts the store keeps as metadata (posts, hidden posts, deletes, edits, local
  ids, tombstones) and the file's identity. When it equals the store's, the
  state is current: that is the dashboard's whole check (a few milliseconds). A compaction
  (``groundswell forget``) rewrites the file, and its rows' numbers with it: a new file means
  a rebuild;
- forgetting removes the state's rows that name what it forgets (see
  :func:`groundswell.erase.erase`) and empties its totals; its tombstones change the
  signature, and the update then finds fewer rows than the mark and recounts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from groundswell.live import tables

#: The store's side of the signature: counts DuckDB keeps as metadata, read in one query
#: (a few milliseconds, on the dashboard's fresh connection too; ``max(post_key)`` costs 20 ms
#: there, and says nothing these do not: a batch that adds posts adds to ``posts`` unless it
#: removes as many, which ``deletions``, ``hidden_posts`` or ``forgotten`` then count).
SIGNATURE_SQL = """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM hidden_posts),
    (SELECT count(*) FROM deletions), (SELECT count(*) FROM post_versions),
    (SELECT count(*) FROM local_ids), (SELECT count(*) FROM forgotten)"""
SIGNATURE_FIELDS = ("posts", "hidden", "deletions", "versions", "local_ids", "forgotten",
                    "file")


def file_identity(path: Path) -> str | None:
    """The store file's device and inode (None in memory): a compaction swaps the file."""
    if str(path) == ":memory:":
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}"


def signature(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """The store's signature (see the module): what a current state recorded."""
    row = con.execute(SIGNATURE_SQL).fetchall()[0]
    return dict(zip(SIGNATURE_FIELDS, (*row, file_identity(path)), strict=True))


@dataclass
class Marks:
    """One row of ``live_states``."""

    state: str
    name: str | None = None
    window_seconds: int = 3600
    signature: str = "{}"
    rows: int = 0
    deletions_rowid: int = -1
    max_key: int = 0
    matched: int = 0
    without_author: int = 0
    first_post: datetime | None = None
    last_post: datetime | None = None
    outside: int = 0
    window_posts: int = 0
    lo_w: int | None = None
    hi_w: int | None = None
    updated_at: datetime | None = None
    updates: int = 0
    rebuilds: int = 0

    @property
    def sig(self) -> dict[str, Any]:
        return json.loads(self.signature)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, state: str) -> Marks | None:
        names = [f.name for f in fields(cls)]
        try:
            rows = con.execute(f"SELECT {', '.join(names)} FROM {tables.MARKS} "
                               "WHERE state = ?", [state]).fetchall()
        except duckdb.CatalogException:  # no state was ever kept in this store
            return None
        return cls(**dict(zip(names, rows[0], strict=True))) if rows else None

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        values = asdict(self)
        con.execute(f"INSERT OR REPLACE INTO {tables.MARKS} ({', '.join(values)}) VALUES "
                    f"({', '.join('?' for _ in values)})", list(values.values()))


def current(con: duckdb.DuckDBPyConnection, path: Path, state: str) -> Marks | None:
    """The state's marks if it is current for the store (its signature is the store's),
    else None. Read-only and cheap: the dashboard's check."""
    try:
        marks = Marks.load(con, state)
        if marks is None or marks.sig != signature(con, path):
            return None
    except duckdb.Error:  # an older store without some table, a state being created
        return None
    return marks
