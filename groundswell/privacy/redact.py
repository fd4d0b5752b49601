"""A private copy of the store's tables: what a Parquet export holds unless ``--reveal``.

Why: an export is a file that travels (to a colleague, a cluster, an archive). Under the
policy (:mod:`groundswell.policy`) it may carry public figures as they are, but of a
private account no handle, id, text or profile field, and nothing that finds its posts again:

* a private account's ``author_id`` becomes its keyed pseudonym (``acct-…``, the one reports
  print, :func:`groundswell.keys.pseudonym`), its handle, display name, follower count
  and creation time are dropped, and its handle history is left out;
* a private account's post ids become keyed pseudonyms (``post-…``) everywhere they appear
  (the post, replies and reposts pointing at it, hashtags, mentions, labels, versions), so the
  threads keep their shape; a target whose author is unknown counts as private;
* its texts are dropped, its times truncated to the hour (an exact second and a tag find the
  post on the platform), and the file and line it was read from are dropped;
* mentions of private accounts keep neither handle nor id (the pseudonym instead), and a
  public figure's kept text names them by pseudonym too: every ``@handle`` in it that is not
  a public account's becomes ``@acct-…`` (or ``@[private]`` when the store does not know whose
  handle it is), so a figure's reply does not point at the person it answered;
* deleted posts' ids become pseudonyms; the quarantine (raw input lines) is left out whole.

The tables keep their columns and types, so every engine reads a private export as it reads
a full one; reports on it name the same pseudonyms as reports on the store (same key).
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from groundswell.keys import post_pseudonym, pseudonym
from groundswell.policy import Policy

#: Tables never in a private export (raw input lines).
LEFT_OUT = ("quarantine",)

#: An ``@handle`` in a text (Twitter, Bluesky's domain handles, Mastodon's ``user@domain``);
#: not the middle of an e-mail address (a word character before the ``@``).
MENTION = re.compile(r"(?<![\w@])@([\w][\w.\-]*(?:@[\w][\w.\-]*)?)")

#: What a handle the store cannot tie to an account becomes in a kept text.
UNKNOWN = "[private]"


def scrub_mentions(text: str | None, public: set[str], named: dict[str, str]) -> str | None:
    """``text`` with every ``@handle`` that is not in ``public`` (lower-case handles of
    public accounts) replaced by its pseudonym from ``named`` (lower-case handle → pseudonym)
    or by :data:`UNKNOWN`. Why: a public figure's text is theirs to show, the people it
    answers or names are not."""
    if not text or "@" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        handle = match.group(1).rstrip(".-")
        tail = match.group(1)[len(handle):]
        low = handle.lower()
        if low in public:
            return match.group(0)
        return "@" + named.get(low, UNKNOWN) + tail

    return MENTION.sub(replace, text)


def prepare(con: duckdb.DuckDBPyConnection, key: bytes, policy: Policy) -> None:
    """Register the pseudonym functions (``gs_acct``, ``gs_post``, ``gs_text``) and the
    temporary ``_public_authors`` and ``_public_posts`` tables the private selects read
    (inside the export's snapshot)."""
    def accounts(platforms: pa.Array, ids: pa.Array) -> pa.Array:
        return pa.array([None if i is None else pseudonym(key, p, i)
                         for p, i in zip(platforms.to_pylist(), ids.to_pylist(), strict=True)],
                        pa.string())

    def posts(platforms: pa.Array, ids: pa.Array) -> pa.Array:
        return pa.array([None if i is None else post_pseudonym(key, p, i)
                         for p, i in zip(platforms.to_pylist(), ids.to_pylist(), strict=True)],
                        pa.string())

    handles = sorted(policy.handles)
    public = [f"coalesce(followers, 0) >= {int(policy.min_followers)}"]
    if policy.verified:
        public.append("coalesce(verified, false)")
    if handles:
        public.append("lower(handle) IN (SELECT unnest(?::VARCHAR[]))")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _public_authors AS
        SELECT DISTINCT platform, author_id FROM accounts WHERE {' OR '.join(public)}""",
                [handles] if handles else None)
    # every stored post whose author is public: the only post ids kept as they are
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _public_posts AS
        SELECT p.platform, p.post_id FROM posts p SEMI JOIN _public_authors a
        ON p.platform = a.platform AND p.author_id = a.author_id""")
    public, named = _handles(con, key)

    def texts(platforms: pa.Array, values: pa.Array) -> pa.Array:
        return pa.array([scrub_mentions(t, public.get(p, set()), named.get(p, {}))
                         for p, t in zip(platforms.to_pylist(), values.to_pylist(), strict=True)],
                        pa.string())

    for name, fn in (("gs_acct", accounts), ("gs_post", posts), ("gs_text", texts)):
        try:
            con.remove_function(name)
        except (duckdb.InvalidInputException, duckdb.CatalogException):
            pass
        con.create_function(name, fn, ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow",
                            null_handling="special")


def _handles(con: duckdb.DuckDBPyConnection, key: bytes,
             ) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """Per platform: the lower-case handles of public accounts (``_public_authors``), and
    every other handle the store can tie to an account (accounts, handle history, mentions)
    with its pseudonym."""
    public: dict[str, set[str]] = {}
    named: dict[str, dict[str, str]] = {}
    rows = con.execute("""
        SELECT platform, author_id, handle FROM accounts WHERE handle IS NOT NULL
        UNION SELECT platform, author_id, handle FROM handles
        UNION SELECT platform, mentioned_author_id, handle FROM mentions
              WHERE mentioned_author_id IS NOT NULL AND handle <> ''""").fetchall()
    figures = set(con.execute("SELECT platform, author_id FROM _public_authors").fetchall())
    for platform, author, handle in rows:
        low = handle.lower().lstrip("@")
        # Mastodon's texts write a mention as ``@user``: its acct ``user@domain`` too
        forms = (low, low.split("@", 1)[0]) if "@" in low else (low,)
        if (platform, author) in figures:
            public.setdefault(platform, set()).update(forms)
        else:
            mine = named.setdefault(platform, {})
            mine[low] = pseudonym(key, platform, author)
            for form in forms[1:]:
                mine.setdefault(form, mine[low])
    for platform, handles in public.items():  # a figure's handle is theirs, whoever else had it
        for low in handles:
            named.get(platform, {}).pop(low, None)
    return public, named


def _is_public_author(alias: str, column: str = "author_id") -> str:
    return (f"EXISTS (SELECT 1 FROM _public_authors a WHERE a.platform = {alias}.platform "
            f"AND a.author_id = {alias}.{column})")


def _post(alias: str, column: str) -> str:
    """A post id, kept only if the post is a public author's."""
    return (f"CASE WHEN {alias}.{column} IS NULL OR EXISTS (SELECT 1 FROM _public_posts q "
            f"WHERE q.platform = {alias}.platform AND q.post_id = {alias}.{column}) "
            f"THEN {alias}.{column} ELSE gs_post({alias}.platform, {alias}.{column}) END")


def _account(alias: str, column: str) -> str:
    return (f"CASE WHEN {alias}.{column} IS NULL OR {_is_public_author(alias, column)} "
            f"THEN {alias}.{column} ELSE gs_acct({alias}.platform, {alias}.{column}) END")


def _if_public(alias: str, expr: str, otherwise: str = "NULL") -> str:
    return f"CASE WHEN {_is_public_author(alias)} THEN {expr} ELSE {otherwise} END"


def _posts_select(table: str, columns: list[str]) -> str:
    exprs = {
        "post_id": _post("t", "post_id"),
        "author_id": _account("t", "author_id"),
        "reply_to_post_id": _post("t", "reply_to_post_id"),
        "reply_to_author_id": _account("t", "reply_to_author_id"),
        "repost_of_post_id": _post("t", "repost_of_post_id"),
        "quote_of_post_id": _post("t", "quote_of_post_id"),
        "conversation_id": _post("t", "conversation_id"),
        # a public figure's repost of a private post carries that post's text ("RT @x: …")
        "text": _if_public("t", "CASE WHEN t.repost_of_post_id IS NULL OR EXISTS (SELECT 1 "
                                "FROM _public_posts q WHERE q.platform = t.platform AND "
                                "q.post_id = t.repost_of_post_id) THEN "
                                "gs_text(t.platform, t.text) END"),
        "created_at": _if_public("t", "t.created_at", "date_trunc('hour', t.created_at)"),
        "claimed_at": _if_public("t", "t.claimed_at", "date_trunc('hour', t.claimed_at)"),
        "source_file": _if_public("t", "t.source_file"),
        "source_line": _if_public("t", "t.source_line"),
    }
    return _select(table, columns, exprs)


def _select(table: str, columns: list[str], exprs: dict[str, str]) -> str:
    parts = [f"{exprs[c]} AS {c}" if c in exprs else f"t.{c}" for c in columns]
    return f"SELECT {', '.join(parts)} FROM {table} t"


def private_select(table: str, columns: list[str]) -> str | None:
    """The SELECT that reads ``table`` for a private export (None: the table is left out).
    Columns are the table's own, in its order."""
    if table in LEFT_OUT:
        return None
    if table in ("posts", "hidden_posts"):
        return _posts_select(table, columns)
    if table == "accounts":
        return _select(table, columns, {
            "author_id": _account("t", "author_id"),
            **{c: _if_public("t", f"t.{c}") for c in
               ("handle", "display_name", "followers", "created_at")},
        })
    if table == "handles":
        return _select(table, columns, {}) + f" WHERE {_is_public_author('t')}"
    if table == "mentions":
        mentioned = ("EXISTS (SELECT 1 FROM _public_authors a WHERE a.platform = t.platform "
                     "AND a.author_id = t.mentioned_author_id)")
        return _select(table, columns, {
            "post_id": _post("t", "post_id"),
            "handle": f"CASE WHEN {mentioned} THEN t.handle ELSE '' END",
            "mentioned_author_id": _account("t", "mentioned_author_id"),
        })
    if table in ("post_hashtags", "labels", "post_versions"):
        return _select(table, columns, {
            "post_id": _post("t", "post_id"),
            "source_file": "NULL", "source_line": "NULL"})
    if table == "local_ids":
        return _select(table, columns, {"post_id": _post("t", "post_id")}) + (
            " WHERE EXISTS (SELECT 1 FROM _public_posts q WHERE q.platform = t.platform "
            "AND q.post_id = t.post_id)")
    if table == "deletions":
        return _select(table, columns, {
            "post_id": "gs_post(t.platform, t.post_id)",
            "source_file": "NULL", "source_line": "NULL"})
    if table == "account_deletions":
        return _select(table, columns, {
            "author_id": "gs_acct(t.platform, t.author_id)",
            "source_file": "NULL", "source_line": "NULL"})
    return _select(table, columns, {})
