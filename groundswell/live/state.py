"""One campaign's live state: kept current by the writer, read by the dashboard.

The writer (``watch``, ``ingest --follow --campaign``) calls :meth:`LiveState.update` right
after each committed batch, in the same open store: it reads what the store holds beyond the
state's marks (:mod:`~groundswell.live.marks`) and updates the rows and totals in one
transaction, at a cost that follows what arrived, not what is stored. The dashboard calls
:meth:`LiveState.read` on the store opened read-only: it checks the marks against the store (a
few metadata counts) and, if current, reads the totals alone.

What an update does, in order: posts deleted since the mark go (rows of ``deletions`` after
it), then those hidden with their account and, back with it, come in again (``hidden_posts``
against its mirror), then edited posts are read again (``post_versions`` against its mirror),
then (a campaign whose phrase counts only in replies to its origin) replies whose parent was
resolved or masked are judged again, then the posts numbered after the mark come in; then the
totals follow the deltas. A state whose rows forgetting removed (fewer than its mark) relinks
rule 3 and recomputes its totals from its rows. A state whose store file was swapped (a
compaction) or whose rows no longer number the store's posts once it caught up (another writer
between two updates numbered posts below the mark) is rebuilt from the store; so is a new one:
a store filled by a plain ``ingest`` is caught up by one rebuild.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb

from groundswell.campaign import Campaign
from groundswell.live import panels, tables
from groundswell.live.marks import Marks, current, signature
from groundswell.live.rows import POST_COLUMNS, Rows
from groundswell.live.rule import incoming, literal, phrase_sql, window_sql
from groundswell.live.totals import Totals
from groundswell.live.trending import Trending, window_of
from groundswell.trends.score import TrendParams


class StoreLike(Protocol):
    """What the state needs of a store (:class:`groundswell.store.Store`)."""

    con: duckdb.DuckDBPyConnection
    path: os.PathLike[str]


@dataclass
class UpdateStats:
    """What one :meth:`LiveState.update` did."""

    state: str
    #: ``current`` (nothing new), ``updated`` (incrementally), ``recounted`` (forgetting
    #: removed rows: totals recomputed from the rows) or ``rebuilt`` (from the store)
    mode: str
    posts_in: int = 0
    posts_out: int = 0
    seconds: float = 0.0
    reason: str | None = None


class LiveState:
    """The live state of ``campaign`` (a :class:`Campaign`, a campaign file, or None: every
    post) with the metrics' ``options`` (``{"trending": {"window_seconds": 1800}}``: the trend
    window is part of the state; the other trending options are applied when reading)."""

    def __init__(self, campaign: Campaign | str | os.PathLike[str] | None = None,
                 options: Mapping[str, Mapping[str, Any]] | None = None):
        if campaign is not None and not isinstance(campaign, Campaign):
            campaign = Campaign.load(campaign)
        self.campaign: Campaign | None = campaign
        self.trending = dict((options or {}).get("trending") or {})
        self.window_seconds = int(self.trending.get("window_seconds",
                                                    TrendParams.window_seconds))
        self.state = tables.state_id(campaign, self.window_seconds)
        #: the dashboard's panels this state answers (:func:`~groundswell.live.panels.served`)
        self.panels = panels.served(campaign)

    @property
    def _replies_matter(self) -> bool:
        """Whether a post's parent decides its match (phrases only in replies to the origin)."""
        c = self.campaign
        return bool(c and c.phrases and c.phrases_only_in_replies_to_origin)

    # -- the dashboard's side ------------------------------------------------------------------
    def current(self, store: StoreLike) -> bool:
        """Whether the state is current for ``store`` (a few metadata reads; read-only)."""
        return current(store.con, store.path, self.state) is not None

    def marks(self, store: StoreLike) -> Marks | None:
        """The state's marks if it is current for ``store``, else None (read-only)."""
        return current(store.con, store.path, self.state)

    def read(self, store: StoreLike, names: Iterable[str] | None = None,
             marks: Marks | None = None) -> dict[str, dict[str, Any]] | None:
        """The panels (``{name: JSON}``, :data:`~groundswell.live.panels.PANELS` or those
        named) from the state's totals, or None when the state is not current (the caller
        computes them the usual way). ``marks``: from :meth:`marks` just now, in the same
        opening of the store (saves the check). Never writes."""
        marks = marks or current(store.con, store.path, self.state)
        if marks is None:
            return None
        try:
            return panels.read(store.con, self.state, marks, self.campaign, self.trending,
                               self.panels if names is None else names)
        except duckdb.CatalogException:  # a table of the state dropped: as if none were kept
            return None

    # -- the writer's side ---------------------------------------------------------------------
    def update(self, store: StoreLike) -> UpdateStats:
        """Catch up with what the store holds beyond the marks, in one transaction (see the
        module). Idempotent: a current state costs the check."""
        began = time.perf_counter()
        con = store.con
        sig = signature(con, store.path)
        marks = Marks.load(con, self.state)
        if marks is not None and marks.sig == sig:
            return UpdateStats(self.state, "current", seconds=time.perf_counter() - began)
        try:
            stats = self._in_transaction(con, marks, sig, self._unresumable(marks, sig))
        except duckdb.CatalogException:  # a table of the state was dropped: start again
            stats = self._in_transaction(con, marks, sig, "a table of the state is missing")
        stats.seconds = time.perf_counter() - began
        return stats

    def _in_transaction(self, con: duckdb.DuckDBPyConnection, marks: Marks | None,
                        sig: dict[str, Any], rebuild: str | None) -> UpdateStats:
        """Catch up (``rebuild`` None) or rebuild (saying why), and save the marks: all in
        one transaction, rolled back on any error."""
        con.execute("BEGIN")
        try:
            if rebuild is None:  # a table missing fails it (CatalogException): rebuilt then
                stats = self._catch_up(con, marks, sig)
            else:
                tables.create(con, self.state)
                marks = Marks(self.state, updates=marks.updates if marks else 0,
                              rebuilds=marks.rebuilds if marks else 0)
                stats = self._rebuild(con, marks, sig, rebuild)
            marks.signature = _json(sig)
            marks.updated_at = datetime.now(UTC).replace(tzinfo=None)
            marks.updates += 1
            marks.save(con)
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        return stats

    def rebuild(self, store: StoreLike) -> UpdateStats:
        """Build the state anew from the store (what an update does when it cannot go on)."""
        began = time.perf_counter()
        sig = signature(store.con, store.path)
        stats = self._in_transaction(store.con, Marks.load(store.con, self.state), sig,
                                     "asked for")
        stats.seconds = time.perf_counter() - began
        return stats

    def drop(self, store: StoreLike) -> None:
        """Remove the state's tables and marks from the store."""
        tables.drop(store.con, self.state)

    def _unresumable(self, marks: Marks | None, sig: dict[str, Any]) -> str | None:
        """Why the state cannot go on from its marks (None: it can)."""
        if marks is None:
            return "no state yet"
        old = marks.sig
        if old.get("file") != sig["file"]:
            return "the store's file was rewritten (compaction) or copied"
        return None

    def _rebuild(self, con: duckdb.DuckDBPyConnection, marks: Marks, sig: dict[str, Any],
                 reason: str) -> UpdateStats:
        tables.clear(con, self.state)
        rows = Rows(con, self.state, self.window_seconds)
        rows.start()
        n = incoming(con, self.campaign, "true")
        # in time order: the updates' reads of an hour or a window skip the other row groups
        con.execute(f"INSERT INTO {tables.name(self.state, 'posts')} SELECT {POST_COLUMNS} "
                    "FROM gs_live_new ORDER BY created_at NULLS FIRST, post_key")
        rows.mirror()
        self._recount(con, marks)
        marks.deletions_rowid = _last_delete(con)
        marks.max_key = _max_key(con)
        marks.window_posts = sig["posts"] - marks.outside
        marks.window_seconds = self.window_seconds
        marks.name = self.campaign.name if self.campaign else None
        marks.rebuilds += 1
        return UpdateStats(self.state, "rebuilt", posts_in=n, reason=reason)

    def _recount(self, con: duckdb.DuckDBPyConnection, marks: Marks) -> None:
        """Rule 3 and every total from the rows."""
        Rows(con, self.state, self.window_seconds).relink()
        Totals(con, self.state, marks).recompute()
        Trending(con, self.state, self.window_seconds).recompute()
        marks.outside, marks.rows = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT in_window), count(*) FROM "
            f"{tables.name(self.state, 'posts')}").fetchall()[0]
        self._window_span(con, marks)

    def _window_span(self, con: duckdb.DuckDBPyConnection, marks: Marks) -> None:
        """The first and last trend window of the campaign's window, from the rows."""
        low, high = con.execute(f"SELECT min(created_at), max(created_at) FROM "
                                f"{tables.name(self.state, 'posts')} WHERE in_window"
                                ).fetchall()[0]
        marks.lo_w = window_of(low, self.window_seconds)
        marks.hi_w = window_of(high, self.window_seconds)

    def _catch_up(self, con: duckdb.DuckDBPyConnection, marks: Marks, sig: dict[str, Any]
                  ) -> UpdateStats:
        changed = {k for k, v in sig.items() if v != marks.sig.get(k)}
        forgot = "forgotten" in changed
        # forgetting (new tombstones) may have removed rows of ours, and then our totals
        recount = forgot and tables.rows(con, self.state) != marks.rows
        rows = Rows(con, self.state, self.window_seconds)
        rows.start()
        if "deletions" in changed or forgot:
            # forgetting removes deletes too, and DuckDB may renumber the rest: read them all
            rows.retract_deleted(-1 if forgot else marks.deletions_rowid)
        again = []  # conditions on posts: posts to read again
        if "hidden" in changed:
            again.append(rows.follow_hidden())
        if "versions" in changed or "deletions" in changed or forgot:
            # a delete takes its post's versions with it: in the same batch as another edit,
            # the count of versions can stay the same while the versions differ
            again.append(rows.edited())
        if "local_ids" in changed and self._replies_matter:
            # a reply's parent named by a local id, now resolved: it may reply to the origin
            again.append(f"{window_sql(self.campaign)} AND {phrase_sql(self.campaign)} AND "
                         f"post_key NOT IN (SELECT post_key FROM "
                         f"{tables.name(self.state, 'direct')})")
        if forgot and self._replies_matter:
            # forgetting masks replies' pointers at a forgotten origin (or its author): the
            # replies that matched by their phrase alone may no longer reply to it
            said = f"SELECT post_key FROM {tables.name(self.state, 'posts')} WHERE direct " \
                   f"AND NOT coalesce(list_has_any(tags, {_tags(self.campaign)}), false)"
            again.append(f"p.post_key IN ({said}) AND NOT "
                         f"coalesce(p.reply_to_post_id IN ({_ids(self.campaign)}), false)")
        for where in (w for w in again if w):
            incoming(con, self.campaign, where)
            rows.admit()
        # what arrived: numbered after the highest key present when the batch began
        incoming(con, self.campaign, f"p.post_key > {int(marks.max_key)}")
        rows.admit()
        if recount:
            self._recount(con, marks)
        else:
            Totals(con, self.state, marks).apply()
            Trending(con, self.state, self.window_seconds).apply()
            marks.outside += rows.outside
            marks.rows += rows.admitted - rows.retracted
            lo, hi = (window_of(t, self.window_seconds) for t in rows.went)
            if marks.lo_w is not None and (lo == marks.lo_w or hi == marks.hi_w):
                self._window_span(con, marks)  # a first or last window may have emptied
            lo, hi = (window_of(t, self.window_seconds) for t in rows.came)
            marks.lo_w = min((w for w in (marks.lo_w, lo) if w is not None), default=None)
            marks.hi_w = max((w for w in (marks.hi_w, hi) if w is not None), default=None)
        if marks.rows != sig["posts"]:
            # another writer numbered posts below the mark (the newest post was deleted
            # between two updates): the marks cannot say which; start again
            vars(marks).update(vars(Marks(self.state, updates=marks.updates,
                                          rebuilds=marks.rebuilds)))
            return self._rebuild(con, marks, sig, "the state's rows no longer number the "
                                 "store's posts")
        marks.deletions_rowid = _last_delete(con)
        top = con.execute("SELECT max(post_key) FROM gs_live_keys").fetchall()[0][0]
        # the next batch numbers after the highest key present: ours unless posts went
        marks.max_key = _max_key(con) if changed & {"deletions", "hidden", "forgotten"} \
            else max(marks.max_key, top or 0)
        marks.window_posts = sig["posts"] - marks.outside
        return UpdateStats(self.state, "recounted" if recount else "updated",
                           posts_in=rows.admitted, posts_out=rows.retracted)


def _tags(campaign: Campaign) -> str:
    return "[" + ", ".join(literal(t) for t in campaign.tags) + "]"


def _ids(campaign: Campaign) -> str:
    return ", ".join(literal(i) for i in campaign.origin_post_ids or ("",))


def _max_key(con: duckdb.DuckDBPyConnection) -> int:
    """The highest post key present (hidden posts' too: the writer numbers after them)."""
    return con.execute("SELECT coalesce(max(post_key), 0) FROM (SELECT post_key FROM posts "
                       "UNION ALL SELECT post_key FROM hidden_posts)").fetchall()[0][0]


def _last_delete(con: duckdb.DuckDBPyConnection) -> int:
    """The last row of ``deletions`` (the next update reads those after it)."""
    return con.execute("SELECT coalesce(max(rowid), -1) FROM deletions").fetchall()[0][0]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)
