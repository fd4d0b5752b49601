"""Forgetting an account or a post: ``groundswell forget`` (docs/privacy.md#forgetting).

Why: a person who told strangers about an assault may later ask to be left out of a study,
and platforms tell us when an account is deleted. Forgetting must then be complete: the posts
and everything derived from them, the account and its handles, mentions naming it, quarantined
lines holding it, its rows in every Parquet export Groundswell wrote, and the bytes of all that
in the store's file. A tombstone (a salted digest, :mod:`groundswell.tombstones`) keeps
a later ingest of old files from bringing it back, as deletes' tombstones do.

Three steps, one function each, shared by the command and by ingest (a deleted account, a
Twitter user-compliance delete: ``Store._forget_departed``):

1. :func:`~groundswell.erase.erase`: inside the caller's transaction, the rows go and the
   tombstones come; ``forget_state.pending`` says the next steps are due;
2. :func:`~groundswell.erase.finish`: each recorded export is cleaned, file by file, then the
   store's file is rewritten (``Store.compact``), which clears ``pending``;
3. :func:`forget` (here) runs both for accounts, handles or posts named by the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from groundswell import schema, tombstones
from groundswell.erase import clean_exports, erase, finish, pending

if TYPE_CHECKING:
    from groundswell.store import Store

#: Platforms an id that is nowhere in the store may belong to (see :func:`_guess`).
PLATFORMS = ("twitter", "bluesky", "mastodon")
#: What a line of an ``--ids`` file may name (``kind:value``).
ID_KINDS = ("account", "handle", "post")


# -- the request ---------------------------------------------------------------------------------
def parse_ids(lines: Iterable[str], kind: str | None = None) -> dict[str, list[str]]:
    """The ids of an ``--ids`` file: one a line, ``account:ID``, ``handle:H`` or ``post:ID``
    (only the first colon separates: DIDs and uris keep theirs), or a bare id of ``kind``.
    Blank lines and ``#`` comments are skipped. ValueError names a line without a kind."""
    found: dict[str, list[str]] = {k: [] for k in ID_KINDS}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, rest = line.partition(":")
        if sep and head.strip().lower() in ID_KINDS and rest.strip():
            found[head.strip().lower()].append(rest.strip())
        elif kind is not None:
            found[kind].append(line)
        else:
            raise ValueError(f"line {number} ({line[:40]!r}) does not say what it names: write "
                             "account:ID, handle:H or post:ID, or give --kind")
    return found


def _account_id(value: str) -> str:
    """An account id as typed: ``@ann@example.org`` is Mastodon's ``ann@example.org``."""
    value = value.strip()
    return value[1:] if value.startswith("@") and "@" in value[1:] else value


def _guess(value: str, kind: str) -> list[str]:
    """The platforms an id found nowhere in the store may belong to, by its shape."""
    if value.startswith(("did:", "at://")):
        return ["bluesky"]
    if value.startswith(("http://", "https://")) or (kind == "account" and "@" in value):
        return ["mastodon"]
    if value.isdigit():
        return ["twitter"]
    return list(PLATFORMS)


def resolve(store: Store, accounts: Sequence[str] = (), handles: Sequence[str] = (),
            posts: Sequence[str] = (), platform: str | None = None) -> dict[str, Any]:
    """The ``(platform, id)`` pairs the request names, found in the store (any platform unless
    ``platform``). An account or post id found nowhere is tombstoned on the platform its
    shape says (listed in ``not_in_store``); a handle found nowhere names nobody
    (``not_found``)."""
    con = store.con
    request = [("account", _account_id(a)) for a in accounts if a.strip()]
    request += [("handle", h.strip().lstrip("@").lower()) for h in handles if h.strip()]
    request += [("post", p.strip()) for p in posts if p.strip()]
    con.execute("CREATE OR REPLACE TEMP TABLE forget_request (kind VARCHAR, value VARCHAR)")
    if request:
        con.executemany("INSERT INTO forget_request VALUES (?, ?)", request)
    only = "" if platform is None else "WHERE platform = $platform"
    params = {} if platform is None else {"platform": platform}
    known_accounts = con.execute(f"""
        SELECT DISTINCT x.platform, x.author_id, r.value, r.kind FROM forget_request r JOIN (
            SELECT * FROM (
                SELECT platform, author_id FROM accounts
                UNION SELECT platform, author_id FROM posts
                UNION SELECT platform, author_id FROM hidden_posts
                UNION SELECT platform, author_id FROM account_deletions
                UNION SELECT platform, mentioned_author_id FROM mentions
                    WHERE mentioned_author_id IS NOT NULL) {only}) x
        ON r.kind = 'account' AND x.author_id = r.value
        UNION
        SELECT DISTINCT x.platform, x.author_id, r.value, r.kind FROM forget_request r JOIN (
            SELECT * FROM (
                SELECT platform, author_id, lower(handle) AS handle FROM accounts
                UNION SELECT platform, author_id, lower(handle) FROM handles) {only}) x
        ON r.kind = 'handle' AND x.handle = r.value""", params).fetchall()
    known_posts = con.execute(f"""
        SELECT DISTINCT x.platform, x.post_id, r.value FROM forget_request r JOIN (
            SELECT * FROM (SELECT platform, post_id FROM posts
                           UNION SELECT platform, post_id FROM hidden_posts
                           UNION SELECT platform, post_id FROM deletions) {only}) x
        ON r.kind = 'post' AND x.post_id = r.value""", params).fetchall()
    con.execute("DROP TABLE forget_request")
    found = {(kind, value) for _, _, value, kind in known_accounts}
    found |= {("post", value) for _, _, value in known_posts}
    chosen_accounts = {(p, a) for p, a, _, _ in known_accounts}
    chosen_posts = {(p, i) for p, i, _ in known_posts}
    not_in_store, not_found = [], []
    for kind, value in request:
        if (kind, value) in found:
            continue
        if kind == "handle":
            not_found.append(f"handle:{value}")
            continue
        not_in_store.append(f"{kind}:{value}")
        for p in [platform] if platform else _guess(value, kind):
            (chosen_accounts if kind == "account" else chosen_posts).add((p, value))
    handles_given = {(p, v) for p, _, v, kind in known_accounts if kind == "handle"}
    owners: dict[str, set] = {}
    for p, a, value, kind in known_accounts:
        if kind == "handle":
            owners.setdefault(value, set()).add((p, a))
    return {"accounts": sorted(chosen_accounts), "posts": sorted(chosen_posts),
            "handles": sorted(handles_given), "not_in_store": not_in_store,
            "not_found": not_found,
            # a handle reused (Twitter), or the same on two platforms: every holder goes
            "shared_handles": sorted(h for h, o in owners.items() if len(o) > 1)}


def _targets(con: duckdb.DuckDBPyConnection, resolved: dict[str, Any]) -> None:
    """The temporary tables :func:`erase` reads: what is being forgotten, in clear."""
    for name, columns, rows in (("forget_accounts", "platform VARCHAR, author_id VARCHAR",
                                 resolved["accounts"]),
                                ("forget_posts", "platform VARCHAR, post_id VARCHAR",
                                 resolved["posts"]),
                                ("forget_handles", "platform VARCHAR, handle VARCHAR",
                                 resolved["handles"])):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        if rows:
            con.executemany(f"INSERT INTO {name} VALUES (?, ?)", rows)


def is_forgotten(store: Store, platform: str, *, account: str | None = None,
                 post: str | None = None, handle: str | None = None) -> bool:
    """Whether a tombstone forgets this account, post or handle (tested by its digest: the
    store holds no list of what it forgot)."""
    kind, value = next(((k, v) for k, v in (("account", account), ("post", post),
                                            ("handle", handle)) if v is not None),
                       (None, None))
    if kind is None:
        raise ValueError("name an account, a post or a handle")
    if kind == "handle":
        value = value.lstrip("@").lower()
    rows = store.con.execute("SELECT salt FROM forget_state LIMIT 1").fetchall()
    if not rows:
        return False
    found = tombstones.digest(rows[0][0], kind, platform, value)
    return bool(store.con.execute("SELECT count(*) FROM forgotten WHERE kind = ? AND "
                                  "digest = ?", [kind, found]).fetchall()[0][0])


# -- 3. forget -----------------------------------------------------------------------------------
def forget(store: Store, *, accounts: Sequence[str] = (), handles: Sequence[str] = (),
           posts: Sequence[str] = (), platform: str | None = None, dry_run: bool = False,
           compact: bool = True) -> dict[str, Any]:
    """Forget accounts (platform-native ids: Twitter user id, Bluesky DID, Mastodon
    ``user@domain``), accounts by handle (any handle they were seen with), and posts, on
    ``platform`` or wherever they are found; see docs/privacy.md#forgetting for what goes
    and what stays.

    One transaction removes the rows and adds the tombstones; then every recorded export is
    cleaned and (``compact``) the file rewritten, so that no byte of it remains
    (``Store.compact``: the store stays usable, on a new connection). ``dry_run`` counts
    what would go and changes nothing. Returns the summary (see :func:`summary`)."""
    if platform is not None and platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    if not (accounts or handles or posts):
        raise ValueError("nothing to forget: name an account, a handle or a post")
    con = store.con
    con.execute("BEGIN")
    try:
        resolved = resolve(store, accounts, handles, posts, platform)
        if not (resolved["accounts"] or resolved["posts"]):  # only handles that name nobody
            con.execute("ROLLBACK")
            return summary(resolved, dict.fromkeys(_COUNTS, 0),
                           {**_NOTHING_DONE, "exports_cleaned": [], "exports_not_cleaned": []},
                           dry_run)
        _targets(con, resolved)
        counts = erase(store, reason="forget")
        if dry_run:
            cleaned, refused, export_rows = clean_exports(store, write=False)
            finished = {"exports_cleaned": cleaned, "exports_not_cleaned": refused,
                        "export_rows_removed": export_rows, "compacted": False}
            con.execute("ROLLBACK")
        else:
            con.execute("COMMIT")
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 — already rolled back: the first error matters
            pass
        store._forgotten = None
        from groundswell.store import _write_failure

        failure = _write_failure(exc, store.path, "forgetting in", "nothing was forgotten")
        if failure is None:
            raise
        raise failure from exc
    if dry_run:
        store._forgotten = None
    else:
        finished = finish(store, compact=compact)
    return summary(resolved, counts, finished, dry_run)


def summary(resolved: dict[str, Any], counts: dict[str, Any], finished: dict[str, Any],
            dry_run: bool) -> dict[str, Any]:
    """What a forgetting did (or, ``dry_run``, would do): JSON-ready."""
    removed = {t: n for t, n in counts.items()
               if t in _ROW_TABLES or (t not in _COUNTS and isinstance(n, int))}
    return {
        "dry_run": dry_run,
        "accounts_forgotten": len(resolved["accounts"]),
        "posts_forgotten": len(resolved["posts"]),
        "posts_removed": counts["own_posts"],
        "reposts_removed": counts["reposts"],
        "accounts_removed": counts.get("accounts", 0),
        "handles_removed": counts.get("handles", 0),
        "hashtags_removed": counts.get("post_hashtags", 0),
        "mentions_removed": counts.get("mentions", 0),
        "labels_removed": counts.get("labels", 0),
        "quarantine_removed": counts.get("quarantine", 0),
        "pointers_masked": counts["masked"],
        "rows_removed": dict(sorted(removed.items())),
        "tombstones_added": counts["tombstones"],
        "not_in_store": resolved["not_in_store"],
        "not_found": resolved["not_found"],
        "shared_handles": resolved["shared_handles"],
        **finished,
    }


#: Keys of :func:`erase`'s counts that are not tables.
_COUNTS = ("own_posts", "reposts", "masked", "tombstones")
_NOTHING_DONE = {"exports_cleaned": [], "exports_not_cleaned": [], "export_rows_removed": 0,
                 "compacted": False}
_ROW_TABLES = tuple(schema.TABLES) + tuple(schema.STAGING)


__all__ = ["clean_exports", "erase", "finish", "forget", "is_forgotten", "parse_ids", "pending",
           "resolve", "summary"]
