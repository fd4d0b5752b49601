"""Trending tags over a stream of posts, in bounded memory (Apache DataSketches).

The score is :mod:`groundswell.trends.score`'s, computed one window at a time instead of over
the whole store: :mod:`groundswell.trends.batch` counts distinct accounts per (tag, window)
exactly and then walks each tag's dense series; here each window's counts come from sketches
and each tag keeps only the few past windows the score can still look at.

Per open window (the current one and the one before it):

- a **frequent-items sketch** (``frequent_strings_sketch(lg_max_items)``, Misra–Gries) counts
  the window's tag occurrences;
- one **HLL sketch** (``hll_sketch(lg_k)``) per tag estimates its distinct accounts. At most
  ``capacity = 0.75 · 2**lg_max_items`` HLLs (the frequent-items sketch's own capacity, 768 by
  default) are live per window. When a new tag arrives at a full window, a quarter of the
  slots are freed, dropping the tags with the lowest priority ``max(occurrences so far
  (frequent-items lower bound), accounts so far (HLL), the tag's usual level (the larger of
  its last baseline and count))``: the long tail of one-off tags churns through the last
  slots while tags that are heavy now, or usually are, keep theirs (``evictions`` counts the
  drops). A dropped and re-admitted tag loses the accounts seen before: its count is a lower
  bound, and a tag that had no HLL at the close counts 0 there.

When a window closes, each tag with an HLL gets ``observed = round(estimate)`` appended to its
history and is scored with :func:`~groundswell.trends.score.expected` and
:func:`~groundswell.trends.score.window_score`; :class:`TagState` replays
:func:`~groundswell.trends.score.trend_series`'s decay/cooldown/warmup step for step (tags
with a decaying score are stepped through windows where they are absent, too). A tag with a
state whose HLL was dropped during the window (*truncated*) records ``max(partial count, its
last baseline)`` instead (``stats.imputed`` counts these): recording the undercount would
lower its baseline and make its next complete window look like a rise. Tags at the edge of
the capacity are the ones the sketches can get wrong, so size ``lg_max_items`` to the stream
(``bench/stream_memory.py --reference`` measures it against exact counting).

**Memory.** A tag's state is a deque of its last ``max(lookback, period) + 1`` window counts
(all :func:`expected` can read; windows in which it was absent are filled in lazily as zeros)
plus its decayed maximum. A tag is forgotten once the sketches have not counted it for
``max(lookback, period)`` windows and its score has cooled down (``cooldown`` windows after
its maximum): with exact counts its state then equals a brand-new tag's, so forgetting
changes no score (imputed windows do not keep a tag alive). Every live state was counted in
one of the last ``max(lookback, period, cooldown + 1)`` windows, at most ``capacity`` tags per
window, and a window's truncation marks are a subset of the states, so
:attr:`StreamingTrends.max_memory_items` bounds :meth:`StreamingTrends.memory_items` whatever
the stream. Only the output (one entry per tag that ever trended, ten per trending window)
grows with time.

**Late posts.** Posts arrive in roughly increasing time order. A window closes when a post two
windows later arrives, so a post up to one window late is counted where it belongs; a post
in an already-closed window is dropped and counted in ``late_dropped``. Windows are
``floor(epoch seconds / window_seconds)`` of the UTC creation time, as in the batch path, and
window 0 of the score is the first window with a post.

``exact=True`` swaps the sketches for Python sets (no eviction, unbounded memory): the result
then equals :func:`groundswell.trends.batch.trends` (the tests check it), which is how the
sketches' error is isolated.
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from datasketches import frequent_strings_sketch, hll_sketch, tgt_hll_type

from groundswell.trends.score import TrendParams, expected, window_score

EPOCH = datetime(1970, 1, 1)
#: As in :mod:`groundswell.trends.batch`: trending tags listed per window.
RANKED_PER_WINDOW = 10
#: Standard deviations of the HLL bounds reported in :class:`Count`.
BOUND_STD_DEVS = 3
DEFAULT_PARAMS = TrendParams()


def iso(value: datetime) -> str:
    """ISO 8601 UTC with a ``Z`` (what :func:`groundswell.scope.iso` writes)."""
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def epoch_seconds(created_at: datetime) -> float:
    """Seconds since the epoch; a naive datetime is UTC (as everywhere in the store)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return created_at.timestamp()


@dataclass(frozen=True)
class Count:
    """Distinct accounts of a tag in a window: estimate and ±``BOUND_STD_DEVS`` σ bounds."""

    estimate: float
    lower: float
    upper: float


# -- the per-tag score state ---------------------------------------------------------------


class TagState:
    """One tag's score state: :func:`~groundswell.trends.score.trend_series` one window at a
    time. ``observe(i, obs)`` for a window the tag was counted in; ``idle(i)`` for one it was
    absent from (needed only while the decayed score is alive: :attr:`active`)."""

    __slots__ = ("history", "last", "max_score", "max_at", "baseline", "level", "counted")

    def __init__(self, keep: int):
        self.history: deque = deque(maxlen=keep)
        self.last: int | None = None
        self.max_score = 0.0
        self.max_at: int | None = None
        #: the baseline at the last observation, and max(baseline, count): what the tag
        #: usually has (the sketches' eviction priority and stand-in for truncated counts)
        self.baseline = self.level = 0.0
        self.counted: int | None = None  # the last window the sketches counted it in

    @property
    def active(self) -> bool:
        return self.max_at is not None

    def observe(self, i: int, obs: float, p: TrendParams) -> tuple[float, float, bool]:
        """``(score, trend, trending)`` for window ``i`` where the tag counted ``obs``."""
        hist = self.history
        if self.last is not None and i - self.last > 1:
            hist.extend([0] * min(i - self.last - 1, hist.maxlen))
        hist.append(obs)
        self.last = i
        past = list(hist)  # windows before the tag's state began are zeros, as in the batch
        baseline = self.baseline = expected(past, len(past) - 1, p)
        self.level = max(baseline, obs)
        return self._step(i, window_score(obs, baseline, p), p)

    def idle(self, i: int, p: TrendParams) -> tuple[float, float, bool]:
        """Window ``i`` without the tag: observed 0, which never scores (expected ≥ 1)."""
        return self._step(i, 0.0, p)

    def _step(self, i: int, score: float, p: TrendParams) -> tuple[float, float, bool]:
        # the loop body of trend_series, verbatim
        if self.max_at is not None and i - self.max_at > p.cooldown:
            self.max_score, self.max_at = 0.0, None
        if score > self.max_score:
            self.max_score, self.max_at = score, i
        decayed = (self.max_score * 0.5 ** ((i - self.max_at) / p.half_life)
                   if self.max_at is not None else 0.0)
        return score, decayed, decayed >= p.min_score and i >= p.warmup


# -- one open window -----------------------------------------------------------------------


class _SketchWindow:
    """A frequent-items sketch over tag occurrences and ≤ ``capacity`` HLLs of accounts."""

    __slots__ = ("freq", "hlls", "lg_k", "capacity", "evictions", "states", "truncated")

    def __init__(self, lg_k: int, lg_max_items: int, capacity: int,
                 states: dict[str, TagState] | None = None):
        self.freq = frequent_strings_sketch(lg_max_items)
        self.hlls: dict[str, Any] = {}
        self.lg_k = lg_k
        self.capacity = capacity
        self.evictions = 0
        self.states = states if states is not None else {}
        self.truncated: set[str] = set()  # known tags whose HLL was dropped in this window

    def add(self, author: Any, tags: Iterable[str]) -> None:
        hlls, freq_update = self.hlls, self.freq.update
        for tag in tags:
            freq_update(tag)
            h = hlls.get(tag)
            if h is None:
                if len(hlls) >= self.capacity:
                    self._evict()
                h = hlls[tag] = hll_sketch(self.lg_k, tgt_hll_type.HLL_8)
            h.update(author)

    def _evict(self) -> None:
        """Free a quarter of the slots: drop the HLLs of the tags with the lowest priority,
        ``max(occurrences this window (frequent-items lower bound), accounts so far (HLL),
        the tag's usual level)``; ties go oldest first. A dropped tag with a state is marked
        truncated (its count for the window is a lower bound)."""
        lower, states = self.freq.get_lower_bound, self.states

        def priority(item: tuple[str, Any]) -> float:
            tag, h = item
            state = states.get(tag)
            return max(lower(tag), h.get_estimate(), state.level if state is not None else 0.0)

        ranked = sorted(self.hlls.items(), key=priority)
        drop = ranked[:len(ranked) - (self.capacity - max(1, self.capacity // 4))]
        for tag, _ in drop:
            del self.hlls[tag]
            if tag in states:
                self.truncated.add(tag)
        self.evictions += len(drop)

    def counts(self) -> dict[str, Count]:
        return {tag: Count(h.get_estimate(), h.get_lower_bound(BOUND_STD_DEVS),
                           h.get_upper_bound(BOUND_STD_DEVS))
                for tag, h in self.hlls.items()}

    def items(self) -> int:
        return len(self.hlls) + 1 + len(self.truncated)


class _ExactWindow:
    """Exact counting (sets), for tests and small data."""

    __slots__ = ("accounts", "evictions")

    def __init__(self) -> None:
        self.accounts: dict[str, set] = {}
        self.evictions = 0

    def add(self, author: Any, tags: Iterable[str]) -> None:
        accounts = self.accounts
        for tag in tags:
            seen = accounts.get(tag)
            if seen is None:
                seen = accounts[tag] = set()
            seen.add(author)

    def counts(self) -> dict[str, Count]:
        return {tag: Count(len(s), len(s), len(s)) for tag, s in self.accounts.items()}

    def items(self) -> int:
        return len(self.accounts)


# -- the stream ----------------------------------------------------------------------------


@dataclass
class _Trending:
    first: int
    peak: int
    peak_score: float
    peak_accounts: int
    windows: int = 0


@dataclass
class _Stats:
    posts: int = 0
    late_dropped: int = 0
    windows_closed: int = 0
    tags_forgotten: int = 0
    evictions: int = 0
    imputed: int = 0
    peak_memory_items: int = 0


class StreamingTrends:
    """The trending score over a stream of posts, in bounded memory (see the module doc).

    >>> st = StreamingTrends()
    >>> st.update(datetime(2017, 10, 15, 20, 30), "u1", ["metoo"])   # doctest: +SKIP
    >>> st.finish(); st.results()                                     # doctest: +SKIP

    ``on_close(window_start, counts)`` is called as each window closes with that window's
    ``{tag: Count}`` (HLL estimates with their bounds), e.g. to check or log the sketches.
    """

    def __init__(self, params: TrendParams = DEFAULT_PARAMS, lg_k: int = 12,
                 lg_max_items: int = 12, *, exact: bool = False,
                 on_close: Callable[[datetime, dict[str, Count]], None] | None = None):
        self.params = params
        self.lg_k = lg_k
        self.lg_max_items = lg_max_items
        self.exact = exact
        self.on_close = on_close
        #: HLLs per window (the frequent-items sketch's capacity); None when exact.
        self.capacity = None if exact else int(0.75 * 2 ** lg_max_items)
        self._keep = max(params.lookback, params.period) + 1  # history a score can read
        self._ws = params.window_seconds
        self._open: dict[int, _SketchWindow | _ExactWindow] = {}
        self._cur: int | None = None  # latest window seen
        self._next_close: int | None = None  # every window before it is closed
        self._start: int | None = None  # window 0 of the score (set by the first close)
        self._states: OrderedDict[str, TagState] = OrderedDict()  # by last count
        self._active: set[str] = set()  # tags whose decayed score is alive
        self._trending: dict[str, _Trending] = {}
        self._ranking: list[tuple[int, list[dict]]] = []
        self.stats = _Stats()

    # -- feeding ------------------------------------------------------------------------------
    def update(self, created_at: datetime, author_id: Any, tags: Iterable[str]) -> None:
        """One post: its UTC creation time, author and (normalized) tags."""
        self.update_epoch(epoch_seconds(created_at), author_id, tags)

    def update_epoch(self, seconds: float, author_id: Any, tags: Iterable[str]) -> None:
        """:meth:`update` with the creation time in seconds since the epoch."""
        self.stats.posts += 1
        w = int(seconds // self._ws)
        win = self._window(w)
        if win is not None and author_id is not None:
            win.add(author_id, tags)

    def update_many(self, seconds: Sequence[float], authors: Sequence[Any],
                    tags: Sequence[Iterable[str]]) -> None:
        """Many posts at once (aligned sequences), in stream order: the fast path."""
        ws = self._ws
        last_w, win = None, None
        for s, author, post_tags in zip(seconds, authors, tags, strict=True):
            w = int(s // ws)
            if w != last_w:
                win, last_w = self._window(w), w
            if win is not None and author is not None and post_tags:
                win.add(author, post_tags)
        self.stats.posts += len(seconds)

    def _window(self, w: int) -> _SketchWindow | _ExactWindow | None:
        """The open window for a post in window ``w`` (closing older ones); None if late."""
        win = self._open.get(w)
        if win is not None:
            return win
        if self._cur is None:
            self._cur = self._next_close = w
        elif w > self._cur:
            self._advance(w)
        elif w < self._cur - 1 or (w < self._next_close and self._start is not None):
            self.stats.late_dropped += 1
            return None
        else:  # one window late, before anything closed: the data starts earlier
            self._next_close = min(self._next_close, w)
        win = self._open[w] = (_ExactWindow() if self.exact else
                               _SketchWindow(self.lg_k, self.lg_max_items, self.capacity,
                                             self._states))
        return win

    def _advance(self, w: int) -> None:
        """Window ``w`` arrived: close every window before ``w - 1``, in order."""
        self._track_memory()
        self._cur = w
        while self._next_close < w - 1:
            x = self._next_close
            win = self._open.pop(x, None)
            if win is not None or (self._active and self._start is not None):
                self._close(x, win)
                self._next_close = x + 1
            else:  # nothing open and nothing decaying: skip the empty windows at once
                pending = [y for y in self._open if y < w - 1]
                self._next_close = min(pending) if pending else w - 1

    def finish(self) -> None:
        """Close the open windows (end of the stream). Later posts in them count as late."""
        if self._cur is not None:
            self._advance(self._cur + 2)
            self._cur -= 2

    # -- closing a window --------------------------------------------------------------------
    def _close(self, x: int, win: _SketchWindow | _ExactWindow | None) -> None:
        p = self.params
        if self._start is None:
            self._start = x
        i = x - self._start
        counts = win.counts() if win is not None else {}
        if win is not None:
            self.stats.evictions += win.evictions
        if self.on_close is not None:
            self.on_close(self.window_start(x), counts)
        ranked = []
        observed = {tag: int(round(c.estimate)) for tag, c in counts.items()}
        for tag in getattr(win, "truncated", ()):
            state = self._states.get(tag)
            if state is not None:  # counted only in part: no less than its usual baseline
                observed[tag] = max(observed.get(tag, 0), state.baseline)
                self.stats.imputed += 1
        for tag, obs in observed.items():
            state = self._states.get(tag)
            if state is None:
                state = self._states[tag] = TagState(self._keep)
            elif tag in counts:
                self._states.move_to_end(tag)
            if tag in counts:
                state.counted = i
            self._record(tag, i, obs, *state.observe(i, obs, p), ranked)
            if state.active:
                self._active.add(tag)
        for tag in [t for t in self._active if t not in observed]:
            state = self._states[tag]
            self._record(tag, i, 0, *state.idle(i, p), ranked)
        self._active = {t for t in self._active if self._states[t].active}
        self._track_memory()
        self._forget(i)
        if ranked:
            top = heapq.nsmallest(RANKED_PER_WINDOW, ranked, key=lambda r: (-r["score"], r["tag"]))
            self._ranking.append((i, top))
        self.stats.windows_closed += 1

    def _record(self, tag: str, i: int, obs: int, score: float, trend: float, trending: bool,
                ranked: list) -> None:
        """Fold one (tag, window) into the results: first trending window, peak (the trending
        window with the highest trend, earliest on ties, as :attr:`TagTrend.peak`), count."""
        if not trending:
            return
        found = self._trending.get(tag)
        if found is None:
            found = self._trending[tag] = _Trending(i, i, trend, obs)
        elif trend > found.peak_score:
            found.peak, found.peak_score, found.peak_accounts = i, trend, obs
        found.windows += 1
        ranked.append({"tag": tag, "score": round(trend, 3), "accounts": round(obs)})

    def _forget(self, i: int) -> None:
        """Drop states equal to a brand-new tag's: absent for max(lookback, period) windows
        (nothing :func:`expected` reads is left) and cooled down."""
        horizon = self._keep - 1
        states = self._states
        while states:
            tag, state = next(iter(states.items()))
            if state.active or i - state.counted < horizon:
                break  # ordered by last count; an active front only delays the rest
            del states[tag]
            self.stats.tags_forgotten += 1

    # -- reading -------------------------------------------------------------------------------
    def window_start(self, w: int) -> datetime:
        """Naive UTC start of absolute window ``w``."""
        return EPOCH + timedelta(seconds=w * self._ws)

    def results(self) -> list[dict]:
        """Tags that trended in the closed windows, as in ``batch.trends(...)["trending"]``
        (without the store-derived campaign fields)."""
        start = lambda i: iso(self.window_start(self._start + i))  # noqa: E731
        out = [{"tag": tag, "first_trending_at": start(t.first), "peak_at": start(t.peak),
                "peak_score": round(t.peak_score, 3), "peak_accounts": round(t.peak_accounts),
                "windows_trending": t.windows}
               for tag, t in self._trending.items()]
        out.sort(key=lambda f: (f["first_trending_at"], f["tag"]))
        return out

    def windows(self) -> list[dict]:
        """Per closed window with trending tags, the top ones (as ``batch.trends``'s)."""
        return [{"window_start": iso(self.window_start(self._start + i)), "tags": tags}
                for i, tags in self._ranking]

    def report(self) -> dict:
        """``batch.trends``'s shape (closed windows only) plus the stream's own numbers."""
        closed = self._start is not None
        return {
            "window_seconds": self._ws,
            "params": self.params.__dict__,
            "data_start": iso(self.window_start(self._start)) if closed else None,
            "data_end": iso(self.window_start(self._next_close)) if closed else None,
            "trending": self.results(),
            "windows": self.windows(),
            "stream": {"posts": self.stats.posts, "late_dropped": self.stats.late_dropped,
                       "evictions": self.stats.evictions, "exact": self.exact,
                       "lg_k": self.lg_k, "lg_max_items": self.lg_max_items,
                       "memory_items": self.memory_items(),
                       "max_memory_items": self.max_memory_items,
                       "peak_memory_items": self.stats.peak_memory_items},
        }

    @property
    def late_dropped(self) -> int:
        return self.stats.late_dropped

    def memory(self) -> dict[str, int]:
        """Live items by kind: sketches (HLLs or sets, frequent-items, truncation marks) and
        tag states."""
        return {"sketches": sum(w.items() for w in self._open.values()),
                "tag_states": len(self._states)}

    def memory_items(self) -> int:
        """Live sketches plus tracked tags (what bounded memory bounds)."""
        return sum(self.memory().values())

    @property
    def max_memory_items(self) -> int | float:
        """An upper bound on :meth:`memory_items` for any stream (``inf`` when exact):
        ``S = capacity × (max(lookback, period, cooldown + 1) + 1)`` tag states (≤ capacity
        per window over the windows a state can outlive its last observation, plus the one
        being closed) and 2 open windows × (capacity HLLs + 1 frequent-items sketch + ≤ S
        truncation marks)."""
        if self.capacity is None:
            return math.inf
        p = self.params
        states = self.capacity * (max(p.lookback, p.period, p.cooldown + 1) + 1)
        return states + 2 * (self.capacity + 1 + states)

    def _track_memory(self) -> None:
        if not self.exact:
            n = self.memory_items()
            if n > self.stats.peak_memory_items:
                self.stats.peak_memory_items = n


# -- replaying a store ---------------------------------------------------------------------


def stream_from_store(store_or_tables: Any, scope: Any = None, params: TrendParams | None = None,
                      *, batch_size: int = 100_000, **options: Any) -> StreamingTrends:
    """Replay a store's posts (a :class:`~groundswell.Store`, an Ibis backend or
    :class:`~groundswell.scope.Tables`) in time order through :class:`StreamingTrends`
    and :meth:`~StreamingTrends.finish` it. ``scope`` restricts the posts as the batch path
    does (the campaign's time window); ``options`` go to :class:`StreamingTrends`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from groundswell.scope import KEY, Scope, Tables

    tables = store_or_tables
    if not isinstance(tables, Tables):
        backend = getattr(tables, "ibis", tables)
        tables = Tables.from_backend(backend)
    scope = scope or Scope()
    st = StreamingTrends(params or TrendParams(), **options)
    posts = scope.window(tables)
    on = tables.key
    posts = posts.filter(posts.created_at.notnull()).select(
        *dict.fromkeys([*KEY, *on]), "author_id", "created_at")
    h = tables.post_hashtags
    tags = h.group_by(on).aggregate(tags=h.tag.collect())
    joined = posts.left_join(tags, on)
    joined = joined.select(posts.platform, posts.post_id, posts.author_id, posts.created_at,
                           tags.tags)
    ordered = joined.order_by(["created_at", "platform", "post_id"])
    for batch in _arrow_batches(ordered, batch_size):
        micros = pc.cast(batch.column("created_at").cast(pa.timestamp("us")), pa.int64())
        seconds = [m / 1_000_000 for m in micros.to_pylist()]
        authors = batch.column("author_id").to_pylist()
        post_tags = [t or () for t in batch.column("tags").to_pylist()]
        st.update_many(seconds, authors, post_tags)
    st.finish()
    return st


def _arrow_batches(expr: Any, batch_size: int) -> Iterable:
    """Record batches of an Ibis expression, streamed. On DuckDB the compiled SQL runs on the
    backend's connection directly: Ibis 12's ``to_pyarrow_batches`` calls
    ``fetch_record_batch``, which DuckDB 2 no longer has."""
    import ibis

    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        relation = backend.con.sql(backend.compile(expr))
        for name in ("to_arrow_reader", "fetch_arrow_reader", "record_batch"):
            if hasattr(relation, name):
                return getattr(relation, name)(batch_size)
    return expr.to_pyarrow_batches(chunk_size=batch_size)


__all__ = ["Count", "StreamingTrends", "TagState", "stream_from_store", "BOUND_STD_DEVS"]
