"""Trending tags' running totals: distinct accounts per tag and trend window, and per tag its
posts in the campaign's window and those matching the campaign.

Why these: the trend score (:mod:`groundswell.trends.score`) reads nothing but each candidate
tag's accounts per window, and the lift (response tags) nothing but a tag's posts, those that
match, the window's posts and the campaign's. Those are kept, so a refresh reads a small table
and scores it with :func:`groundswell.trends.batch.scored`, the batch path's own scoring,
instead of grouping every hashtag of the store. A tag's accounts in a window are a distinct
count: updated, as magnitude's are (:mod:`~groundswell.live.totals`), from the (tag, window,
account) triples an update touches, the rows read in the touched windows only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from groundswell.live import tables
from groundswell.live.marks import Marks
from groundswell.live.rule import window_index_sql
from groundswell.live.totals import hour_ranges, in_ranges
from groundswell.trends.batch import lift_of, scored
from groundswell.trends.score import TrendParams

EPOCH = datetime(1970, 1, 1)


class Trending:
    def __init__(self, con: duckdb.DuckDBPyConnection, state: str, window_seconds: int):
        self.con, self.ws = con, int(window_seconds)
        self.t = {part: tables.name(state, part) for part in tables.PARTS}
        self.w = window_index_sql(self.ws)

    def _start(self, w: int) -> datetime:
        return EPOCH + timedelta(seconds=w * self.ws)

    def apply(self) -> None:
        """From one update's deltas: ``gs_live_dt`` (hashtag rows of the window's posts) and
        ``gs_live_dm`` (matching posts, whose tags count as matching)."""
        con, t = self.con, self.t
        if not con.execute("SELECT count(*) FROM gs_live_dt").fetchall()[0][0] and not \
                con.execute("SELECT count(*) FROM gs_live_dm WHERE tags IS NOT NULL"
                            ).fetchall()[0][0]:
            return
        con.execute("""CREATE OR REPLACE TEMP TABLE gs_live_triples AS
            SELECT tag, w, author_id, any_value(ah) AS ah, sum(sign) AS s FROM gs_live_dt
            WHERE w IS NOT NULL AND author_id IS NOT NULL GROUP BY tag, w, author_id""")
        windows = [self._start(w) for w, in con.execute(
            "SELECT DISTINCT w FROM gs_live_triples").fetchall()]
        reads = " UNION ALL ".join(
            f"SELECT unnest(tags) AS tag, {self.w} AS w, author_id FROM {t['posts']} "
            f"WHERE in_window AND tags IS NOT NULL AND {r} "
            "AND ah IN (SELECT ah FROM gs_live_triples)"
            for r in in_ranges(hour_ranges(windows, timedelta(seconds=self.ws))))
        after = (f"SELECT tag, w, author_id, count(*) AS n FROM ({reads}) GROUP BY ALL"
                 if reads else "SELECT NULL::VARCHAR AS tag, NULL::BIGINT AS w, "
                               "NULL::VARCHAR AS author_id, 0 AS n")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_tw AS
            SELECT x.tag, x.w, sum((coalesce(a.n, 0) > 0)::INTEGER
                                   - ((coalesce(a.n, 0) - x.s) > 0)::INTEGER) AS d
            FROM gs_live_triples x LEFT JOIN ({after}) a USING (tag, w, author_id)
            GROUP BY x.tag, x.w HAVING d <> 0""")
        con.execute(f"""MERGE INTO {t['windows']} USING gs_live_tw AS d
            ON {t['windows']}.tag = d.tag AND {t['windows']}.w = d.w
            WHEN MATCHED THEN UPDATE SET accounts = {t['windows']}.accounts + d.d
            WHEN NOT MATCHED THEN INSERT VALUES (d.tag, d.w, d.d)""")
        con.execute(f"DELETE FROM {t['windows']} WHERE accounts = 0")
        con.execute("""CREATE OR REPLACE TEMP TABLE gs_live_tg AS
            SELECT tag, sum(p) AS p, sum(m) AS m FROM (
                SELECT tag, sign AS p, 0 AS m FROM gs_live_dt
                UNION ALL SELECT unnest(tags), 0, sign FROM gs_live_dm
                WHERE tags IS NOT NULL)
            GROUP BY tag""")
        con.execute(f"""MERGE INTO {t['tags']} USING gs_live_tg AS d
            ON {t['tags']}.tag = d.tag
            WHEN MATCHED THEN UPDATE SET posts = {t['tags']}.posts + d.p,
                                         matched_posts = {t['tags']}.matched_posts + d.m
            WHEN NOT MATCHED THEN INSERT VALUES (d.tag, d.p, d.m, 0)""")
        con.execute(f"""UPDATE {t['tags']} SET top = coalesce(w.top, 0) FROM (
                SELECT d.tag, max(w.accounts) AS top FROM (SELECT DISTINCT tag FROM gs_live_tw) d
                LEFT JOIN {t['windows']} w USING (tag) GROUP BY d.tag) w
            WHERE {t['tags']}.tag = w.tag""")
        con.execute(f"DELETE FROM {t['tags']} WHERE posts = 0")

    def recompute(self) -> None:
        """Every total from the rows (a rebuild; after forgetting)."""
        con, t = self.con, self.t
        tagged = (f"(SELECT unnest(tags) AS tag, {self.w} AS w, author_id, matched "
                  f"FROM {t['posts']} WHERE in_window AND tags IS NOT NULL)")
        con.execute(f"DELETE FROM {t['windows']}")
        con.execute(f"INSERT INTO {t['windows']} SELECT tag, w, count(DISTINCT author_id) "
                    f"AS accounts FROM {tagged} WHERE w IS NOT NULL GROUP BY ALL "
                    "HAVING accounts > 0")
        con.execute(f"DELETE FROM {t['tags']}")
        con.execute(f"""INSERT INTO {t['tags']}
            SELECT p.tag, p.posts, p.matched_posts, coalesce(w.top, 0) FROM (
                SELECT tag, count(*) AS posts, count(*) FILTER (WHERE matched) AS matched_posts
                FROM {tagged} GROUP BY tag) p
            LEFT JOIN (SELECT tag, max(accounts) AS top FROM {t['windows']} GROUP BY tag) w
            USING (tag)""")

    def read(self, marks: Marks, campaign_tags: tuple[str, ...], has_campaign: bool,
             params: TrendParams) -> dict:
        """The trending metric's result (``trends``), from the totals: the candidate tags'
        windows, scored by the batch path's own code."""
        con, t = self.con, self.t
        lo, hi = (marks.lo_w, marks.hi_w) if marks.lo_w is not None else (0, -1)
        series: dict[str, dict[int, int]] = {}
        for tag, w, n in con.execute(
                f"SELECT tag, w, accounts FROM {t['windows']} WHERE tag IN "
                f"(SELECT tag FROM {t['tags']} WHERE top >= ?)",
                [params.min_accounts]).fetchall():
            series.setdefault(tag, {})[w] = n

        def lifts(found: list[str]) -> dict[str, dict]:
            if not has_campaign:
                return {}
            rows = con.execute(f"SELECT tag, posts, matched_posts FROM {t['tags']} "
                               "WHERE list_contains(?, tag)", [found]).fetchall()
            return {tag: lift_of(posts, matched, marks.window_posts, marks.matched)
                    for tag, posts, matched in rows}

        return scored(lo, hi, series, params, lifts, campaign_tags)


def window_of(value: datetime | None, window_seconds: int) -> int | None:
    """A time's trend window, as the SQL numbers it (floor of epoch seconds / window)."""
    if value is None:
        return None
    seconds = (value.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
    return int(seconds // window_seconds)
