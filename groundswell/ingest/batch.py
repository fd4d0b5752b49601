"""A batch: the rows that sources emit from a run of lines, ready to be one transaction.

Why batches of tuples: building Python objects per post is the cost that dominates ingest, so
sources emit plain tuples and a batch hands them to DuckDB as Arrow columns, one transaction
per batch. Duplicates are removed twice: inside a batch by a set of post ids (twarc2 pages
repeat referenced tweets constantly) and against the store by the writer. Memory is one batch,
whatever the file size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from groundswell.arrow import rows_to_arrow
from groundswell.settings import env_whole
from groundswell.text import normalize_tag

#: Hashtag spellings repeat endlessly in a campaign: normalise each one once.
_tag_key = lru_cache(maxsize=1 << 17)(normalize_tag)

BATCH_POSTS = 50_000
#: Overrides BATCH_POSTS when ``batch_posts`` is not passed: smaller batches commit more often
#: (less to redo after a crash, less memory), larger ones ingest a little faster.
BATCH_ENV = "GROUNDSWELL_BATCH_POSTS"
EXCERPT = 200


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

    def __init__(self, server: str | None = None) -> None:
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
        self.edits: list[tuple] = []  # with their tags and mentions below, in arrival order
        self.edit_hashtags: list[tuple] = []
        self.edit_mentions: list[tuple] = []
        self._versions: set[tuple[str, str, str]] = set()  # the edits' (platform, post, version)
        self.account_statuses: dict[tuple[str, str], tuple] = {}  # the last per account
        self.local_ids: dict[tuple[str, str, str], tuple] = {}
        self.handle_sightings: dict[tuple[str, str, str], list] = {}  # → [first, last]
        self.local_deletions: list[tuple] = []
        self.quarantine: dict[tuple[str, int], tuple] = {}
        self.skipped: Counter[str] = Counter()
        self.posts_seen = 0
        self.numbered = 0  # posts in the batch: the next one's number
        self.file = ""
        self.line = 0
        #: The server the input was collected from, when the user said (``ingest --server``):
        #: whose local ids a Mastodon status's ``id`` and ``in_reply_to_id`` are.
        self.server = server
        self._problems: list[str] = []

    def __len__(self) -> int:
        return (sum(map(len, self.post_ids.values())) + len(self.deletions) + len(self.edits)
                + len(self.account_statuses) + len(self.local_deletions))

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
            "edits": rows_to_arrow("edits", self.edits),
            "edit_hashtags": rows_to_arrow("edit_hashtags", self.edit_hashtags),
            "edit_mentions": rows_to_arrow("edit_mentions", self.edit_mentions),
            "account_statuses": rows_to_arrow("account_statuses",
                                              list(self.account_statuses.values())),
            "local_ids": rows_to_arrow("local_ids", list(self.local_ids.values())),
            "handle_sightings": rows_to_arrow("handle_sightings", [
                (*key, first, last) for key, (first, last) in self.handle_sightings.items()]),
            "local_deletions": rows_to_arrow("local_deletions", self.local_deletions),
        }
        for name in ("posts", "post_hashtags", "mentions"):
            parts = [part[name] for part in self._compacted]
            tables[name] = pa.concat_tables(parts) if parts else rows_to_arrow(name, [])
        return ParsedBatch(tables, self.posts_seen, self.skipped)

    # -- Emitter ---------------------------------------------------------------------------
    def post(self, platform, post_id, author_id, created_at, text, lang, kind, reply_to_post_id,
             reply_to_author_id, repost_of_post_id, quote_of_post_id, conversation_id,
             hashtags, mentions, claimed_at=None) -> None:
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
                           quote_of_post_id, conversation_id, self.file, self.line, number,
                           claimed_at))
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

    def edit(self, platform, post_id, version, edited_at, text, hashtags, mentions) -> None:
        if (platform, post_id, version) in self._versions:
            return  # the same version again (a boost or a quote carries the edited status)
        self._versions.add((platform, post_id, version))
        self.edits.append((platform, post_id, version, edited_at, text, self.file, self.line,
                           len(self.edits)))
        seen: set[str] = set()
        for written in hashtags:
            tag = _tag_key(written)
            if tag and tag not in seen:
                seen.add(tag)
                self.edit_hashtags.append((platform, post_id, version, tag, written))
        handles: set[str] = set()
        for handle, mentioned_id in mentions:
            if handle not in handles:
                handles.add(handle)
                self.edit_mentions.append((platform, post_id, version, handle, mentioned_id))

    def account_status(self, platform, author_id, active, status, at) -> None:
        # the newest one (the last read, when either has no time), as the store keeps it
        old = self.account_statuses.get((platform, author_id))
        if old is not None and old[4] is not None and at is not None and at < old[4]:
            return
        self.account_statuses.pop((platform, author_id), None)  # last in order
        self.account_statuses[(platform, author_id)] = (platform, author_id, active, status,
                                                        at, self.file, self.line)

    def handle(self, platform, author_id, handle, seen_at) -> None:
        seen = self.handle_sightings.get((platform, author_id, handle))
        if seen is None:
            self.handle_sightings[(platform, author_id, handle)] = [seen_at, seen_at]
        elif seen_at is not None:
            seen[0] = seen_at if seen[0] is None else min(seen[0], seen_at)
            seen[1] = seen_at if seen[1] is None else max(seen[1], seen_at)

    def local_id(self, platform, server, local_id, post_id) -> None:
        self.local_ids.setdefault((platform, server, local_id),
                                  (platform, server, local_id, post_id))

    def delete_local(self, platform, server, local_id, deleted_at, reason) -> None:
        self.local_deletions.append((platform, server, local_id, deleted_at, reason, self.file,
                                     self.line))

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
                                 ("quarantine", "line"), ("edits", "source_line"),
                                 ("account_statuses", "source_line"),
                                 ("local_deletions", "source_line")):
                table = self.tables[name]
                i = table.schema.get_field_index(column)
                self.tables[name] = table.set_column(
                    i, column, pc.add(table.column(i), pa.scalar(offset, pa.int64())))
        return self

