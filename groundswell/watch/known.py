"""What a watch has kept so far, held compactly: post at-uris and account DIDs as 64-bit hashes.

Why hashes: the campaign filter (:mod:`.keep`) asks, for every repost, reply, delete and account
event of the firehose, whether it names something already kept; after a restart the answer
must include everything the store holds, which for a long campaign is millions of posts. As
Python strings those would weigh gigabytes (an at-uri is ~70 characters, ~120 bytes as an
object, more in a set); as 64-bit hashes in one sorted NumPy array they weigh 8 bytes each
(10M posts: 80 MB), looked up by binary search in about a microsecond. What is kept while
running goes to a small Python set of hashes beside the array.

The hash is Python's own ``hash(str)`` (SipHash, salted per process), computed in this
process only and never saved: the array is rebuilt from the store at each start. A collision
(two uris with one hash: odds of about n / 2^64 per lookup, 5e-13 at 10M posts) only makes
the watch keep one event too many, which a campaign's report ignores (it applies the matching
rule to whatever the store holds).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from groundswell.ingest.commit import visit
from groundswell.sources.bluesky.names import PLATFORM
from groundswell.store import Store

#: Rows fetched from the store at a time while loading (bounds the Python strings alive).
LOAD_ROWS = 100_000
_EMPTY = np.empty(0, dtype=np.int64)


class KnownSet:
    """A set of strings by their hashes: :meth:`add` and ``in``; see the module."""

    def __init__(self, loaded: np.ndarray | None = None) -> None:
        """``loaded``: hashes, sorted here in place (duplicates are left in: np.unique cost
        a hundred times the sort at 1M hashes, and a binary search does not mind them)."""
        if loaded is None or not len(loaded):
            loaded = _EMPTY
        else:
            loaded.sort()
        self._sorted = loaded
        self._new: set[int] = set()

    @classmethod
    def from_chunks(cls, chunks: Iterable[pa.Array | pa.ChunkedArray | list[str | None]]
                    ) -> KnownSet:
        """Hash strings arriving in chunks (Arrow arrays or lists; nulls skipped)."""
        parts = [np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings))
                 for strings in map(_strings, chunks) if len(strings)]
        if len(parts) == 1:
            return cls(parts[0])
        return cls(np.concatenate(parts) if parts else None)

    def __contains__(self, value: str) -> bool:
        key = hash(value)
        if key in self._new:
            return True
        found = self._sorted
        if not len(found):
            return False
        at = int(found.searchsorted(key))
        return at < len(found) and int(found[at]) == key

    def add(self, value: str) -> bool:
        """Remember ``value``; True if it was not known."""
        if value in self:
            return False
        self._new.add(hash(value))
        return True

    def __len__(self) -> int:
        return len(self._sorted) + len(self._new)

    @property
    def nbytes(self) -> int:
        """Roughly what the set weighs: the array, and ~70 bytes per new hash."""
        return int(self._sorted.nbytes) + 70 * len(self._new)


def _strings(chunk: pa.Array | pa.ChunkedArray | list[str | None]) -> Sequence[str]:
    if isinstance(chunk, pa.Array | pa.ChunkedArray):
        return chunk.drop_null().to_numpy(zero_copy_only=False)
    return [value for value in chunk if value is not None]


#: Bluesky's posts in the store, shown or hidden (an account's takedown hides its posts; an
#: event saying it is active again must still be kept).
_POSTS = f"""
    SELECT post_id, author_id FROM posts WHERE platform = '{PLATFORM}'
    UNION ALL SELECT post_id, author_id FROM hidden_posts WHERE platform = '{PLATFORM}'"""


def load(db_path: str | os.PathLike[str],
         busy_timeout: float | None = None) -> tuple[KnownSet, KnownSet]:
    """The Bluesky posts (at-uris) and their authors (DIDs) the store at ``db_path`` holds, as
    two :class:`KnownSet`; empty ones if there is no store yet."""
    if not os.path.exists(db_path):
        return KnownSet(), KnownSet()
    return visit(db_path, _read, busy_timeout, "reading the kept posts").result


def _read(store: Store) -> tuple[KnownSet, KnownSet]:
    if not (store.has_table("posts") and store.has_table("hidden_posts")):
        return KnownSet(), KnownSet()
    posts = KnownSet.from_chunks(_column(store, _POSTS, "post_id"))
    dids = KnownSet.from_chunks(_column(store, f"SELECT DISTINCT author_id FROM ({_POSTS})",
                                        "author_id"))
    return posts, dids


def _column(store: Store, sql: str, name: str) -> Iterator[pa.Array]:
    for batch in store.con.sql(sql).to_arrow_reader(LOAD_ROWS):
        yield batch.column(name)
