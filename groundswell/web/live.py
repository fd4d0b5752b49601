"""The dashboard's data: the store read briefly, read-only, and the last good values kept.

Why this shape: DuckDB lets one process write a file and, while it does, no other process can
open it. ``groundswell ingest --follow`` therefore opens the store only to commit a batch (see
:mod:`groundswell.follow`), and the dashboard only to read: a refresh opens the store
read-only, reads a fingerprint of the posts and, if they changed, copies out the few columns
the panels need (a snapshot, in memory), closes the store, and only then computes, on the
snapshot in a private in-memory DuckDB. It never writes and never waits: if the store is busy
(the follower is committing), the refresh is skipped and the panels keep their last good
values, marked ``stale``.

Refreshes are shared and rate-limited, whatever the number of open pages:

- at most one refresh runs at a time; requests that arrive meanwhile wait for its values;
- a refresh starts only when the last one started ``min_interval`` seconds ago, when the
  store has been free for (1 - ``max_duty``) of the time since (after holding it 0.3 s, the
  next waits 0.9 s more at 25 %), so a big store cannot starve the writer, and when this
  process has computed at most ``max_cpu`` of the time (half; a big campaign takes seconds);
- the fingerprint (count, XOR of key hashes, last time) takes milliseconds; only when it
  changed are the panels recomputed;
- trending tags (the costliest panel, and one that moves by the hour) are recomputed at most
  every ``trend_interval`` seconds.

The numbers are the metrics' own: the matching rule is :class:`~groundswell.metrics.scope.Scope`
(a campaign's, or every post), participants and amplifiers are those of
:class:`~groundswell.metrics.context.Context`, the curve is the magnitude metric's hourly series
and the trending tags are :func:`groundswell.trends.batch.trends`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from groundswell import schema
from groundswell.campaign import Campaign
from groundswell.follow import store_is_busy
from groundswell.metrics.context import Context
from groundswell.metrics.magnitude import series as magnitude_series
from groundswell.metrics.scope import Scope, Tables, iso
from groundswell.schema import KINDS
from groundswell.store import Store, StoreError
from groundswell.trends.batch import trends
from groundswell.trends.score import TrendParams

#: The posts' columns that the matching rule and the panels read (and ``text``, below).
SNAPSHOT_COLUMNS = ("platform", "post_id", "author_id", "created_at", "kind",
                    "reply_to_post_id", "repost_of_post_id")
REFRESH_WAIT = 10.0
FINGERPRINT = ("SELECT count(*), coalesce(bit_xor(hash(platform, post_id)), 0), "
               "max(created_at) FROM posts")


def _arrow(store: Store, sql: str) -> pa.Table:
    relation = store.con.sql(sql)
    if hasattr(relation, "to_arrow_table"):  # DuckDB >= 1.4
        return relation.to_arrow_table()
    return relation.arrow()


def _now() -> str:
    return iso(datetime.now(UTC).replace(tzinfo=None))


def empty_summary() -> dict[str, Any]:
    return {"posts": 0, "posts_by_kind": dict.fromkeys(KINDS, 0), "accounts": 0,
            "participants": 0, "amplifiers": 0, "first_post": None, "last_post": None}


def empty_trending(params: TrendParams) -> dict[str, Any]:
    return {"window_seconds": params.window_seconds, "data_start": None, "data_end": None,
            "window_start": None, "current": [], "recent_window_start": None, "recent": [],
            "ever": []}


@dataclass
class Status:
    """How fresh the panels are; every endpoint reports it."""

    state: str = "starting"  # ok | busy | no_store | error | starting
    updated_at: str | None = None  # last successful read of the store (UTC)
    checked_at: str | None = None  # last attempt, successful or not
    last_error: str | None = None
    refreshes: int = 0
    busy: int = 0
    last_refresh_ms: float | None = None  # how long the last refresh took
    last_lock_ms: float | None = None  # how long it held the store open
    trending_updated_at: str | None = None

    @property
    def stale(self) -> bool:
        return self.state != "ok"


class LiveStore:
    """The dashboard's panels over one store, refreshed as described in the module."""

    def __init__(self, db: str | os.PathLike[str], campaign: Campaign | str | os.PathLike[str]
                 | None = None, params: TrendParams | None = None, min_interval: float = 1.0,
                 trend_interval: float = 10.0, max_duty: float = 0.25, max_cpu: float = 0.5):
        if isinstance(campaign, (str, os.PathLike)):
            campaign = Campaign.load(campaign)
        self.db = Path(db)
        self.campaign = campaign
        self.scope = Scope(campaign)
        self.params = params or TrendParams()
        self.min_interval = min_interval
        self.trend_interval = trend_interval
        self.max_duty = max_duty
        self.max_cpu = max_cpu
        self.status = Status()
        self._summary = empty_summary()
        self._cumulative: list[dict] = []
        self._trending = empty_trending(self.params)
        self._fingerprint: tuple | None = None
        self._trend_fingerprint: tuple | None = None
        self._trend_at = float("-inf")
        self._next_due = float("-inf")
        self._lock = threading.Lock()

    # -- what the endpoints read -----------------------------------------------------------
    @property
    def scope_name(self) -> str:
        return self.campaign.name if self.campaign else "all posts"

    def summary(self) -> dict[str, Any]:
        self.refresh()
        return {**self._summary, **self._freshness()}

    def cumulative(self) -> dict[str, Any]:
        self.refresh()
        return {"points": self._cumulative, **self._freshness()}

    def trending(self) -> dict[str, Any]:
        self.refresh()
        return {**self._trending, "updated_at": self.status.trending_updated_at,
                **{k: v for k, v in self._freshness().items() if k != "updated_at"}}

    def health(self) -> dict[str, Any]:
        s = self.status
        return {"status": s.state, "db": str(self.db.resolve()), "scope": self.scope_name,
                "updated_at": s.updated_at, "checked_at": s.checked_at,
                "last_error": s.last_error, "refreshes": s.refreshes, "busy": s.busy,
                "last_refresh_ms": s.last_refresh_ms, "last_lock_ms": s.last_lock_ms,
                "min_interval": self.min_interval, "trend_interval": self.trend_interval}

    def _freshness(self) -> dict[str, Any]:
        return {"scope": self.scope_name, "tags": list(self.scope.tags),
                "updated_at": self.status.updated_at, "stale": self.status.stale,
                "status": self.status.state}

    # -- refreshing ------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Bring the panels up to date if a refresh is due; never waits for the store.

        A request arriving while another refreshes waits for that refresh (up to
        ``REFRESH_WAIT`` seconds, then it gets the cached values) instead of reading the
        store again: the page's three requests of one poll get one consistent reading.
        """
        if not force and time.monotonic() < self._next_due:
            return
        if not self._lock.acquire(timeout=REFRESH_WAIT):
            return
        try:
            if not force and time.monotonic() < self._next_due:
                return  # refreshed while we waited
            self._refresh()
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        began = time.monotonic()
        status = self.status
        status.checked_at = _now()
        try:
            store = Store(self.db, read_only=True)
        except StoreError as exc:
            if store_is_busy(exc):
                status.state, status.last_error = "busy", str(exc)
                status.busy += 1
                # the writer commits in a fraction of a second: look again soon
                self._next_due = time.monotonic() + min(self.min_interval, 0.25)
                return
            status.state = "no_store" if not self.db.exists() else "error"
            status.last_error = str(exc)
            self._next_due = time.monotonic() + self.min_interval
            return
        held = 0.0
        try:
            try:
                fingerprint = tuple(store.con.execute(FINGERPRINT).fetchall()[0])
                changed = fingerprint != self._fingerprint
                trend_due = self._trend_fingerprint is None or (
                    fingerprint != self._trend_fingerprint
                    and time.monotonic() - self._trend_at >= self.trend_interval)
                snapshot = self._snapshot(store) if changed or trend_due else None
            finally:
                store.close()
                held = time.monotonic() - began
                status.last_lock_ms = round(held * 1000, 1)
            if snapshot is not None:
                self._compute(snapshot, fingerprint, changed, trend_due)
            status.state, status.last_error = "ok", None
            status.updated_at = status.checked_at
            status.refreshes += 1
        except duckdb.Error as exc:
            status.state, status.last_error = "error", str(exc).splitlines()[0]
        finally:
            total = time.monotonic() - began
            status.last_refresh_ms = round(total * 1000, 1)
            # start to start: at least min_interval; the store free (1 - max_duty) of the
            # time; and this process computing at most max_cpu of the time
            self._next_due = began + max(self.min_interval, held / self.max_duty,
                                         total / self.max_cpu)

    def _snapshot(self, store: Store) -> dict[str, pa.Table]:
        """The columns the panels read, copied out so that the store can close before any
        computing starts (the copy is what holds the store: ~0.3 s per million posts)."""
        text = ("text" if self.campaign and self.campaign.phrases
                else "CAST(NULL AS VARCHAR) AS text")  # only the phrase rule reads text
        return {"posts": _arrow(store, f"SELECT {', '.join(SNAPSHOT_COLUMNS)}, {text} "
                                       "FROM posts"),
                "post_hashtags": _arrow(store, "SELECT platform, post_id, tag "
                                               "FROM post_hashtags")}

    def _compute(self, snapshot: dict[str, pa.Table], fingerprint: tuple, changed: bool,
                 trend_due: bool) -> None:
        """The panels from a snapshot, in a private in-memory DuckDB."""
        import ibis

        con = duckdb.connect()
        try:
            for name in list(snapshot):
                con.register(f"snapshot_{name}", snapshot.pop(name))
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM snapshot_{name}")
                con.unregister(f"snapshot_{name}")
            for name in ("accounts", "mentions"):
                con.execute(schema.TABLES[name])  # no panel reads them: empty
            tables = Tables.from_backend(ibis.duckdb.from_connection(con))
            if changed:
                ctx = Context(tables, self.scope)
                try:
                    self._summary, self._cumulative = self._panels(ctx)
                finally:
                    ctx.release()
                self._fingerprint = fingerprint
            if trend_due:
                self._trending = self._trends(tables)
                self._trend_fingerprint = fingerprint
                self._trend_at = time.monotonic()
                self.status.trending_updated_at = _now()
        finally:
            con.close()

    def _panels(self, ctx: Context) -> tuple[dict, list[dict]]:
        m = ctx.matched
        totals = m.aggregate(posts=m.count(), accounts=m.author_id.nunique(),
                             first_post=m.created_at.min(), last_post=m.created_at.max()
                             ).to_pyarrow().to_pylist()[0]
        by_kind = dict.fromkeys(KINDS, 0)
        for row in m.group_by("kind").aggregate(n=m.count()).to_pyarrow().to_pylist():
            by_kind[row["kind"]] = row["n"]
        j = ctx.joiners
        people = j.aggregate(participants=j.first_part_at.count(),
                             amplifiers=j.first_part_at.isnull().sum()
                             ).to_pyarrow().to_pylist()[0]
        summary = {"posts": totals["posts"], "posts_by_kind": by_kind,
                   "accounts": totals["accounts"],
                   "participants": int(people["participants"] or 0),
                   "amplifiers": int(people["amplifiers"] or 0),
                   "first_post": iso(totals["first_post"]),
                   "last_post": iso(totals["last_post"])}
        cumulative = [{"hour": r["hour"], "posts": r["posts"],
                       "new_participants": r["new_participants"],
                       "cumulative_posts": r["cumulative_posts"],
                       "cumulative_participants": r["cumulative_participants"]}
                      for r in magnitude_series(ctx, "h")]
        return summary, cumulative

    def _trends(self, tables: Tables) -> dict[str, Any]:
        """Tags trending in the latest window of data (the data's clock, not the wall's: an
        archive followed after the fact is live in its own time)."""
        found = trends(tables, self.scope, self.params)
        out = empty_trending(self.params)
        if found["data_end"] is None:
            return out
        end = datetime.fromisoformat(found["data_end"].removesuffix("Z"))
        current = iso(end - timedelta(seconds=self.params.window_seconds))
        info = {f["tag"]: f for f in found["trending"]}

        def tags(window: dict) -> list[dict]:
            return [{"tag": t["tag"], "score": t["score"], "accounts": t["accounts"],
                     "first_trending_at": info[t["tag"]]["first_trending_at"],
                     "campaign_tag": info[t["tag"]]["campaign_tag"],
                     "response_tag": info[t["tag"]]["response_tag"]} for t in window["tags"]]

        out.update(data_start=found["data_start"], data_end=found["data_end"],
                   window_start=current)
        windows = found["windows"]
        if windows and windows[-1]["window_start"] == current:
            out["current"] = tags(windows[-1])
        if windows:
            out["recent_window_start"] = windows[-1]["window_start"]
            out["recent"] = tags(windows[-1])
        out["ever"] = [{"tag": f["tag"], "first_trending_at": f["first_trending_at"],
                        "peak_at": f["peak_at"], "peak_score": f["peak_score"],
                        "peak_accounts": f["peak_accounts"],
                        "windows_trending": f["windows_trending"],
                        "campaign_tag": f["campaign_tag"], "response_tag": f["response_tag"]}
                       for f in found["trending"]]
        return out
