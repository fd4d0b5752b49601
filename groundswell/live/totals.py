"""Magnitude's running totals: posts per hour, platform and kind; the accounts behind them;
first participations; the accounts per platform and kind.

Why these shapes: the counter, the curve and the platform split are sums over hours and over
accounts, and distinct counts ("accounts in this hour", "accounts with a reply") cannot be
added up; they are updated from what changed. For each (hour, account) and each account the
update touches, the rows say whether it still counts after the change (``n_after``) and the
delta whether it did before (``n_after - change``): the hour gains or loses the account only
when that flips. The rows are read only where the change is (the hours it touches, which
DuckDB finds by the time column's zone maps: rows arrive in roughly time order) and only for
the accounts it names.

Two ways in: :meth:`Totals.apply` from one update's deltas (``gs_live_dm``, see
:mod:`~groundswell.live.rows`) and :meth:`Totals.recompute` from the rows alone (a rebuild;
after forgetting, whose removals left no delta).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from groundswell.live import tables
from groundswell.live.marks import Marks
from groundswell.live.rule import literal
from groundswell.schema import KINDS

HOUR = "date_trunc('hour', created_at)"
#: Whether an account has a matching post of each kind. Flags, not counts: a new post of an
#: account then changes its row only when it is the first of its kind (or earlier than its
#: first), so most batches rewrite few account rows (counts would change one per post, and
#: every rewritten row costs at the store's checkpoint). A post going recounts its account
#: from the rows.
_KIND_FLAGS = ", ".join(f"bool_or(kind = '{k}') AS {k}" for k in KINDS)
_KIND_ORS = ", ".join(f"coalesce(b.{k}, false) OR d.{k} AS {k}" for k in KINDS)
#: The people counters from account rows ``a``: accounts, participants, and per kind the
#: accounts with a matching post of it (one row per counter).
_PEOPLE = " UNION ALL ".join(
    ["SELECT platform, '' AS kind, 1 AS n FROM {a}",
     "SELECT platform, 'participant', 1 FROM {a} WHERE first_part_at IS NOT NULL",
     *(f"SELECT platform, '{k}', 1 FROM {{a}} WHERE {k}" for k in KINDS)])
#: Per kind, the distinct account ids with a post of it over every platform (the counter's
#: ``accounts_by_kind``, which counts ids as the metric does, whatever their platform).
_ACROSS = " UNION ALL ".join(
    f"SELECT '*' AS platform, '{k}' AS kind, count(DISTINCT author_id) AS n FROM {{a}} "
    f"WHERE {k}" for k in KINDS)


def hour_ranges(hours: list[datetime], width: timedelta = timedelta(hours=1)
                ) -> list[tuple[datetime, datetime]]:
    """Contiguous runs of buckets as [start, end) ranges: one range query each lets DuckDB
    skip the row groups outside it."""
    out: list[tuple[datetime, datetime]] = []
    for at in sorted(set(hours)):
        if out and out[-1][1] == at:
            out[-1] = (out[-1][0], at + width)
        else:
            out.append((at, at + width))
    return out


def in_ranges(ranges: list[tuple[datetime, datetime]], column: str = "created_at") -> list[str]:
    return [f"{column} >= {literal(a)} AND {column} < {literal(b)}" for a, b in ranges]


class Totals:
    def __init__(self, con: duckdb.DuckDBPyConnection, state: str, marks: Marks):
        self.con, self.marks = con, marks
        self.t = {part: tables.name(state, part) for part in tables.PARTS}

    def _rewrite(self, part: str, select: str) -> None:
        """Replace a small table (hours, counters) by a SELECT that reads it."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE gs_live_next AS {select}")
        self.con.execute(f"DELETE FROM {self.t[part]}")
        self.con.execute(f"INSERT INTO {self.t[part]} SELECT * FROM gs_live_next")
        self.con.execute("DROP TABLE gs_live_next")

    # -- from one update's deltas -------------------------------------------------------------
    def apply(self) -> None:
        con, t, m = self.con, self.t, self.marks
        n, lost, without, first, last = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE sign < 0), coalesce(sum(sign) FILTER "
            "(WHERE author_id IS NULL), 0), min(created_at) FILTER (WHERE sign > 0), "
            "max(created_at) FILTER (WHERE sign > 0) FROM gs_live_dm").fetchall()[0]
        if not n:
            return
        m.matched += con.execute("SELECT coalesce(sum(sign), 0) FROM gs_live_dm"
                                 ).fetchall()[0][0]
        m.without_author += without
        edge = lost and con.execute(
            "SELECT count(*) FROM gs_live_dm WHERE sign < 0 AND (created_at <= ? OR "
            "created_at >= ?)", [m.first_post, m.last_post]).fetchall()[0][0]
        if edge:
            self._first_last()
        else:
            m.first_post = min((x for x in (m.first_post, first) if x is not None), default=None)
            m.last_post = max((x for x in (m.last_post, last) if x is not None), default=None)
        self._rewrite("hours", f"SELECT hour, platform, kind, sum(n) AS posts FROM ("
                      f"SELECT hour, platform, kind, posts AS n FROM {t['hours']} UNION ALL "
                      f"SELECT {HOUR}, platform, kind, sign FROM gs_live_dm) "
                      "GROUP BY ALL HAVING sum(n) <> 0")
        hour_accounts = self._hour_accounts()
        new_participants = self._accounts()
        self._rewrite("hourly", f"""
            SELECT hour, sum(a) AS accounts, sum(p) AS new_participants FROM (
                SELECT hour, accounts AS a, new_participants AS p FROM {t['hourly']}
                UNION ALL SELECT hour, d, 0 FROM {hour_accounts}
                UNION ALL SELECT hour, 0, d FROM {new_participants})
            GROUP BY hour HAVING sum(a) <> 0 OR sum(p) <> 0""")

    def _hour_accounts(self) -> str:
        """Per hour, the change in distinct accounts behind its matching posts (a table)."""
        con, t = self.con, self.t
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_pairs AS
            SELECT {HOUR} AS hour, author_id, any_value(ah) AS ah, sum(sign) AS s
            FROM gs_live_dm WHERE created_at IS NOT NULL AND author_id IS NOT NULL
            GROUP BY ALL""")
        hours = [h for h, in con.execute("SELECT DISTINCT hour FROM gs_live_pairs").fetchall()]
        reads = " UNION ALL ".join(
            f"SELECT {HOUR} AS hour, author_id FROM {t['posts']} WHERE matched AND {r} "
            "AND ah IN (SELECT ah FROM gs_live_pairs)" for r in in_ranges(hour_ranges(hours)))
        after = (f"SELECT hour, author_id, count(*) AS n FROM ({reads}) GROUP BY ALL" if reads
                 else "SELECT NULL::TIMESTAMP AS hour, NULL::VARCHAR AS author_id, 0 AS n")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_hour_delta AS
            SELECT p.hour, sum((coalesce(a.n, 0) > 0)::INTEGER
                               - ((coalesce(a.n, 0) - p.s) > 0)::INTEGER) AS d
            FROM gs_live_pairs p LEFT JOIN ({after}) a USING (hour, author_id)
            GROUP BY p.hour""")
        return "gs_live_hour_delta"

    def _accounts(self) -> str:
        """The accounts the deltas touch, anew: from their old row and what came when nothing
        of theirs went, else from the rows. Updates the people counters; returns the change in
        new participants per hour (a table)."""
        con, t = self.con, self.t
        con.execute("CREATE OR REPLACE TEMP TABLE gs_live_who AS SELECT platform, author_id, "
                    "any_value(ah) AS ah, bool_or(sign < 0) AS lost FROM gs_live_dm "
                    "WHERE author_id IS NOT NULL GROUP BY ALL")
        # every row of these ids' hashes, on any platform (the kinds over platforms count
        # ids); found by the hash alone (an integer: a fraction of the strings' cost), then
        # told apart by the ids
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_before AS
            SELECT a.*, (a.platform, a.author_id) IN (SELECT platform, author_id
                                                      FROM gs_live_who) AS touched
            FROM (SELECT * FROM {t['accounts']} WHERE ah IN (SELECT ah FROM gs_live_who)) a""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_after AS
            SELECT d.platform, d.author_id, d.ah, least(b.first_at, d.first_at) AS first_at,
                   least(b.first_part_at, d.first_part_at) AS first_part_at, {_KIND_ORS}
            FROM (SELECT m.platform, m.author_id, any_value(m.ah) AS ah,
                         min(m.created_at) AS first_at,
                         min(m.created_at) FILTER (WHERE m.kind <> 'repost') AS first_part_at,
                         {_KIND_FLAGS}
                  FROM gs_live_dm m JOIN gs_live_who w USING (platform, author_id)
                  WHERE NOT w.lost GROUP BY m.platform, m.author_id) d
            LEFT JOIN gs_live_before b USING (platform, author_id)""")
        if con.execute("SELECT count(*) FROM gs_live_who WHERE lost").fetchall()[0][0]:
            con.execute(f"""INSERT INTO gs_live_after
                SELECT platform, author_id, any_value(ah), min(created_at),
                       min(created_at) FILTER (WHERE kind <> 'repost'), {_KIND_FLAGS}
                FROM (SELECT * FROM {t['posts']} WHERE matched AND ah IN
                      (SELECT ah FROM gs_live_who WHERE lost))
                WHERE (platform, author_id) IN (SELECT platform, author_id FROM gs_live_who
                                                WHERE lost)
                GROUP BY platform, author_id""")
        # only the rows that change are written: out by the hash, back for the rows that
        # only share it, in anew
        con.execute("""CREATE OR REPLACE TEMP TABLE gs_live_changed AS
            SELECT platform, author_id, ah FROM (SELECT * FROM gs_live_after
                EXCEPT SELECT * EXCLUDE (touched) FROM gs_live_before WHERE touched)
            UNION ALL SELECT platform, author_id, ah FROM gs_live_before
            WHERE touched AND (platform, author_id) NOT IN
                  (SELECT platform, author_id FROM gs_live_after)""")
        if con.execute("SELECT count(*) FROM gs_live_changed").fetchall()[0][0]:
            con.execute(f"DELETE FROM {t['accounts']} WHERE ah IN "
                        "(SELECT ah FROM gs_live_changed)")
            con.execute(f"""INSERT INTO {t['accounts']}
                SELECT * EXCLUDE (touched) FROM gs_live_before
                WHERE ah IN (SELECT ah FROM gs_live_changed) AND (platform, author_id) NOT IN
                      (SELECT platform, author_id FROM gs_live_changed)
                UNION ALL SELECT * FROM gs_live_after
                WHERE (platform, author_id) IN (SELECT platform, author_id FROM gs_live_changed)""")
        old = "(SELECT * EXCLUDE (touched) FROM gs_live_before WHERE touched)"
        every_after = ("(SELECT * EXCLUDE (touched) FROM gs_live_before WHERE NOT touched "
                       "UNION ALL SELECT * FROM gs_live_after)")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_people AS
            SELECT platform, kind, sum(n) AS n FROM (
                SELECT platform, kind, n FROM ({_PEOPLE.format(a='gs_live_after')})
                UNION ALL SELECT platform, kind, -n FROM ({_PEOPLE.format(a=old)})
                UNION ALL SELECT platform, kind, n FROM ({_ACROSS.format(a=every_after)})
                UNION ALL SELECT platform, kind, -n FROM
                    ({_ACROSS.format(a="(SELECT * EXCLUDE (touched) FROM gs_live_before)")}))
            GROUP BY ALL HAVING sum(n) <> 0""")
        self._rewrite("people", f"""
            SELECT platform, kind, sum(n) AS accounts FROM (
                SELECT platform, kind, accounts AS n FROM {t['people']}
                UNION ALL SELECT platform, kind, n FROM gs_live_people)
            GROUP BY ALL HAVING sum(n) <> 0""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE gs_live_new_delta AS
            SELECT hour, sum(d) AS d FROM (
                SELECT date_trunc('hour', first_part_at) AS hour, 1 AS d FROM gs_live_after
                WHERE first_part_at IS NOT NULL
                UNION ALL SELECT date_trunc('hour', first_part_at), -1 FROM {old}
                WHERE first_part_at IS NOT NULL)
            GROUP BY hour""")
        return "gs_live_new_delta"

    def _first_last(self) -> None:
        self.marks.first_post, self.marks.last_post = self.con.execute(
            f"SELECT min(created_at), max(created_at) FROM {self.t['posts']} WHERE matched"
        ).fetchall()[0]

    # -- from the rows ---------------------------------------------------------------------
    def recompute(self) -> None:
        """Every total from the rows (a rebuild; after forgetting)."""
        con, t, m = self.con, self.t, self.marks
        posts = f"(SELECT * FROM {t['posts']} WHERE matched)"
        m.matched, m.without_author, m.first_post, m.last_post = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE author_id IS NULL), min(created_at), "
            f"max(created_at) FROM {posts}").fetchall()[0]
        self._rewrite("hours", f"SELECT {HOUR} AS hour, platform, kind, count(*) AS posts "
                      f"FROM {posts} GROUP BY ALL")
        self._rewrite("accounts", f"""
            SELECT platform, author_id, any_value(ah), min(created_at),
                   min(created_at) FILTER (WHERE kind <> 'repost'), {_KIND_FLAGS}
            FROM {posts} WHERE author_id IS NOT NULL GROUP BY platform, author_id""")
        a = t["accounts"]
        self._rewrite("people", f"SELECT platform, kind, count(*) AS accounts FROM "
                      f"({_PEOPLE.format(a=a)}) GROUP BY ALL UNION ALL SELECT * FROM "
                      f"({_ACROSS.format(a=a)}) WHERE n > 0")
        self._rewrite("hourly", f"""
            SELECT hour, coalesce(a.n, 0) AS accounts, coalesce(p.n, 0) AS new_participants
            FROM (SELECT {HOUR} AS hour, count(DISTINCT author_id) AS n FROM {posts}
                  WHERE created_at IS NOT NULL GROUP BY ALL) a
            FULL JOIN (SELECT date_trunc('hour', first_part_at) AS hour, count(*) AS n
                       FROM {a} WHERE first_part_at IS NOT NULL GROUP BY ALL) p USING (hour)
            WHERE coalesce(a.n, 0) <> 0 OR coalesce(p.n, 0) <> 0""")
