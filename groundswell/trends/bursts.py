"""Kleinberg's two-state burst automaton over batched counts: *is this tag in a burst, and when?*

The model is the batched one of Kleinberg (2002), "Bursty and Hierarchical Structure in
Streams", §4 ("enumerating bursts"). Time is cut into *n* windows; in window *t* there are
``d[t]`` events in all (every post) of which ``r[t]`` are target events (posts carrying the
tag). A hidden automaton is in one of two states:

- state 0, *baseline*: each event is a target event with probability ``p0 = Σr / Σd``, the
  tag's share over the whole series;
- state 1, *burst*: with probability ``p1 = min(s · p0, 0.9999)`` — ``s`` (default 2) is the
  multiplicative distance between the states: "in a burst" means "at least twice its usual
  share of the traffic".

The cost of explaining window *t* by state *j* is the negative log-likelihood of the binomial

    fit_j(t) = −ln[ C(d_t, r_t) · p_j^r_t · (1 − p_j)^(d_t − r_t) ]

(``ln C`` via :func:`math.lgamma`; a window without events costs 0 in both states, so it
neither starts nor breaks a burst). Moving up a state costs ``τ = γ · ln n`` (``gamma``,
default 1: larger means fewer, longer-evidenced bursts; the ``ln n`` makes the penalty grow
with the series so a long series does not fragment into noise bursts); moving down is free.
The automaton starts in state 0. The state sequence minimising total fit + transition cost is
found exactly by the Viterbi algorithm (dynamic programming over both states with
backtracking, O(n)); ties go to state 0, so a burst never begins or ends with empty windows.

Bursts are the maximal runs of state 1: ``(begin, end inclusive, weight)`` with weight
``Σ_run [fit_0(t) − fit_1(t)]``, the log-likelihood gain of calling the run a burst (always
more than ``γ · ln n`` for an optimal run, else staying at baseline would be cheaper).

Why only two states: Kleinberg's infinite-state automaton builds a hierarchy of ever more
intense bursts, which answers "how intense, nested how?". For a campaign the question is
binary — when was this tag surging relative to its own normal share of the conversation? —
and two states answer it with two interpretable parameters, no nesting to flatten, and costs
that are cheap to compute on any series length.

Relative, not absolute: because the baseline is the tag's *share* of all posts, a tag that
grows only as fast as the whole conversation (the daily cycle, a busier day) is not bursting.
The flip side: a tag born inside a flood of related posts (a response tag during its campaign)
bursts once its share has climbed past the break-even between ``p0`` and ``p1``, not at its
first use — in the simulated campaign #IBelieveYou starts at 02:45 and bursts from 23:00.

:func:`tag_bursts` builds ``r`` and ``d`` per window from the canonical tables with Ibis (one
grouped query, nothing engine-specific, so it runs on DuckDB and Spark alike) and returns a
JSON-ready summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import ibis

from groundswell.scope import Scope, Tables, iso
from groundswell.text import normalize_tag

EPOCH = datetime(1970, 1, 1)
P1_CAP = 0.9999


@dataclass(frozen=True)
class BurstParams:
    """``s``: burst share = ``s`` × baseline share (> 1); ``gamma``: cost of moving up (≥ 0),
    in units of ``ln n``."""

    s: float = 2.0
    gamma: float = 1.0

    def __post_init__(self) -> None:
        if not self.s > 1:
            raise ValueError(f"s must be greater than 1, got {self.s}")
        if not self.gamma >= 0:
            raise ValueError(f"gamma must be non-negative, got {self.gamma}")


@dataclass(frozen=True)
class Burst:
    """A maximal run of the burst state: windows ``begin``..``end`` (inclusive)."""

    begin: int
    end: int
    weight: float


def _check(r: Sequence[int], d: Sequence[int]) -> tuple[list[int], list[int]]:
    r, d = [int(x) for x in r], [int(x) for x in d]
    if len(r) != len(d):
        raise ValueError(f"r and d differ in length ({len(r)} vs {len(d)})")
    for t, (rt, dt) in enumerate(zip(r, d, strict=True)):
        if not 0 <= rt <= dt:
            raise ValueError(f"window {t}: need 0 <= r <= d, got r={rt}, d={dt}")
    return r, d


def _xlogy(x: int, p: float) -> float:
    """``x · ln p`` with ``0 · ln 0 = 0``."""
    return 0.0 if x == 0 else x * math.log(p)


def rates(r: Sequence[int], d: Sequence[int], params: BurstParams = BurstParams()
          ) -> tuple[float, float]:
    """``(p0, p1)``: the baseline share and the burst share."""
    total = sum(d)
    p0 = sum(r) / total if total else 0.0
    return p0, min(params.s * p0, P1_CAP)


def fit_costs(r: Sequence[int], d: Sequence[int], p: float) -> list[float]:
    """``fit(t) = −ln[C(d_t, r_t) p^r_t (1−p)^(d_t−r_t)]`` for every window."""
    out = []
    for rt, dt in zip(r, d, strict=True):
        log_binom = math.lgamma(dt + 1) - math.lgamma(rt + 1) - math.lgamma(dt - rt + 1)
        out.append(-(log_binom + _xlogy(rt, p) + _xlogy(dt - rt, 1.0 - p)))
    return out


def _costs(r, d, params) -> tuple[list[float], list[float]] | None:
    """Both states' fit costs, or None when state 1 cannot be told apart from state 0
    (no target events at all, or a baseline share already at the cap)."""
    p0, p1 = rates(r, d, params)
    if p0 <= 0.0 or p1 <= p0:
        return None
    return fit_costs(r, d, p0), fit_costs(r, d, p1)


def _viterbi(fit0: list[float], fit1: list[float], up: float) -> list[int]:
    """Minimum-cost state sequence of the two-state automaton (start in 0; going up costs
    ``up``, down is free); ties prefer state 0."""
    n = len(fit0)
    # back[t] = (predecessor of state 0 at t, predecessor of state 1 at t)
    back: list[tuple[int, int]] = []
    c0, c1 = 0.0, math.inf  # cost of being in state 0/1 "before" window 0
    for t in range(n):
        from1 = c1 < c0  # reach state 0 from 1 (free) only if strictly cheaper
        stay1 = c1 < c0 + up  # reach state 1 by staying only if strictly cheaper than going up
        n0 = (c1 if from1 else c0) + fit0[t]
        n1 = (c1 if stay1 else c0 + up) + fit1[t]
        back.append((1 if from1 else 0, 1 if stay1 else 0))
        c0, c1 = n0, n1
    state = 1 if c1 < c0 else 0
    states = [0] * n
    for t in range(n - 1, -1, -1):
        states[t] = state
        state = back[t][state]
    return states


def burst_states(r: Sequence[int], d: Sequence[int],
                 params: BurstParams = BurstParams()) -> list[int]:
    """The optimal state (0 baseline, 1 burst) of every window."""
    r, d = _check(r, d)
    costs = _costs(r, d, params)
    if costs is None:
        return [0] * len(r)
    up = params.gamma * math.log(len(r))
    return _viterbi(*costs, up)


def runs(states: Sequence[int]) -> list[tuple[int, int]]:
    """Maximal runs of state 1 as ``(begin, end inclusive)``."""
    out, begin = [], None
    for t, q in enumerate(states):
        if q == 1 and begin is None:
            begin = t
        elif q != 1 and begin is not None:
            out.append((begin, t - 1))
            begin = None
    if begin is not None:
        out.append((begin, len(states) - 1))
    return out


def bursts(r: Sequence[int], d: Sequence[int],
           params: BurstParams = BurstParams()) -> list[Burst]:
    """The bursts, in time order, each weighted by ``Σ [fit_0 − fit_1]`` over its windows."""
    r, d = _check(r, d)
    costs = _costs(r, d, params)
    if costs is None:
        return []
    fit0, fit1 = costs
    states = _viterbi(fit0, fit1, params.gamma * math.log(len(r)))
    return [Burst(b, e, sum(fit0[t] - fit1[t] for t in range(b, e + 1)))
            for b, e in runs(states)]


def window_series(tables: Tables, scope: Scope | None, tag: str, window_seconds: int = 3600
                  ) -> tuple[int | None, list[int], list[int]]:
    """``(first window, r, d)``: posts carrying ``tag`` and all posts per window (window =
    ``floor(epoch seconds / window_seconds)``), dense over the span of ``scope.window``."""
    if window_seconds <= 0:
        raise ValueError(f"window_seconds must be positive, got {window_seconds}")
    scope = scope or Scope()
    posts = scope.window(tables)
    on = tables.key
    posts = posts.filter(posts.created_at.notnull()).select(*on, "created_at")
    h = tables.post_hashtags
    carrying = h.filter(h.tag == normalize_tag(tag)).select(*on).distinct()
    carrying = carrying.mutate(hit=ibis.literal(1, "int64"))
    joined = posts.left_join(carrying, on)
    w = (joined.created_at.epoch_seconds() / window_seconds).floor().cast("int64")
    per = joined.group_by(w=w).aggregate(d=joined.count(), r=joined.hit.fill_null(0).sum())
    got = per.to_pyarrow().to_pylist()
    if not got:
        return None, [], []
    lo = min(row["w"] for row in got)
    hi = max(row["w"] for row in got)
    r, d = [0] * (hi - lo + 1), [0] * (hi - lo + 1)
    for row in got:
        r[row["w"] - lo] = int(row["r"] or 0)
        d[row["w"] - lo] = int(row["d"])
    return lo, r, d


def tag_bursts(tables: Tables, scope: Scope | None, tag: str, window_seconds: int = 3600,
               params: BurstParams = BurstParams()) -> dict:
    """The bursts of ``tag`` against all posts in scope, JSON-ready.

    ``begin_at`` is the start of a burst's first window, ``end_at`` the end of its last,
    ``posts`` the posts carrying the tag inside it, ``peak_at`` the start of its busiest window
    (the earliest, on a tie).
    """
    lo, r, d = window_series(tables, scope, tag, window_seconds)

    def at(i: int) -> str | None:
        return iso(EPOCH + timedelta(seconds=(lo + i) * window_seconds))

    found = []
    for b in bursts(r, d, params):
        peak = max(range(b.begin, b.end + 1), key=lambda t: (r[t], -t))
        found.append({
            "begin_at": at(b.begin),
            "end_at": at(b.end + 1),
            "windows": b.end - b.begin + 1,
            "weight": round(b.weight, 4),
            "posts": sum(r[b.begin:b.end + 1]),
            "peak_at": at(peak),
        })
    return {
        "tag": normalize_tag(tag),
        "window_seconds": window_seconds,
        "params": asdict(params),
        "series_start": at(0) if lo is not None else None,
        "windows": len(r),
        "bursts": found,
    }


__all__ = ["BurstParams", "Burst", "burst_states", "bursts", "tag_bursts", "window_series",
           "fit_costs", "rates", "runs"]
