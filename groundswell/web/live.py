"""The dashboard's data: the store read briefly, read-only, and the last good values kept.

Why this shape: DuckDB lets one process write a file and, while it does, no other process can
open it. ``groundswell ingest --follow`` therefore opens the store only to commit a batch (see
:mod:`groundswell.ingest.follow`), and the dashboard only to read: a refresh opens the store
read-only, reads a fingerprint of the posts and, if they changed, copies out what the panels
need (a snapshot, in memory), closes the store, and only then computes, on the snapshot in a
private in-memory DuckDB. It never writes and never waits: if the store is busy (the follower
is committing), the refresh is skipped and the panels keep their last good values, marked
``stale``.

The panels are the registry's (``Metric.panels``): each is computed by its metric's own code
through :func:`groundswell.api.panels`, so the counter is magnitude's totals and the curve its
hourly series, exactly what a report says of the same store. The snapshot holds the tables
their metrics declare they need (``Metric.needs``), and of the posts only the columns the
matching rule and the panels read.

Refreshes are shared and rate-limited, whatever the number of open pages:

- at most one refresh runs at a time; requests that arrive meanwhile wait for its values;
- a refresh starts only when the last one started ``min_interval`` seconds ago, when the
  store has been free for (1 - ``max_duty``) of the time since (after holding it 0.3 s, the
  next waits 0.9 s more at 25 %), so a big store cannot starve the writer, and when this
  process has computed at most ``max_cpu`` of the time (half; a big campaign takes seconds);
- the fingerprint (count, XOR of key hashes, last time) takes milliseconds; only when it
  changed are the panels recomputed;
- a panel that declares ``every`` (trending tags, the costliest, which move by the hour) is
  recomputed at most that often.

When a live writer keeps the campaign's state in the store (``watch``, ``ingest --follow
--campaign``: :mod:`groundswell.live`), a refresh reads that instead: the state's marks are
checked against the store (a few metadata counts), and if they match, the counter, the curve,
the platforms and trending tags (and the roles panel, empty without a ``[roles]`` section) are
read from its running totals while the store is open, with nothing to copy or compute, whatever
the store's size (``status.computed_from`` says ``state``). Any other panel (roles with one, a
plugin's) is computed the usual way, from a snapshot of the tables it needs. A state that is
missing or behind (nobody maintains it, another campaign or trend window, a writer between its
batch and its update) means the full computation above (``store``). Either way the store is
opened read-only and nothing is written.

What the endpoints serve is published under the campaign's privacy policy: the panels'
latest raw values are kept, and every time one changes all of them are suppressed together
(:func:`groundswell.metrics.suppress.published_panels`): the counter, the curve and the
platforms add up to each other, so their small cells are protected as one table.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from groundswell import api, schema
from groundswell.campaign import Campaign
from groundswell.live import LiveState
from groundswell.metrics import Metric, registry
from groundswell.metrics.page import Panel, Widget
from groundswell.metrics.suppress import published_panels
from groundswell.policy import Policy
from groundswell.scope import Scope, Tables, iso
from groundswell.scope.context import MATCHED_COLUMNS
from groundswell.store import Store, StoreBusy, StoreError

#: The posts' columns a panel may read: those of the matching posts (``Context.matched``;
#: the snapshot joins by id, not by post key) and those the matching rule reads (``text``
#: only for a campaign's phrases, below).
SNAPSHOT_COLUMNS = (*(c for c in MATCHED_COLUMNS if c != schema.POST_KEY), "reply_to_post_id")
REFRESH_WAIT = 10.0
FINGERPRINT = ("SELECT count(*), coalesce(bit_xor(hash(platform, post_id)), 0), "
               "max(created_at) FROM posts")
#: What each widget shows before the first successful read.
EMPTY: dict[Widget, dict[str, Any]] = {
    "counter": {"posts": 0, "posts_by_kind": dict.fromkeys(schema.KINDS, 0), "accounts": 0,
                "participants": 0, "amplifiers": 0, "first_post": None, "last_post": None},
    "curve": {"points": []},
    "ranking": {"window_seconds": None, "data_start": None, "data_end": None,
                "window_start": None, "current": [], "recent_window_start": None,
                "recent": [], "ever": []},
    "rows": {"rows": []},
}


def _arrow(store: Store, sql: str) -> pa.Table:
    relation = store.con.sql(sql)
    if hasattr(relation, "to_arrow_table"):  # DuckDB >= 1.4
        return relation.to_arrow_table()
    return relation.arrow()


def _now() -> str:
    return iso(datetime.now(UTC).replace(tzinfo=None))


def live_panels() -> list[tuple[Metric, Panel]]:
    """Every registered panel with the metric that declares it, in the registry's order."""
    return [(m, p) for m in registry().values() for p in m.panels]


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
    #: when each panel was last computed (a panel with ``every`` lags the others)
    computed_at: dict[str, str] = field(default_factory=dict)
    #: where the last refresh read the panels: ``state`` (the campaign's live state, see
    #: :mod:`groundswell.live`) or ``store`` (computed over a copy of the tables)
    computed_from: str | None = None

    @property
    def stale(self) -> bool:
        return self.state != "ok"


class LiveStore:
    """The dashboard's panels over one store, refreshed as described in the module.

    ``options`` are the metrics' options, as for a report (``{"trending":
    {"window_seconds": 1800}}``). ``policy``: the privacy policy (the campaign's by
    default); never revealing, whatever is given. ``state``: read the campaign's live state
    when it is current (False: always compute, as a store nobody maintains one for)."""

    def __init__(self, db: str | os.PathLike[str], campaign: Campaign | str | os.PathLike[str]
                 | None = None, options: Mapping[str, Mapping[str, Any]] | None = None,
                 min_interval: float = 1.0, max_duty: float = 0.25, max_cpu: float = 0.5,
                 policy: Policy | None = None, state: bool = True):
        self.db = Path(db)
        self.campaign = api.campaign_of(campaign)
        self.scope = Scope(self.campaign)
        self.policy = (policy or Policy.of(self.campaign)).revealing(False)
        self.panels = live_panels()
        self.options = {m.name: m.settings((options or {}).get(m.name))
                        for m, _ in self.panels}
        self.min_interval = min_interval
        self.max_duty = max_duty
        self.max_cpu = max_cpu
        self.state = LiveState(self.campaign, self.options) if state else None
        self.status = Status()
        self._raw = {p.name: EMPTY[p.widget] for _, p in self.panels}
        self._values = published_panels(self._raw, self.policy, [p for _, p in self.panels])
        self._fingerprints: dict[str, tuple | None] = {p.name: None for _, p in self.panels}
        self._computed: dict[str, float] = {p.name: float("-inf") for _, p in self.panels}
        self._next_due = float("-inf")
        self._lock = threading.Lock()

    # -- what the endpoints read -----------------------------------------------------------
    @property
    def scope_name(self) -> str:
        return self.campaign.name if self.campaign else "all posts"

    def panel(self, name: str) -> dict[str, Any]:
        """A panel's latest values, with how fresh they are: as of the last read of the
        store, or for a panel recomputed less often, as of its last computation."""
        self.refresh()
        slow = next(p.every for _, p in self.panels if p.name == name)
        return {**self._values[name], **self._freshness(),
                "updated_at": self.status.computed_at.get(name) if slow
                else self.status.updated_at}

    def health(self) -> dict[str, Any]:
        s = self.status
        return {"status": s.state, "db": str(self.db.resolve()), "scope": self.scope_name,
                "updated_at": s.updated_at, "checked_at": s.checked_at,
                "last_error": s.last_error, "refreshes": s.refreshes, "busy": s.busy,
                "last_refresh_ms": s.last_refresh_ms, "last_lock_ms": s.last_lock_ms,
                "min_interval": self.min_interval,
                "panel_intervals": {p.name: p.every for _, p in self.panels if p.every},
                "computed_from": s.computed_from}

    def _freshness(self) -> dict[str, Any]:
        return {"scope": self.scope_name, "tags": list(self.scope.tags),
                "stale": self.status.stale, "status": self.status.state}

    # -- refreshing ------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Bring the panels up to date if a refresh is due; never waits for the store.

        A request arriving while another refreshes waits for that refresh (up to
        ``REFRESH_WAIT`` seconds, then it gets the cached values) instead of reading the
        store again: the page's requests of one poll get one consistent reading.
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

    def _due(self, fingerprint: tuple, cheap: frozenset[str] = frozenset()) -> list[str]:
        """The panels to recompute: those whose store changed since they were computed, a
        panel with ``every`` only once that long has passed (or never computed), unless it is
        ``cheap`` (read from the live state: no computing to spare)."""
        now = time.monotonic()
        return [p.name for _, p in self.panels
                if self._fingerprints[p.name] is None or (
                    fingerprint != self._fingerprints[p.name]
                    and (p.name in cheap or now - self._computed[p.name] >= p.every))]

    def _refresh(self) -> None:
        began = time.monotonic()
        status = self.status
        status.checked_at = _now()
        try:
            store = Store(self.db, read_only=True)
        except StoreError as exc:
            if isinstance(exc, StoreBusy):
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
                marks = self.state.marks(store) if self.state is not None else None
                values = None
                if marks is not None:  # the live state is current: read it, copy the rest
                    fingerprint = ("state", marks.signature)
                    due = self._due(fingerprint, frozenset(self.state.panels))
                    read = [n for n in due if n in self.state.panels]
                    values = self.state.read(store, read, marks) if read else {}
                if values is not None:
                    self._keep(values, fingerprint)
                    due = [n for n in due if n not in self.state.panels]
                    status.computed_from = "state"
                else:
                    fingerprint = tuple(store.con.execute(FINGERPRINT).fetchall()[0])
                    due = self._due(fingerprint)
                    status.computed_from = "store" if due else status.computed_from
                snapshot = self._snapshot(store, due) if due else None
            finally:
                store.close()
                held = time.monotonic() - began
                status.last_lock_ms = round(held * 1000, 1)
            if snapshot is not None:
                self._compute(snapshot, fingerprint, due)
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

    def _snapshot(self, store: Store, due: list[str]) -> dict[str, pa.Table]:
        """The tables the due panels' metrics need, copied out so that the store can close
        before any computing starts (the copy is what holds the store: ~0.3 s per million
        posts). Of the posts, only :data:`SNAPSHOT_COLUMNS`."""
        needed = {"posts", "post_hashtags"}  # the matching rule's
        needed.update(t for m, p in self.panels if p.name in due for t in m.needs)
        text = ("text" if self.campaign and (self.campaign.phrases
                                             or self.campaign.roles_config)
                else "CAST(NULL AS VARCHAR) AS text")  # the phrase rule and roles read text
        copied = {"posts": _arrow(store, f"SELECT {', '.join(SNAPSHOT_COLUMNS)}, {text} "
                                         "FROM posts"),
                  "post_hashtags": _arrow(store, "SELECT platform, post_id, tag "
                                                 "FROM post_hashtags")}
        for name in sorted(needed - set(copied)):
            copied[name] = _arrow(store, f"SELECT * FROM {name}")
        return copied

    def _compute(self, snapshot: dict[str, pa.Table], fingerprint: tuple,
                 due: list[str]) -> None:
        """The due panels from a snapshot, in a private in-memory DuckDB."""
        import ibis

        con = duckdb.connect()
        try:
            for name in list(snapshot):
                con.register(f"snapshot_{name}", snapshot.pop(name))
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM snapshot_{name}")
                con.unregister(f"snapshot_{name}")
            tables = Tables.from_backend(ibis.duckdb.from_connection(con))
            self._keep(api.panels(tables, self.scope, due, self.options), fingerprint)
        finally:
            con.close()

    def _keep(self, values: dict[str, dict[str, Any]] | None, fingerprint: tuple) -> None:
        """New raw values of some panels; all of them published anew, together."""
        if not values:
            return
        now, stamp = time.monotonic(), _now()
        for name, value in values.items():
            self._raw[name] = value
            self._fingerprints[name] = fingerprint
            self._computed[name] = now
            self.status.computed_at[name] = stamp
        self._values = published_panels(self._raw, self.policy, [p for _, p in self.panels])
