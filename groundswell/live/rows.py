"""The state's rows: posts coming in and going out, with rule 3 kept in step.

Why rows and not only totals: a post that leaves (deleted, its account deleted or deactivated,
edited) has left the store by the time the state hears of it, yet its hour, kind, author and
tags are what the totals must give back; and whether a repost matches depends on an original
that may arrive later, or leave. So the state keeps one row per stored post (``posts``: what
the totals need, about 50 bytes a post: one row each makes "the state's rows number the
store's posts" a check of everything the marks might miss), and two indexes for rule 3:
``direct`` (the direct matches that are not reposts) and ``reposts`` (the window's reposts
that are not direct matches, matched or waiting).

Every change lands in two temporary delta tables the totals are then updated from
(:mod:`~groundswell.live.totals`, :mod:`~groundswell.live.trending`): ``gs_live_dm``, the
matching posts that came (+1) or went (-1), and ``gs_live_dt``, the window's hashtag rows that
came or went. A post read again (an edit, a reactivated account) goes out and comes in: the
deltas cancel where nothing changed.

Joins run on DuckDB's 64-bit ``hash`` of the ids (the rows' ``h``, ``ph``: integers join and
scan several times faster than the strings), always confirmed on the ids themselves.
"""

from __future__ import annotations

import warnings

import duckdb

from groundswell.live import tables
from groundswell.live.rule import window_index_sql

DELTAS = {
    "gs_live_dm": "sign INTEGER, post_key BIGINT, platform VARCHAR, author_id VARCHAR, "
                  "ah UBIGINT, created_at TIMESTAMP, kind VARCHAR, tags VARCHAR[]",
    "gs_live_dt": "sign INTEGER, post_key BIGINT, tag VARCHAR, w BIGINT, author_id VARCHAR, "
                  "ah UBIGINT",
}
_DM = "post_key, platform, author_id, ah, created_at, kind, tags"
POST_COLUMNS = ("post_key, h, platform, post_id, author_id, ah, created_at, kind, "
                "repost_of_post_id, ph, in_window, direct, matched, tags")


class Rows:
    """The rows of one state inside the writer's open store (one update's transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, state: str, window_seconds: int):
        self.con = con
        self.t = {part: tables.name(state, part) for part in tables.PARTS}
        self.w = window_index_sql(window_seconds)
        self.admitted = 0
        self.retracted = 0
        self.outside = 0  # change in rows outside the window (the window's posts are the rest)
        #: earliest and latest time of the window's rows taken in, and of those given back
        self.came: tuple = (None, None)
        self.went: tuple = (None, None)

    def start(self) -> None:
        """Empty deltas for this update."""
        for name, columns in DELTAS.items():
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")

    def _count(self, sql: str, params: list | None = None) -> int:
        return self.con.execute(sql, params or []).fetchall()[0][0]

    # -- coming in ---------------------------------------------------------------------------
    def admit(self) -> int:
        """Take in ``gs_live_new`` (from :func:`~groundswell.live.rule.incoming`): rows
        already held under the same keys go first, then the new rows, rule 3 both ways (new
        reposts of stored originals, stored reposts of new originals). Returns rows taken."""
        con, t = self.con, self.t
        low, high = con.execute("SELECT min(post_key), max(post_key) FROM gs_live_keys"
                                ).fetchall()[0]
        if low is not None:  # the key range as constants: DuckDB skips the row groups outside
            self.retract(f"post_key BETWEEN {int(low)} AND {int(high)} "
                         "AND post_key IN (SELECT post_key FROM gs_live_keys)")
        n = self._count("SELECT count(*) FROM gs_live_new")
        if not n:
            return 0
        con.execute(f"INSERT INTO {t['posts']} SELECT {POST_COLUMNS} FROM gs_live_new "
                    "ORDER BY created_at NULLS FIRST, post_key")
        con.execute(f"INSERT INTO {t['direct']} SELECT post_key, h, platform, post_id, "
                    "author_id FROM gs_live_new WHERE direct AND kind <> 'repost'")
        con.execute(f"INSERT INTO {t['reposts']} SELECT post_key, ph, platform, post_id, "
                    "author_id, repost_of_post_id, false FROM gs_live_new "
                    "WHERE in_window AND kind = 'repost' AND NOT direct")
        # rule 3: the new reposts whose original is a direct match (stored or new), and the
        # stored reposts waiting for one of the new originals
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE gs_live_flip AS
            WITH r AS (SELECT post_key, ph, platform, repost_of_post_id FROM gs_live_new
                       WHERE in_window AND kind = 'repost' AND NOT direct),
                 d AS (SELECT h, platform, post_id FROM gs_live_new
                       WHERE direct AND kind <> 'repost')
            SELECT r.post_key FROM r
            JOIN (SELECT * FROM {t['direct']} WHERE h IN (SELECT ph FROM r)) o ON o.h = r.ph
            WHERE o.platform = r.platform AND o.post_id = r.repost_of_post_id
            UNION
            SELECT w.post_key FROM (SELECT * FROM {t['reposts']} WHERE NOT matched
                                    AND ph IN (SELECT h FROM d)) w
            JOIN d ON w.ph = d.h
            WHERE w.platform = d.platform AND w.repost_of_post_id = d.post_id""")
        self._set_matched(True)
        con.execute(f"INSERT INTO gs_live_dm SELECT 1, {_DM} FROM gs_live_new "
                    "WHERE matched OR post_key IN (SELECT post_key FROM gs_live_flip)")
        con.execute(f"INSERT INTO gs_live_dt SELECT 1, post_key, unnest(tags), {self.w}, "
                    "author_id, ah FROM gs_live_new WHERE in_window AND tags IS NOT NULL")
        self.admitted += n
        self.outside += self._count("SELECT count(*) FROM gs_live_new WHERE NOT in_window")
        self.came = _span(self.came, con, "gs_live_new")
        return n

    def _set_matched(self, value: bool) -> None:
        """Rule 3 flips the reposts in ``gs_live_flip`` to matching (or back); the stored
        ones (not in this update's ``gs_live_new``) enter the deltas here."""
        con, t = self.con, self.t
        if not self._count("SELECT count(*) FROM gs_live_flip"):
            return
        flag = "true" if value else "false"
        con.execute(f"UPDATE {t['reposts']} SET matched = {flag} "
                    "WHERE post_key IN (SELECT post_key FROM gs_live_flip)")
        old = ("post_key IN (SELECT post_key FROM gs_live_flip) AND post_key NOT IN "
               "(SELECT post_key FROM gs_live_new)") if value else \
            "post_key IN (SELECT post_key FROM gs_live_flip)"
        if value:
            con.execute("UPDATE gs_live_new SET matched = true "
                        "WHERE post_key IN (SELECT post_key FROM gs_live_flip)")
        con.execute(f"INSERT INTO gs_live_dm SELECT {1 if value else -1}, {_DM} "
                    f"FROM {t['posts']} WHERE {old}")
        con.execute(f"UPDATE {t['posts']} SET matched = {flag} "
                    "WHERE post_key IN (SELECT post_key FROM gs_live_flip)")

    # -- going out ---------------------------------------------------------------------------
    def retract(self, where: str) -> int:
        """Remove the rows ``where`` selects (of ``posts``), give their counts back, and
        unmatch the reposts that matched only through one of them. Returns rows removed."""
        con, t = self.con, self.t
        with warnings.catch_warnings():  # "an extra copy": of the few rows that go
            warnings.simplefilter("ignore", UserWarning)
            gone = con.execute(f"DELETE FROM {t['posts']} WHERE {where} RETURNING *"
                               ).to_arrow_table()
        if not gone.num_rows:
            return 0
        con.register("gs_live_gone_rows", gone)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE gs_live_gone AS "
                        "SELECT * FROM gs_live_gone_rows")
        finally:
            con.unregister("gs_live_gone_rows")
        gone = gone.num_rows
        con.execute(f"INSERT INTO gs_live_dm SELECT -1, {_DM} FROM gs_live_gone WHERE matched")
        con.execute(f"INSERT INTO gs_live_dt SELECT -1, post_key, unnest(tags), {self.w}, "
                    "author_id, ah FROM gs_live_gone WHERE in_window AND tags IS NOT NULL")
        for part in ("direct", "reposts"):
            con.execute(f"DELETE FROM {t[part]} WHERE post_key IN "
                        "(SELECT post_key FROM gs_live_gone)")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE gs_live_flip AS
            WITH d AS (SELECT h, platform, post_id FROM gs_live_gone
                       WHERE direct AND kind <> 'repost')
            SELECT w.post_key FROM (SELECT * FROM {t['reposts']} WHERE matched
                                    AND ph IN (SELECT h FROM d)) w
            JOIN d ON w.ph = d.h
            WHERE w.platform = d.platform AND w.repost_of_post_id = d.post_id""")
        self._set_matched(False)
        self.retracted += gone
        self.outside -= self._count("SELECT count(*) FROM gs_live_gone WHERE NOT in_window")
        self.went = _span(self.went, con, "gs_live_gone")
        return gone

    def retract_deleted(self, after_rowid: int) -> int:
        """The posts deleted since the mark (rows of ``deletions`` after it; -1: all)."""
        self.con.execute("CREATE OR REPLACE TEMP TABLE gs_live_dels AS SELECT DISTINCT "
                         "hash(platform, post_id) AS h, platform, post_id FROM deletions "
                         "WHERE rowid > ?", [after_rowid])
        if not self._count("SELECT count(*) FROM gs_live_dels"):
            return 0
        # the three columns at once: DuckDB then probes a hash table of the few deletes
        # (measured at 10M rows: 15 ms, against 50-120 ms for the hash alone, then the ids)
        return self.retract("(h, platform, post_id) IN (SELECT h, platform, post_id "
                            "FROM gs_live_dels)")

    def follow_hidden(self) -> str | None:
        """The posts of accounts deactivated, suspended or taken down since the mark go (the
        store moved them to ``hidden_posts``); those of accounts back since come in again
        under their old keys. The state mirrors ``hidden_posts`` to tell the two apart.
        Returns a condition on ``posts`` selecting the posts back (None: none)."""
        con, mirror = self.con, self.t["hidden"]
        con.execute(f"CREATE OR REPLACE TEMP TABLE gs_live_hid AS SELECT post_key, platform, "
                    f"post_id, author_id FROM hidden_posts EXCEPT SELECT * FROM {mirror}")
        self.retract("(post_key, platform, post_id) IN (SELECT post_key, platform, post_id "
                     "FROM gs_live_hid)")
        con.execute(f"INSERT INTO {mirror} SELECT * FROM gs_live_hid")
        con.execute(f"CREATE OR REPLACE TEMP TABLE gs_live_back AS SELECT post_key, platform, "
                    f"post_id FROM {mirror} EXCEPT SELECT post_key, platform, post_id "
                    "FROM hidden_posts")
        if not self._count("SELECT count(*) FROM gs_live_back"):
            return None
        con.execute(f"DELETE FROM {mirror} WHERE (post_key, platform, post_id) IN "
                    "(SELECT post_key, platform, post_id FROM gs_live_back)")
        return ("(p.post_key, p.platform, p.post_id) IN "
                "(SELECT post_key, platform, post_id FROM gs_live_back)")

    def edited(self) -> str | None:
        """Edits since the mark: the store's versions the state has not read (``versions``
        mirrors ``post_versions``). Returns a condition on ``posts`` selecting the edited
        posts (None: none)."""
        con, mirror = self.con, self.t["versions"]
        con.execute(f"DELETE FROM {mirror} WHERE (platform, post_id, version) NOT IN "
                    "(SELECT platform, post_id, version FROM post_versions)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE gs_live_edits AS SELECT platform, post_id, "
                    f"version FROM post_versions EXCEPT SELECT * FROM {mirror}")
        if not self._count("SELECT count(*) FROM gs_live_edits"):
            return None
        con.execute(f"INSERT INTO {mirror} SELECT * FROM gs_live_edits")
        return ("(p.platform, p.post_id) IN (SELECT platform, post_id FROM gs_live_edits)")

    def mirror(self) -> None:
        """The mirrors as the store is now (a rebuild)."""
        con = self.con
        con.execute(f"INSERT INTO {self.t['hidden']} SELECT post_key, platform, post_id, "
                    "author_id FROM hidden_posts")
        con.execute(f"INSERT INTO {self.t['versions']} SELECT DISTINCT platform, post_id, "
                    "version FROM post_versions")

    # -- rebuilding rule 3 from the rows -----------------------------------------------------
    def relink(self) -> None:
        """The indexes and every ``matched`` flag from the rows' own columns (after a
        rebuild, or after forgetting removed rows: an original gone takes its reposts'
        matching with it)."""
        con, t = self.con, self.t
        con.execute(f"DELETE FROM {t['direct']}")
        con.execute(f"INSERT INTO {t['direct']} SELECT post_key, h, platform, post_id, "
                    f"author_id FROM {t['posts']} WHERE direct AND kind <> 'repost'")
        con.execute(f"DELETE FROM {t['reposts']}")
        con.execute(f"""
            INSERT INTO {t['reposts']}
            SELECT r.post_key, r.ph, r.platform, r.post_id, r.author_id, r.repost_of_post_id,
                   d.post_key IS NOT NULL
            FROM (SELECT * FROM {t['posts']} WHERE in_window AND kind = 'repost'
                  AND NOT direct) r
            LEFT JOIN {t['direct']} d ON d.h = r.ph AND d.platform = r.platform
                 AND d.post_id = r.repost_of_post_id""")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE gs_live_flip AS
            SELECT x.post_key, x.direct OR coalesce(r.matched, false) AS m
            FROM {t['posts']} x LEFT JOIN {t['reposts']} r USING (post_key)
            WHERE x.matched IS DISTINCT FROM (x.direct OR coalesce(r.matched, false))""")
        con.execute(f"UPDATE {t['posts']} SET matched = f.m FROM gs_live_flip f "
                    f"WHERE {t['posts']}.post_key = f.post_key")


def _span(span: tuple, con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """``span`` widened by the window's times in ``table``."""
    low, high = con.execute(f"SELECT min(created_at), max(created_at) FROM {table} "
                            "WHERE in_window").fetchall()[0]
    lows = [x for x in (span[0], low) if x is not None]
    highs = [x for x in (span[1], high) if x is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)
