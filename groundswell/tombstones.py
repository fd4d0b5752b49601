"""Tombstones of forgotten accounts and posts, and the rows of any table they condemn.

Why digests: a tombstone must stop a later ingest of old files from bringing a forgotten
account back, yet it must not itself hold the id it forgets (``groundswell forget`` promises
that nothing of the account remains in the store's file). So a tombstone is the SHA-256 of a
random per-store salt and ``kind|platform|id`` (``forgotten.digest``): ingest hashes what
arrives and compares. The salt lives in ``forget_state``, never in an export; whoever holds
the store can still test a guessed id against the tombstones (docs/privacy.md#forgetting says so).

Why one set of rules for three places: the same rows must go from the store (``forget``), from
every later batch (:func:`filter_batch`, only when tombstones exist, so a store without them
ingests exactly as before) and from each recorded Parquet export. :func:`condemned` and
:func:`masks` say which rows and which pointers, for any relation shaped like a canonical
table; a :class:`Match` says how an id is recognised (by the clear ids being forgotten right
now, or by digest, or, in a private export, by its keyed pseudonym).

What a forgotten account or post condemns:

* its posts (shown or hidden), and reposts of them by anyone (a repost copies the post);
* every row hanging off those posts (hashtags, mentions, labels, versions, local ids...);
* its account row, handle history, statuses and deletions (they name it);
* mention rows naming it (by id, or by handle where the platform gave no id);
* quarantined lines holding one of its ids or handles as a token;
* other people's posts stay, but their pointers at it (``reply_to_post_id``,
  ``quote_of_post_id``, ``conversation_id``, ``reply_to_author_id``) become a marker,
  ``forgotten:`` and 16 hex digits of the salted digest: replies to one forgotten post stay
  siblings (threads keep their shape), and the marker names nothing without the salt.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

#: What a tombstone forgets: an account (platform-native id), a post, or a handle (lower
#: case, for mentions that name an account by handle only).
KINDS = ("account", "post", "handle")
#: How a pointer at a forgotten post or account reads once masked.
MARK = "forgotten:"
MARK_HEX = 16

#: Pointer columns of a post, and what they point at.
POINTERS = {"reply_to_post_id": "post", "quote_of_post_id": "post",
            "conversation_id": "post", "reply_to_author_id": "account"}

#: Tables no rule applies to: the store's own bookkeeping (forgetting's ledgers, the meta
#: and ingests tables) and staging a bulk ingest empties.
EXEMPT = ("meta", "ingests", "forget_state", "forgotten", "forget_pseudonyms", "exports")

#: A Bluesky post id (at-uri) names its author's DID; a Mastodon status uri, on the usual
#: layout, its author's ``user@domain``. Pointers at posts never stored, deletes and local
#: ids of a forgotten account are recognised by it.
_URI_AUTHOR = r"""CASE
    WHEN p = 'bluesky' AND starts_with(v, 'at://')
        THEN nullif(regexp_extract(v, '^at://([^/]+)/', 1), '')
    WHEN p = 'mastodon' AND regexp_matches(v, '^https?://[^/]+/users/[^/]+/statuses/')
        THEN regexp_replace(v, '^https?://([^/]+)/users/([^/]+)/statuses/.*$', '\2@\1')
    END"""

#: The tokens of a quarantined line that may be an id or a handle: words (Twitter ids and
#: handles), ``user@domain``, dotted names (Bluesky handles), DIDs, uris.
_TOKENS = r"""list_concat(
    regexp_extract_all(x, '[A-Za-z0-9_]+'),
    regexp_extract_all(x, '[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+'),
    regexp_extract_all(x, '[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+'),
    regexp_extract_all(x, 'did:[a-z0-9]+:[A-Za-z0-9._%:-]+'),
    regexp_extract_all(x, '(?:at|https?)://[^\s"''<>\\]+'))"""


# -- the salt and the digest -------------------------------------------------------------------
def salt(con: duckdb.DuckDBPyConnection) -> str:
    """The store's salt (``forget_state``), made on first use (in the caller's transaction)."""
    rows = con.execute("SELECT salt FROM forget_state LIMIT 1").fetchall()
    if rows:
        return rows[0][0]
    made = secrets.token_hex(16)
    con.execute("INSERT INTO forget_state VALUES (?, false)", [made])
    return made


def digest(salt_hex: str, kind: str, platform: str, value: str) -> str:
    """A tombstone's digest, as SQL's ``gs_digest`` computes it."""
    return hashlib.sha256(f"{salt_hex}|{kind}|{platform}|{value}".encode()).hexdigest()


def install(con: duckdb.DuckDBPyConnection, salt_hex: str) -> None:
    """The connection's temporary macros: ``gs_digest(kind, platform, id)``,
    ``gs_mark(kind, platform, id)`` (a masked pointer), ``gs_uri_author(platform, post id)``
    and ``gs_tokens(text)``. Re-made at each use: a rolled-back transaction drops them."""
    if not all(c in "0123456789abcdef" for c in salt_hex):
        raise ValueError("forget_state.salt is damaged (not hex)")
    con.execute(f"CREATE OR REPLACE TEMP MACRO gs_digest(k, p, v) AS "
                f"sha256('{salt_hex}|' || k || '|' || p || '|' || v)")
    con.execute(f"CREATE OR REPLACE TEMP MACRO gs_mark(k, p, v) AS "
                f"'{MARK}' || left(gs_digest(k, p, v), {MARK_HEX})")
    con.execute(f"CREATE OR REPLACE TEMP MACRO gs_uri_author(p, v) AS {_URI_AUTHOR}")
    con.execute(f"CREATE OR REPLACE TEMP MACRO gs_tokens(x) AS {_TOKENS}")


def any_tombstones(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM forgotten LIMIT 1)"
                            ).fetchall()[0][0])


# -- recognising a forgotten id ------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    """SQL tests (``(platform, value) -> boolean``) of whether a value names a forgotten
    account, post or handle, and ``platforms``: a relation of the platforms concerned."""

    account: Callable[[str, str], str]
    post: Callable[[str, str], str]
    handle: Callable[[str, str], str]
    platforms: str


def by_digest(pseudonyms: bool = False) -> Match:
    """Against the tombstones (an ingest batch, an export); with ``pseudonyms``, also the
    keyed pseudonyms a private export holds instead of private accounts' ids."""
    def known(kind: str) -> str:
        return f"(SELECT digest FROM forgotten WHERE kind = '{kind}')"

    def pseudonym(kind: str, v: str) -> str:
        return (f" OR {v} IN (SELECT value FROM forget_pseudonyms WHERE kind = '{kind}')"
                if pseudonyms else "")

    def account(p: str, v: str) -> str:
        return f"(gs_digest('account', {p}, {v}) IN {known('account')}{pseudonym('account', v)})"

    def post(p: str, v: str) -> str:
        return (f"(gs_digest('post', {p}, {v}) IN {known('post')}{pseudonym('post', v)} "
                f"OR gs_digest('account', {p}, gs_uri_author({p}, {v})) IN {known('account')})")

    def handle(p: str, v: str) -> str:
        return f"(gs_digest('handle', {p}, lower(ltrim({v}, '@'))) IN {known('handle')})"

    return Match(account, post, handle, "(SELECT DISTINCT platform FROM forgotten)")


def by_table(prefix: str = "forget", uris: bool = True) -> Match:
    """Against clear ids in temporary tables ``<prefix>_accounts(platform, author_id)``,
    ``<prefix>_posts(platform, post_id)`` and ``<prefix>_handles(platform, handle)`` (a hash
    join: cheap on a whole store): those being forgotten right now (``forget``), or a batch's
    ids that hit a tombstone (``gs_hit``, which hold uri-named posts already: ``uris``
    False)."""
    accounts = f"(SELECT platform, author_id FROM {prefix}_accounts)"

    def account(p: str, v: str) -> str:
        return f"(({p}, {v}) IN {accounts})"

    def post(p: str, v: str) -> str:
        named = f" OR ({p}, gs_uri_author({p}, {v})) IN {accounts}" if uris else ""
        return f"(({p}, {v}) IN (SELECT platform, post_id FROM {prefix}_posts){named})"

    def handle(p: str, v: str) -> str:
        return (f"(({p}, lower(ltrim({v}, '@'))) IN "
                f"(SELECT platform, handle FROM {prefix}_handles))")

    return Match(account, post, handle, f"(SELECT platform FROM {prefix}_accounts UNION "
                                        f"SELECT platform FROM {prefix}_posts)")


# -- the rules -------------------------------------------------------------------------------------
def condemned(table: str, columns: set[str] | list[str], m: Match, rel: str,
              dropped: str | None = None) -> str | None:
    """SQL: the rows of ``rel`` (shaped like ``table``) that go; None when no rule applies.
    ``dropped``: a relation of ``(platform, post_id)`` of posts going in the same breath
    (a batch's), whose rows and reposts go too."""
    if table in EXEMPT:
        return None
    if table == "quarantine":
        return _quarantined(m, rel)
    cols = set(columns)
    if "platform" not in cols:
        return None
    p = "platform"
    conds = []
    same = f"(SELECT platform, post_id FROM {dropped})" if dropped else None
    if {"post_id", "author_id", "repost_of_post_id"} <= cols:  # posts, hidden_posts
        conds += [m.post(p, "post_id"), m.account(p, "author_id"),
                  m.post(p, "repost_of_post_id")]
        if same:
            conds += [f"(platform, post_id) IN {same}", f"(platform, repost_of_post_id) IN {same}"]
    elif table == "deletions":
        # a Twitter compliance line names a post, or (user compliance) an account
        conds += [m.post(p, "post_id"), f"(platform = 'twitter' AND {m.account(p, 'post_id')})"]
    else:
        if "post_id" in cols:
            conds.append(m.post(p, "post_id"))
            if same:
                conds.append(f"(platform, post_id) IN {same}")
        if "author_id" in cols:
            conds.append(m.account(p, "author_id"))
        if "mentioned_author_id" in cols:
            conds.append(m.account(p, "mentioned_author_id"))
            if "handle" in cols:
                conds.append(f"(mentioned_author_id IS NULL AND {m.handle(p, 'handle')})")
    return " OR ".join(f"coalesce({c}, false)" for c in conds) if conds else None


def _quarantined(m: Match, rel: str) -> str:
    """A quarantined line goes when one of its tokens (or its file's) names a forgotten id,
    post or handle on any platform concerned (the line has no platform of its own)."""
    tok, plat = "q.tok", "f.platform"
    hit = " OR ".join(f"coalesce({c}, false)" for c in (
        m.account(plat, tok), m.post(plat, tok), m.handle(plat, tok)))
    return (f"(source, line) IN (SELECT q.source, q.line FROM (SELECT source, line, "
            f"unnest(gs_tokens(concat_ws(' ', raw_excerpt, reason, source))) AS tok "
            f"FROM {rel}) q, {m.platforms} f WHERE {hit})")


def masks(columns: set[str] | list[str], m: Match) -> dict[str, str]:
    """``{column: SQL}``: the pointer columns of a post relation, masked where they point at a
    forgotten post or account (a reply's parent also when its author is forgotten)."""
    cols = set(columns)
    if "platform" not in cols:
        return {}
    out = {}
    for column, kind in POINTERS.items():
        if column not in cols:
            continue
        test = m.account("platform", column) if kind == "account" else m.post("platform",
                                                                              column)
        if column == "reply_to_post_id" and "reply_to_author_id" in cols:
            test = f"{test} OR {m.account('platform', 'reply_to_author_id')}"
        out[column] = (f"CASE WHEN {column} IS NOT NULL AND coalesce({test}, false) "
                       f"THEN gs_mark('{kind}', platform, {column}) ELSE {column} END")
    return out


def masked(columns: set[str] | list[str], m: Match) -> str | None:
    """SQL: the rows whose pointers :func:`masks` changes (None: no pointer columns)."""
    found = masks(columns, m)
    if not found:
        return None
    return " OR ".join(f"{column} IS DISTINCT FROM ({sql})" for column, sql in found.items())


def kept_select(table: str, columns: list[str], m: Match, rel: str,
                dropped: str | None = None) -> str:
    """SELECT of the rows of ``rel`` that stay, pointers masked, in ``columns``' order."""
    found = masks(columns, m)
    exprs = ", ".join(f"{found[c]} AS {c}" if c in found else c for c in columns)
    gone = condemned(table, columns, m, rel, dropped)
    return f"SELECT {exprs} FROM {rel}" + (f" WHERE NOT ({gone})" if gone else "")


# -- a batch on its way in -----------------------------------------------------------------------
#: Batch tables and the canonical table whose rules they follow.
_BATCH_RULES = {
    "posts": "posts", "post_hashtags": "post_hashtags", "mentions": "mentions",
    "accounts": "accounts", "deletions": "deletions", "quarantine": "quarantine",
    "local_ids": "local_ids", "edits": "edits", "edit_hashtags": "edit_hashtags",
    "edit_mentions": "mentions", "account_statuses": "account_statuses",
    "handle_sightings": "handles",
}
#: The columns of a batch's tables that may hold a forgotten id (each value hashed once).
_ID_COLUMNS = ("post_id", "author_id", "repost_of_post_id", "reply_to_post_id",
               "reply_to_author_id", "quote_of_post_id", "conversation_id",
               "mentioned_author_id")


def filter_batch(con: duckdb.DuckDBPyConnection,
                 tables: dict[str, pa.Table]) -> tuple[dict[str, pa.Table], int]:
    """A batch without what the tombstones forget (:func:`condemned`, its pointers masked),
    and how many of its posts were left out. Only called when tombstones exist.

    Each distinct id of the batch is hashed once (as an account, as a post, and by the author
    its uri names), and the few that hit a tombstone (``gs_hit_*``) are then joined like the
    clear ids of a forgetting: hashing every column of every row cost four times as much."""
    install(con, salt(con))
    out = dict(tables)
    registered = []
    try:
        for name, table in tables.items():
            if name in _BATCH_RULES and table.num_rows:
                con.register(f"gs_in_{name}", table)
                registered.append(f"gs_in_{name}")
        _hits(con, {v.removeprefix("gs_in_"): tables[v.removeprefix("gs_in_")].column_names
                    for v in registered})
        m = by_table("gs_hit", uris=False)
        dropped = 0
        con.execute("CREATE OR REPLACE TEMP TABLE gs_dropped (platform VARCHAR, post_id VARCHAR)")
        if "gs_in_posts" in registered:
            cols = tables["posts"].column_names
            con.execute("INSERT INTO gs_dropped SELECT platform, post_id FROM gs_in_posts "
                        f"WHERE {condemned('posts', cols, m, 'gs_in_posts')}")
            while con.execute(  # reposts of the batch's forgotten posts, to a fixed point
                    "INSERT INTO gs_dropped SELECT platform, post_id FROM gs_in_posts "
                    "WHERE (platform, repost_of_post_id) IN (SELECT platform, post_id FROM "
                    "gs_dropped) AND (platform, post_id) NOT IN (SELECT platform, post_id "
                    "FROM gs_dropped)").fetchall()[0][0]:
                pass
            dropped = con.execute("SELECT count(DISTINCT (platform, post_id)) FROM gs_dropped"
                                  ).fetchall()[0][0]
            if dropped:  # a repost of one of them, in a later batch, is then known too
                con.execute("INSERT OR IGNORE INTO forgotten SELECT DISTINCT 'post', platform, "
                            "gs_digest('post', platform, post_id), ?::TIMESTAMP, 'ingest' "
                            "FROM gs_dropped", [datetime.now(UTC).replace(tzinfo=None)])
        for view in registered:
            name = view.removeprefix("gs_in_")
            table = tables[name]
            rules = by_digest() if name == "quarantine" else m
            select = kept_select(_BATCH_RULES[name], table.column_names, rules, view,
                                 "gs_dropped")
            out[name] = con.sql(select).to_arrow_table().cast(table.schema)
        for temp in ("gs_dropped", "gs_hit_accounts", "gs_hit_posts", "gs_hit_handles"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    finally:
        for view in registered:
            con.unregister(view)
    return out, dropped


def _hits(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]]) -> None:
    """``gs_hit_accounts``, ``gs_hit_posts``, ``gs_hit_handles``: the batch's ids (of the
    tables named in ``columns``, registered as ``gs_in_<name>``) that a tombstone forgets."""
    values = [f"SELECT platform, {c} AS v FROM gs_in_{name}"
              for name, cols in columns.items() if "platform" in cols
              for c in _ID_COLUMNS if c in cols]
    handles = [f"SELECT platform, lower(ltrim(handle, '@')) AS v FROM gs_in_{name}"
               for name, cols in columns.items() if {"platform", "handle"} <= set(cols)]
    empty = "SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS v WHERE false"
    con.execute("CREATE OR REPLACE TEMP TABLE gs_values AS SELECT DISTINCT platform, v FROM "
                f"({' UNION ALL '.join(values) or empty}) WHERE v IS NOT NULL")

    def known(kind: str) -> str:
        return f"(SELECT digest FROM forgotten WHERE kind = '{kind}')"

    con.execute("CREATE OR REPLACE TEMP TABLE gs_hit_accounts AS SELECT platform, v AS "
                "author_id FROM gs_values WHERE gs_digest('account', platform, v) IN "
                f"{known('account')}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gs_hit_posts AS SELECT platform, v AS post_id FROM "
        f"gs_values WHERE gs_digest('post', platform, v) IN {known('post')} "
        "OR (platform IN ('bluesky', 'mastodon') AND gs_digest('account', platform, "
        f"gs_uri_author(platform, v)) IN {known('account')})")
    con.execute("CREATE OR REPLACE TEMP TABLE gs_hit_handles AS SELECT DISTINCT platform, v AS "
                f"handle FROM ({' UNION ALL '.join(handles) or empty}) WHERE v IS NOT NULL "
                f"AND gs_digest('handle', platform, v) IN {known('handle')}")
    con.execute("DROP TABLE gs_values")
