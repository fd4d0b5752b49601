"""Erasing what is forgotten, in the store and in its exports: the storage side of
``groundswell forget`` (:mod:`groundswell.privacy.forget`) and of accounts that leave their
platform (``Store._forget_departed``).

Why here, below the store's users: the store itself forgets a deleted account while it settles
an ingest, and an ingest finishes what that left due, so the rows' removal (:func:`erase`) and
the cleaning of exports and of the file (:func:`finish`) belong with storage; choosing *what*
to forget (ids, handles, ``--ids`` files) stays with the command (docs/privacy.md#forgetting).

1. :func:`erase`: inside the caller's transaction, the rows go and the tombstones come (from
   every table, a campaign's live state included: its totals are emptied when it loses a
   row); ``forget_state.pending`` says the next step is due;
2. :func:`finish`: each recorded export is cleaned, file by file, then the store's file is
   rewritten (``Store.compact``), which clears ``pending``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

from groundswell import tombstones
from groundswell.keys import fingerprint, post_pseudonym, pseudonym
from groundswell.schema import MANIFEST


class Store(Protocol):
    """What erasing needs of a store (:class:`groundswell.store.Store`, which calls it while
    it settles an ingest: so this module names no store class)."""

    con: duckdb.DuckDBPyConnection
    path: Path
    _forgotten: bool | None

    @property
    def pseudonym_key(self) -> bytes: ...

    def compact(self, finish: Callable[[str], None] | None = None) -> None: ...

STALE_KEY = "could not clean: written under an earlier key; delete or re-export it"
#: An export that failed to be cleaned (a file not writable, damaged): the forgetting stays
#: due until it is (``groundswell forget --pending``).
FAILED = "could not clean, fix this and run `groundswell forget --pending`"
MISSING = "not found (moved or deleted): nothing to clean"

_OWN = ("(platform, author_id) IN (SELECT platform, author_id FROM forget_accounts) "
        "OR (platform, post_id) IN (SELECT platform, post_id FROM forget_posts)")
_BOTH = ("posts", "hidden_posts")


# -- 1. erase ------------------------------------------------------------------------------------
def erase(store: Store, reason: str = "forget") -> dict[str, Any]:
    """Forget what the temporary table ``forget_accounts`` (and, if present,
    ``forget_posts`` and ``forget_handles``) names, inside the caller's transaction: remove
    every row the rules condemn (:mod:`groundswell.tombstones`) from every table of
    the store, mask other posts' pointers at it, add the tombstones, and mark the exports and
    the file as due (``forget_state.pending``). Returns rows removed per table, and
    ``posts`` (shown posts removed), ``own_posts``, ``reposts``, ``masked``,
    ``tombstones``."""
    con = store.con
    tombstones.install(con, tombstones.salt(con))
    for name, columns in (("forget_posts", "platform VARCHAR, post_id VARCHAR"),
                          ("forget_handles", "platform VARCHAR, handle VARCHAR")):
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    gone = _gone_posts(con)
    _named_posts(con)
    _replace(con, "forget_handles", """
        SELECT DISTINCT platform, lower(ltrim(handle, '@')) AS handle FROM (
            SELECT platform, author_id, handle FROM accounts
            UNION ALL SELECT platform, author_id, handle FROM handles
            UNION ALL SELECT platform, author_id, handle FROM account_snapshots)
        WHERE handle IS NOT NULL AND handle <> ''
          AND (platform, author_id) IN (SELECT platform, author_id FROM forget_accounts)
        UNION SELECT platform, handle FROM forget_handles""")
    profiles = con.execute(
        "SELECT count(*) FROM accounts WHERE (platform, author_id) IN (SELECT platform, "
        "author_id FROM forget_accounts) AND (handle IS NOT NULL OR display_name IS NOT NULL "
        "OR followers IS NOT NULL)").fetchall()[0][0]
    counts: dict[str, Any] = {"own_posts": gone[0], "reposts": gone[1],
                              "tombstones": _bury(con, reason)}
    if con.execute("SELECT count(*) FROM exports WHERE private").fetchall()[0][0]:
        _remember_pseudonyms(store)
    m = tombstones.by_table()
    removed: dict[str, int] = {}
    for table, columns in _tables(con).items():
        gone_sql = tombstones.condemned(table, columns, m, table)
        if gone_sql:
            removed[table] = con.execute(f"DELETE FROM {table} WHERE {gone_sql}"
                                         ).fetchall()[0][0]
    masked = 0
    for table, columns in _tables(con).items():
        changes = tombstones.masks(columns, m)
        if changes:
            sets = ", ".join(f"{c} = {sql}" for c, sql in changes.items())
            masked += con.execute(f"UPDATE {table} SET {sets} WHERE "
                                  f"{tombstones.masked(columns, m)}").fetchall()[0][0]
    _clear_live_totals(con, removed)
    counts.update(removed, posts=removed.get("posts", 0), masked=masked)
    # a notice that names nothing else (a deleted account never seen otherwise) leaves too
    # little in the file to rewrite it for; anything more is due (exports, compaction)
    content = sum(n for t, n in removed.items() if t not in ("accounts", "account_deletions"))
    if content or profiles or masked or reason == "forget":
        con.execute("UPDATE forget_state SET pending = true")
    for name in ("forget_accounts", "forget_posts", "forget_handles", "forget_gone"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    store._forgotten = True
    return counts


#: A table of a campaign's live state (:mod:`groundswell.live`): ``live_<state>_<part>``.
_LIVE = re.compile(r"live_([0-9a-f]{12})_[a-z_]+")


def _clear_live_totals(con: duckdb.DuckDBPyConnection, removed: dict[str, int]) -> None:
    """A campaign's live state (the dashboard's, kept by a live writer) holds rows naming posts
    and accounts, which the rules removed above like any other table's, and totals that count
    them without naming them. A state that lost a row loses its totals too (emptied here; the
    state recomputes them from the rows left), so that nothing forgotten stays counted."""
    states = {m.group(1) for t, n in removed.items() if n and (m := _LIVE.fullmatch(t))}
    if not states:
        return
    rules = tombstones.by_table()
    for table, columns in _tables(con).items():
        found = _LIVE.fullmatch(table)
        if found and found.group(1) in states and \
                tombstones.condemned(table, columns, rules, table) is None:
            con.execute(f"DELETE FROM {table}")


def _gone_posts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """``forget_gone``: the posts that go (shown or hidden): the forgotten accounts' and the
    named ones, then reposts of them by anyone, to a fixed point; all join ``forget_posts``.
    Returns (own posts, others' reposts)."""
    union = " UNION ".join(f"SELECT platform, post_id, true AS own FROM {t} WHERE {_OWN}"
                           for t in _BOTH)
    con.execute(f"CREATE OR REPLACE TEMP TABLE forget_gone AS {union}")
    reposts = " UNION ALL ".join(f"SELECT platform, post_id, repost_of_post_id FROM {t}"
                                 for t in _BOTH)
    while con.execute(f"""
            INSERT INTO forget_gone SELECT DISTINCT platform, post_id, false FROM ({reposts})
            WHERE (platform, repost_of_post_id) IN (SELECT platform, post_id FROM forget_gone
                                                   UNION SELECT platform, post_id
                                                   FROM forget_posts)
              AND (platform, post_id) NOT IN (SELECT platform, post_id FROM forget_gone)
            """).fetchall()[0][0]:
        pass
    con.execute("INSERT INTO forget_posts SELECT platform, post_id FROM forget_gone")
    return tuple(con.execute("SELECT count(*) FILTER (WHERE own), count(*) FILTER (WHERE NOT "
                             "own) FROM forget_gone").fetchall()[0])


def _named_posts(con: duckdb.DuckDBPyConnection) -> None:
    """Add to ``forget_posts`` the forgotten accounts' posts the store names without holding
    them: a reply's parent by a forgotten author, and (Bluesky, Mastodon) any pointer,
    delete or local id whose uri names a forgotten author. They get tombstones too."""
    accounts = "(SELECT platform, author_id FROM forget_accounts)"
    named = []
    for t in _BOTH:
        named.append(f"SELECT platform, reply_to_post_id FROM {t} WHERE reply_to_post_id IS "
                     f"NOT NULL AND (platform, reply_to_author_id) IN {accounts}")
        for column in tombstones.POINTERS.keys() - {"reply_to_author_id"} | {
                "repost_of_post_id"}:
            named.append(f"SELECT platform, {column} FROM {t} WHERE platform IN ('bluesky', "
                         f"'mastodon') AND (platform, gs_uri_author(platform, {column})) "
                         f"IN {accounts}")
    for t in ("deletions", "local_ids"):
        named.append(f"SELECT platform, post_id FROM {t} WHERE platform IN ('bluesky', "
                     f"'mastodon') AND (platform, gs_uri_author(platform, post_id)) "
                     f"IN {accounts}")
    _replace(con, "forget_posts", "SELECT DISTINCT platform, post_id FROM (SELECT platform, "
             "post_id FROM forget_posts UNION ALL " + " UNION ALL ".join(named)
             + ") WHERE post_id IS NOT NULL")


def _replace(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """Replace a temporary table by a SELECT that reads it."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_next AS {select}")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {table}_next RENAME TO {table}")


def _bury(con: duckdb.DuckDBPyConnection, reason: str) -> int:
    """The tombstones of what is forgotten; returns how many are new."""
    now = datetime.now(UTC).replace(tzinfo=None)
    added = 0
    for kind, table, column in (("account", "forget_accounts", "author_id"),
                                ("post", "forget_posts", "post_id"),
                                ("handle", "forget_handles", "handle")):
        added += con.execute(
            f"INSERT OR IGNORE INTO forgotten SELECT DISTINCT '{kind}', platform, "
            f"gs_digest('{kind}', platform, {column}), ?::TIMESTAMP, ? FROM {table}",
            [now, reason]).fetchall()[0][0]
    return added


def _remember_pseudonyms(store: Store) -> None:
    """Keep, until the exports are cleaned (:func:`finish`), the keyed pseudonyms under
    which private exports hold the forgotten accounts and posts (they hold no ids)."""
    con, key = store.con, store.pseudonym_key
    accounts = con.execute("SELECT platform, author_id FROM forget_accounts").fetchall()
    posts = con.execute("SELECT platform, post_id FROM forget_posts").fetchall()
    rows = [("account", pseudonym(key, p, a)) for p, a in accounts]
    # private exports hold every deletion's id as a post pseudonym: user compliance too
    rows += [("post", post_pseudonym(key, p, i)) for p, i in posts + accounts]
    if rows:
        con.executemany("INSERT INTO forget_pseudonyms VALUES (?, ?)", rows)


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table of the store (canonical, staging and any other, such as a campaign's state)
    and its columns: the rules apply to whatever holds a post's or an account's id."""
    found: dict[str, list[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main' AND NOT internal "
            "AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = "
            "current_database() AND schema_name = 'main' AND NOT temporary) "
            "ORDER BY table_name, column_index").fetchall():
        found.setdefault(table, []).append(column)
    return {t: c for t, c in found.items() if t not in tombstones.EXEMPT}


# -- 2. finish -----------------------------------------------------------------------------------
def pending(store: Store) -> bool:
    """Whether a forgetting still has exports to clean and the file to compact."""
    rows = store.con.execute("SELECT pending FROM forget_state LIMIT 1").fetchall()
    return bool(rows and rows[0][0])


def finish(store: Store, compact: bool = True) -> dict[str, Any]:
    """What a forgetting leaves due (``forget_state.pending``): clean every recorded export,
    then (``compact``) rewrite the store's file, which clears ``pending`` and forgets the
    pseudonyms kept for the exports. Nothing to do: returns at once (one query)."""
    done: dict[str, Any] = {"exports_cleaned": [], "exports_not_cleaned": [],
                            "export_rows_removed": 0, "compacted": False}
    if not pending(store):
        return done
    cleaned, refused, rows = clean_exports(store, write=True)
    done.update(exports_cleaned=cleaned, exports_not_cleaned=refused, export_rows_removed=rows)
    failed = any(r["reason"].startswith(FAILED) for r in refused)
    if compact:
        def settle(alias: str) -> None:
            if failed:  # the export must be cleaned again: still due, pseudonyms kept
                return
            store.con.execute(f"UPDATE {alias}.forget_state SET pending = false")
            store.con.execute(f"DELETE FROM {alias}.forget_pseudonyms")

        store.compact(settle)
        done["compacted"] = str(store.path) != ":memory:"
    return done


def clean_exports(store: Store, write: bool) -> tuple[list[str], list[dict[str, str]], int]:
    """Remove the forgotten rows from every recorded export (:meth:`Store.record_export`),
    each file rewritten in place atomically (``write``; else only counted). Returns the
    exports cleaned, those not (path and reason) and the rows removed."""
    con = store.con
    exports = con.execute("SELECT path, private, key_fingerprint FROM exports ORDER BY path"
                          ).fetchall()
    cleaned: list[str] = []
    refused: list[dict[str, str]] = []
    rows = 0
    if not exports:
        return cleaned, refused, rows
    tombstones.install(con, tombstones.salt(con))
    current = fingerprint(store.pseudonym_key) if any(e[1] for e in exports) else None
    for path, private, key_fingerprint in exports:
        folder = Path(path)
        if not (folder / MANIFEST).is_file():
            refused.append({"path": path, "reason": MISSING})
            continue
        stale = bool(private) and key_fingerprint != current
        # an export under an earlier key still loses what it holds in clear (public accounts)
        try:
            rows += _clean_export(con, folder,
                                  tombstones.by_digest(bool(private) and not stale), write)
        except (OSError, ValueError, duckdb.Error) as exc:
            refused.append({"path": path, "reason": f"{FAILED}: {exc}"})
            continue
        if stale:
            refused.append({"path": path, "reason": STALE_KEY})
        else:
            cleaned.append(path)
    return cleaned, refused, rows


def _clean_export(con: duckdb.DuckDBPyConnection, folder: Path, m: tombstones.Match,
                  write: bool) -> int:
    """One export folder (layout: groundswell.export): every Parquet file of every table,
    rewritten without its forgotten rows and with pointers masked; the manifest's row counts
    follow. Returns rows removed."""
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    total = 0
    try:
        for table, info in manifest.get("tables", {}).items():
            for file in sorted((folder / table).rglob("*.parquet")):
                removed = _clean_file(con, table, folder / table, file, m, write)
                if removed and isinstance(info, dict) and isinstance(info.get("rows"), int):
                    info["rows"] -= removed
                total += removed
    finally:  # the files rewritten so far, even if a later one failed
        if write and total:
            _replace_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    return total


def _clean_file(con: duckdb.DuckDBPyConnection, table: str, top: Path, file: Path,
                m: tombstones.Match, write: bool) -> int:
    """One Parquet file of ``table``; returns its rows removed. Its platform, for a
    partitioned table, is in its folder's name (``platform=P``), not in the file."""
    quoted = str(file).replace("'", "''")
    columns = [r[0] for r in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{quoted}', hive_partitioning = false)"
        ).fetchall()]
    platform = next((part.split("=", 1)[1] for part in file.parent.relative_to(top).parts
                     if part.startswith("platform=")), None)
    extra = ""
    if platform is not None and "platform" not in columns:
        extra = ", '" + platform.replace("'", "''") + "' AS platform"
    con.execute(f"CREATE OR REPLACE TEMP VIEW gs_export_rows AS SELECT *{extra} FROM "
                f"read_parquet('{quoted}', hive_partitioning = false)")
    every = [*columns, *(["platform"] if extra else [])]
    gone = tombstones.condemned(table, every, m, "gs_export_rows")
    changed = tombstones.masked(every, m)
    try:
        removed, masked = con.execute(
            f"SELECT count(*) FILTER (WHERE {gone or 'false'}), "
            f"count(*) FILTER (WHERE {changed or 'false'}) FROM gs_export_rows").fetchall()[0]
        if write and (removed or masked):
            kept = tombstones.kept_select(table, every, m, "gs_export_rows")
            names = ", ".join(columns)
            tmp = file.with_name(f".{file.name}.forget-{os.getpid()}")
            tmp_quoted = str(tmp).replace("'", "''")
            try:
                con.execute(f"COPY (SELECT {names} FROM ({kept})) TO '{tmp_quoted}' "
                            "(FORMAT parquet, COMPRESSION zstd)").fetchall()
                os.replace(tmp, file)
            finally:
                tmp.unlink(missing_ok=True)
    finally:
        con.execute("DROP VIEW IF EXISTS gs_export_rows")
    return removed


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.forget-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
