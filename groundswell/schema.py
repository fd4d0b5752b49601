"""The canonical schema: one set of tables every source writes and every metric reads.

Why one schema: sources differ wildly (Twitter v1.1, v2, later Bluesky and Mastodon), but a
campaign question ("how many people joined?") must be asked once. Keys are always
``(platform, id)`` because ids are only unique within a platform. Timestamps are naive
``TIMESTAMP`` values that are *always UTC*: naive UTC is the one representation that DuckDB,
Parquet and Spark all round-trip without time-zone surprises.

``docs/schema.md`` documents every column; keep the two in step.
"""

from __future__ import annotations

#: Bumped whenever a table or column changes meaning. A store written by a newer version
#: is refused with a clear error instead of being silently misread.
SCHEMA_VERSION = 5
# 2: posts, post_hashtags and mentions lost their PRIMARY KEY constraints. Their keys are
#    still unique, enforced by the one writer (Store.write_batch, an anti-join per batch):
#    DuckDB keeps primary-key indexes in memory, which grew with the archive (hundreds of
#    MiB per million posts) and made every insert slower. Version 1 stores keep their
#    constraints and remain valid; version 1 software must not write version 2 stores.
# 3: accounts lost its PRIMARY KEY too, for the same reason: its index lived in the writer's
#    memory budget (~60 bytes per account: a 10M-post v1.1 archive with 2.8M accounts ran out
#    of it) and upserts through it were 40 % of a big ingest's writing time. The writer
#    folds snapshots with a MERGE (``store.ACCOUNT_MERGE``), one row per account as before.
#    Older stores keep their constraint and remain valid.
#    Later, without a new version: the writer's staging table ``account_snapshots``
#    (``STAGING``), created on open; empty once an ingest ends, so version 3 software reads
#    these stores unchanged.
# 4: posts, post_hashtags and mentions gained ``post_key``, a BIGINT unique per post: the
#    batch numbers its posts (and their hashtags and mentions) as it parses them, and the
#    writer offsets the numbers past the highest stored key (``Store._apply``).
#    Every metric joins posts with their hashtags; on the two-string key ``(platform,
#    post_id)`` those joins were most of a report over 10M posts, and integers join about twice
#    as fast. The writer adds and fills the column when it opens an older store
#    (``Store._migrate``); readers of older stores (read-only, or Parquet exports) still join on
#    ``(platform, post_id)`` (``Tables.key``). Version 3 software must not write these stores:
#    its inserts do not fill the column.
# 5: many platforms. ``posts.claimed_at`` (the time a client wrote into a post, Bluesky's
#    ``createdAt``, kept beside the plausible ``created_at`` metrics order by);
#    ``accounts.status`` (an account deleted, taken down, suspended or deactivated);
#    ``handles`` (the handles an account was seen with where a platform says so: Bluesky's
#    identity events and post views), ``post_versions`` (edits),
#    ``local_ids`` (Mastodon's per-server status ids), ``hidden_posts`` (posts of accounts
#    that are not active: out of every metric until the account returns) and
#    ``account_deletions`` (deleted accounts: their posts removed and never stored again).
#    The writer adds them to an older store when it opens it; version 4 software must not
#    write these stores (its inserts would miss the account and local-id rules).
#    Later, without a new version: ``labels`` (a researcher's role for a post, with who said
#    so and when: ``groundswell label``), created on open, removed with its post; older
#    software ignores it. Likewise the ledgers of forgetting and exports (``LEDGERS``).

#: The manifest every Parquet export folder holds (groundswell.export); read by forgetting too.
MANIFEST = "_groundswell.json"

#: Post kinds, in the priority used when a post is several things at once
#: (a retweet of a reply is a repost; a reply that quotes is a reply).
KINDS = ("original", "reply", "quote", "repost")

_POST_FIELDS = """
            platform            VARCHAR NOT NULL,
            post_id             VARCHAR NOT NULL,
            author_id           VARCHAR,
            created_at          TIMESTAMP,
            text                VARCHAR,
            lang                VARCHAR,
            kind                VARCHAR NOT NULL,
            reply_to_post_id    VARCHAR,
            reply_to_author_id  VARCHAR,
            repost_of_post_id   VARCHAR,
            quote_of_post_id    VARCHAR,
            conversation_id     VARCHAR,
            source_file         VARCHAR,
            source_line         BIGINT,
            post_key            BIGINT,
            claimed_at          TIMESTAMP"""

_ACCOUNT_FIELDS = """
            platform      VARCHAR NOT NULL,
            author_id     VARCHAR NOT NULL,
            handle        VARCHAR,
            display_name  VARCHAR,
            followers     BIGINT,
            verified      BOOLEAN,
            created_at    TIMESTAMP,
            observed_at   TIMESTAMP"""

TABLES: dict[str, str] = {
    "meta": """
        CREATE TABLE IF NOT EXISTS meta (
            key   VARCHAR PRIMARY KEY,
            value VARCHAR
        )""",
    "posts": f"""
        CREATE TABLE IF NOT EXISTS posts ({_POST_FIELDS}
        )""",
    "accounts": f"""
        CREATE TABLE IF NOT EXISTS accounts ({_ACCOUNT_FIELDS},
            status        VARCHAR,
            status_at     TIMESTAMP
        )""",
    "post_hashtags": """
        CREATE TABLE IF NOT EXISTS post_hashtags (
            platform     VARCHAR NOT NULL,
            post_id      VARCHAR NOT NULL,
            tag          VARCHAR NOT NULL,
            tag_written  VARCHAR NOT NULL,
            post_key     BIGINT
        )""",
    "mentions": """
        CREATE TABLE IF NOT EXISTS mentions (
            platform              VARCHAR NOT NULL,
            post_id               VARCHAR NOT NULL,
            handle                VARCHAR NOT NULL,
            mentioned_author_id   VARCHAR,
            post_key              BIGINT
        )""",
    "deletions": """
        CREATE TABLE IF NOT EXISTS deletions (
            platform     VARCHAR NOT NULL,
            post_id      VARCHAR NOT NULL,
            deleted_at   TIMESTAMP,
            reason       VARCHAR,
            source_file  VARCHAR,
            source_line  BIGINT,
            PRIMARY KEY (platform, post_id)
        )""",
    "quarantine": """
        CREATE TABLE IF NOT EXISTS quarantine (
            source       VARCHAR NOT NULL,
            line         BIGINT NOT NULL,
            reason       VARCHAR NOT NULL,
            raw_excerpt  VARCHAR,
            PRIMARY KEY (source, line)
        )""",
    "handles": """
        CREATE TABLE IF NOT EXISTS handles (
            platform    VARCHAR NOT NULL,
            author_id   VARCHAR NOT NULL,
            handle      VARCHAR NOT NULL,
            first_seen  TIMESTAMP,
            last_seen   TIMESTAMP
        )""",
    "post_versions": """
        CREATE TABLE IF NOT EXISTS post_versions (
            platform     VARCHAR NOT NULL,
            post_id      VARCHAR NOT NULL,
            version      VARCHAR NOT NULL,
            edited_at    TIMESTAMP,
            source_file  VARCHAR,
            source_line  BIGINT
        )""",
    "local_ids": """
        CREATE TABLE IF NOT EXISTS local_ids (
            platform  VARCHAR NOT NULL,
            server    VARCHAR NOT NULL,
            local_id  VARCHAR NOT NULL,
            post_id   VARCHAR NOT NULL
        )""",
    "hidden_posts": f"""
        CREATE TABLE IF NOT EXISTS hidden_posts ({_POST_FIELDS}
        )""",
    "account_deletions": """
        CREATE TABLE IF NOT EXISTS account_deletions (
            platform     VARCHAR NOT NULL,
            author_id    VARCHAR NOT NULL,
            deleted_at   TIMESTAMP,
            reason       VARCHAR,
            source_file  VARCHAR,
            source_line  BIGINT,
            PRIMARY KEY (platform, author_id)
        )""",
    "labels": """
        CREATE TABLE IF NOT EXISTS labels (
            platform     VARCHAR NOT NULL,
            post_id      VARCHAR NOT NULL,
            role         VARCHAR NOT NULL,
            labeller     VARCHAR NOT NULL,
            labelled_at  TIMESTAMP NOT NULL,
            PRIMARY KEY (platform, post_id, labeller)
        )""",
    "ingests": """
        CREATE TABLE IF NOT EXISTS ingests (
            run_id         VARCHAR PRIMARY KEY,
            started_at     TIMESTAMP,
            finished_at    TIMESTAMP,
            sources        VARCHAR,
            lines          BIGINT,
            posts_seen     BIGINT,
            posts_added    BIGINT,
            duplicates     BIGINT,
            quarantined    BIGINT,
            deleted        BIGINT,
            skipped        VARCHAR
        )""",
}

#: The writer's own tables: not canonical (never exported, no metric reads them), and empty
#: outside a bulk ingest. Account snapshots wait here during one (see ``Store.bulk_writes``):
#: folding each batch into ``accounts`` at once scanned every stored account per batch.
STAGING: dict[str, str] = {
    "account_snapshots": f"""
        CREATE TABLE IF NOT EXISTS account_snapshots ({_ACCOUNT_FIELDS},
            seq           BIGINT NOT NULL
        )""",
}

#: Bookkeeping of forgetting and of exports (``groundswell forget``,
#: docs/privacy.md#forgetting): not
#: canonical, like :data:`STAGING` (never exported, read by no metric), created on open without
#: a new version (older software ignores them). Never exported on purpose: the salt and the
#: tombstones together let whoever holds them test a guessed id, and an export travels.
#:
#: * ``forget_state``: one row, the store's random salt (tombstones are salted digests, see
#:   :mod:`groundswell.tombstones`) and whether a forgetting still has exports to clean
#:   and the file to compact (``pending``).
#: * ``forgotten``: the tombstones, one per forgotten account, post or handle: the salted
#:   SHA-256 of ``kind|platform|id`` (``digest``), never the id; the platform in clear, so
#:   quarantined lines can be tested per platform.
#: * ``forget_pseudonyms``: the pseudonyms of what was forgotten, under the current key, only
#:   while private exports wait to be cleaned (they hold pseudonyms, not ids); emptied by then.
#: * ``exports``: every Parquet export written, so forgetting can clean it
#:   (``Store.record_export``).
LEDGERS: dict[str, str] = {
    "forget_state": """
        CREATE TABLE IF NOT EXISTS forget_state (
            salt     VARCHAR NOT NULL,
            pending  BOOLEAN NOT NULL
        )""",
    "forgotten": """
        CREATE TABLE IF NOT EXISTS forgotten (
            kind          VARCHAR NOT NULL,
            platform      VARCHAR NOT NULL,
            digest        VARCHAR NOT NULL,
            forgotten_at  TIMESTAMP,
            reason        VARCHAR,
            PRIMARY KEY (kind, digest)
        )""",
    "forget_pseudonyms": """
        CREATE TABLE IF NOT EXISTS forget_pseudonyms (
            kind   VARCHAR NOT NULL,
            value  VARCHAR NOT NULL
        )""",
    "exports": """
        CREATE TABLE IF NOT EXISTS exports (
            path             VARCHAR PRIMARY KEY,
            written_at       TIMESTAMP,
            private          BOOLEAN,
            key_fingerprint  VARCHAR
        )""",
}

#: Column order of a batch's rows (tuples, for speed) per table. In a batch, ``post_key`` is
#: the post's position among the batch's posts (its hashtags and mentions carry the same
#: number); the writer adds the store's next free key when it stores them (``Store._apply``).
POST_COLUMNS = (
    "platform", "post_id", "author_id", "created_at", "text", "lang", "kind",
    "reply_to_post_id", "reply_to_author_id", "repost_of_post_id", "quote_of_post_id",
    "conversation_id", "source_file", "source_line", "post_key", "claimed_at",
)
ACCOUNT_COLUMNS = (
    "platform", "author_id", "handle", "display_name", "followers", "verified",
    "created_at", "observed_at",
)
HASHTAG_COLUMNS = ("platform", "post_id", "tag", "tag_written", "post_key")
MENTION_COLUMNS = ("platform", "post_id", "handle", "mentioned_author_id", "post_key")
DELETION_COLUMNS = ("platform", "post_id", "deleted_at", "reason", "source_file", "source_line")
QUARANTINE_COLUMNS = ("source", "line", "reason", "raw_excerpt")
LOCAL_ID_COLUMNS = ("platform", "server", "local_id", "post_id")

#: What a batch carries besides rows of the canonical tables: edits of posts (a new text
#: and its tags and mentions), accounts' statuses, and deletes named by a server's local id.
#: Each ends in the batch's own ``seq``, its order in the batch (the last one wins).
BATCH: dict[str, str] = {
    "edits": """
            platform     VARCHAR, post_id VARCHAR, version VARCHAR, edited_at TIMESTAMP,
            text         VARCHAR, source_file VARCHAR, source_line BIGINT, seq BIGINT""",
    "edit_hashtags": """
            platform     VARCHAR, post_id VARCHAR, version VARCHAR, tag VARCHAR,
            tag_written  VARCHAR""",
    "edit_mentions": """
            platform     VARCHAR, post_id VARCHAR, version VARCHAR, handle VARCHAR,
            mentioned_author_id VARCHAR""",
    "account_statuses": """
            platform     VARCHAR, author_id VARCHAR, active BOOLEAN, status VARCHAR,
            changed_at   TIMESTAMP, source_file VARCHAR, source_line BIGINT""",
    "handle_sightings": """
            platform     VARCHAR, author_id VARCHAR, handle VARCHAR, first_seen TIMESTAMP,
            last_seen    TIMESTAMP""",
    "local_deletions": """
            platform     VARCHAR, server VARCHAR, local_id VARCHAR, deleted_at TIMESTAMP,
            reason       VARCHAR, source_file VARCHAR, source_line BIGINT""",
}

#: Account statuses whose posts leave every metric until the account is active again
#: (``hidden_posts``); ``deleted`` removes them for good (``account_deletions``). Other
#: statuses (a relay's ``desynchronized``, ``throttled``) change nothing.
HIDING_STATUSES = ("takendown", "suspended", "deactivated", "protected")

#: Tables whose rows hang off a post and must vanish with it (compliance deletes).
POST_DERIVED_TABLES = ("post_hashtags", "mentions", "post_versions", "labels")

#: The integer key of a post (schema 4), in ``posts`` and the tables that carry it.
POST_KEY = "post_key"
KEYED_TABLES = ("posts", "post_hashtags", "mentions")


def columns(table: str) -> dict[str, str]:
    """``{column: SQL type}`` of a canonical table, in the order :data:`TABLES` declares."""
    out = {}
    for line in TABLES[table].splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isidentifier() and parts[0] not in ("CREATE",
                                                                             "PRIMARY"):
            out[parts[0]] = parts[1].rstrip(",")
    return out
