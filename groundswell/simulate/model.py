"""The stochastic campaign: who posts what, when, and in reply to (or as a repost of) what.

The model is a marked Hawkes process in its cluster (branching) form, grown generation by
generation with numpy so a million posts take a couple of seconds:

* **Immigrants** arrive from exogenous envelopes: the origin's call to action at t = 0,
  a handful of public figures within the first hours, then ordinary people posting their own
  ``#MeToo`` originals along a rise-and-decay envelope over ~9 days (news coverage), and the
  language variants (fr/es/it) each starting days later with their own envelope. Background
  posts (other hashtags) arrive at a steady rate from a day before the origin.
* **Offspring**: every post triggers a negative-binomial number of children whose mean grows
  with its author's audience, ``(followers/300)^0.45`` (heavy-tailed reach → bursty
  cascades). A child is a repost, a reply, a quote, or an *inspired* new original: the
  self-exciting part — seeing others post makes people post. While the origin is fresh, an
  inspired English post is often a "me too" reply to the origin itself, as happened.
  Reposts, replies and quotes always point at the reposted *content* (you cannot retweet a
  retweet), delays are exponential mixtures (minutes to a day), and the branching ratio is
  below one so every cascade dies out.
* **Daily cycle**: everything is generated in activity time and mapped to wall-clock time
  by :class:`~groundswell.simulate.clock.DailyCycle`.
* **Exact size**: a "tree" is an original plus all posts that explicitly point into it.
  Campaign trees are grown until they reach their share of the target, then random ordinary
  trees are dropped (trees are closed under references, so nothing dangles); background
  trees are trimmed the same way and topped up with singletons to land on the exact count.
* **Deletes** are drawn among originals/replies that nobody reposted, quoted or answered and
  whose author posted something else, so a deleted post never reappears anywhere and its
  author still counts as an account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.simulate.accounts import Accounts, Pools
from groundswell.simulate.clock import DAY, HOUR, DailyCycle, snowflake_ids

ORIGINAL, REPLY, REPOST, QUOTE = 0, 1, 2, 3
KIND_NAMES = ("original", "reply", "repost", "quote")
EN, FR, ES, IT, BG = 0, 1, 2, 3, 4
STREAM_LANG = (0, 1, 2, 3, -1)  # account language drawn per stream (-1: anyone)
ORDINARY, ORIGIN, FOLLOWUP, PUBLIC = 0, 1, 2, 3  # the ``special`` column

MIN_DELAY = 5.0  # activity seconds: a child is never in the same second as its parent

# Offspring mean = BASE[stream, kind of parent] * reach(author), capped.
_BASE = np.array([
    # original reply repost quote
    [1.20, 0.35, 0.55, 0.90],  # en campaign
    [1.15, 0.35, 0.55, 0.85],  # fr
    [1.10, 0.35, 0.50, 0.85],  # es
    [1.10, 0.35, 0.50, 0.85],  # it
    [0.45, 0.15, 0.20, 0.30],  # background: no burst
])
_CAP = 60.0
_MEAN_REACH = 1.15  # activity-weighted mean reach of a large pool (lognormal followers)
_DISPERSION = 0.6  # gamma shape of the offspring mean: smaller → more viral outliers
# Child type probabilities per stream: repost, reply, quote, inspired original.
_TYPE_P = np.array([
    [0.68, 0.16, 0.04, 0.12],
    [0.60, 0.20, 0.05, 0.15],
    [0.60, 0.20, 0.05, 0.15],
    [0.60, 0.20, 0.05, 0.15],
    [0.55, 0.40, 0.05, 0.00],
])
_TYPE_CUM = np.cumsum(_TYPE_P, axis=1)[:, :-1]
_CHILD_KIND = np.array([REPOST, REPLY, QUOTE, ORIGINAL], dtype=np.int8)
# Delay mixtures per child type: (weights, mean activity seconds).
_DELAY_W = np.array([[0.55, 0.35, 0.10], [0.60, 0.30, 0.10], [0.55, 0.35, 0.10],
                     [0.40, 0.40, 0.20]])
_DELAY_MEAN = np.array([[15 * 60, 2 * HOUR, 12 * HOUR], [20 * 60, 2 * HOUR, 10 * HOUR],
                        [20 * 60, 3 * HOUR, 12 * HOUR], [1 * HOUR, 6 * HOUR, 24 * HOUR]])
_ORIGIN_DELAY = ((0.30, 0.45, 0.25), (1.5 * HOUR, 8 * HOUR, 30 * HOUR))
_STAR_DELAY = ((0.50, 0.35, 0.15), (40 * 60, 4 * HOUR, 16 * HOUR))


@dataclass(frozen=True)
class Params:
    """Knobs of the model; the defaults give a #MeToo-like shape. Shares are of ``posts``."""

    background_share: float = 0.25
    lead_days: float = 1.0  # background starts this long before the origin
    horizon_days: float = 9.5  # collection ends this long after the origin
    n_public: int = 15
    public_join_hours: tuple[float, float] = (0.5, 9.0)
    followup_hours: float = 3.0
    origin_reposts: float = 0.020
    origin_replies: float = 0.015
    origin_quotes: float = 0.0015
    public_children: float = 0.035  # all public figures together
    followup_children: float = 0.008
    variant_share: tuple[float, float, float] = (0.07, 0.045, 0.03)  # fr, es, it immigrants
    variant_start_days: tuple[float, float, float] = (1.5, 2.5, 3.0)
    origin_reply_share: float = 0.45  # of inspired en posts at t=0 that are origin replies
    origin_reply_decay_h: float = 20.0
    delete_share: float = 0.001


@dataclass
class Campaign:
    """All generated posts, sorted by id (= by time). Parents always precede children."""

    kind: np.ndarray  # int8 ORIGINAL/REPLY/REPOST/QUOTE
    author: np.ndarray  # int64 account row
    parent: np.ndarray  # int64 row of the replied-to / reposted / quoted post, -1 if none
    stream: np.ndarray  # int8 EN/FR/ES/IT/BG
    special: np.ndarray  # int8 ORDINARY/ORIGIN/FOLLOWUP/PUBLIC
    ms: np.ndarray  # int64 Unix ms
    ids: np.ndarray  # int64 snowflake ids
    deleted: np.ndarray  # bool
    delete_ms: np.ndarray  # int64, 0 unless deleted
    t0_ms: int
    origin: int  # row of the origin post
    variant_start_ms: tuple[int, int, int]

    @property
    def size(self) -> int:
        return int(self.kind.size)

    def shift(self, ms: int) -> None:
        """Move every time by ``ms`` (whole days keep the daily cycle): the same campaign,
        dated otherwise. Ids keep their times: only the Twitter writers read them."""
        self.ms += ms
        self.delete_ms[self.deleted] += ms
        self.t0_ms += ms
        self.variant_start_ms = tuple(v + ms for v in self.variant_start_ms)  # type: ignore


class _Table:
    """Growable column store for events while the cascade is being built."""

    COLS = (("kind", np.int8), ("author", np.int64), ("parent", np.int64),
            ("stream", np.int8), ("special", np.int8), ("u", np.float64), ("tree", np.int64))

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.cap = max(1024, capacity)
        for name, dt in self.COLS:
            setattr(self, name, np.empty(self.cap, dtype=dt))

    def add(self, **cols: np.ndarray) -> np.ndarray:
        m = int(cols["u"].size)
        while self.n + m > self.cap:
            self.cap *= 2
            for name, _ in self.COLS:
                old = getattr(self, name)
                new = np.empty(self.cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        idx = np.arange(self.n, self.n + m, dtype=np.int64)
        for name, _ in self.COLS:
            getattr(self, name)[self.n: self.n + m] = cols[name]
        self.n += m
        return idx

    def col(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]


class _Builder:
    def __init__(self, rng: np.random.Generator, acc: Accounts, clock: DailyCycle,
                 params: Params, target: int) -> None:
        self.rng = rng
        self.acc = acc
        self.pools = Pools(acc)
        self.clock = clock
        self.p = params
        self.target = target
        self.u_max = float(clock.to_activity(params.horizon_days * DAY))
        self.u_min = float(clock.to_activity(-params.lead_days * DAY))
        self.reach = self._reach(acc)
        self.budget = 3 * target + 1000  # hard stop should a small pool go supercritical
        self.t = _Table(int(target * 1.25) + 64)
        self.variant_start_u = [float(clock.to_activity(d * DAY))
                                for d in params.variant_start_days]

    @staticmethod
    def _reach(acc: Accounts) -> np.ndarray:
        """Audience factor ``(followers/300)^0.45`` of every account.

        In a small pool one busy account with a big audience can dominate who reposts, which
        would push the branching ratio over one; each language pool is rescaled so its
        activity-weighted mean reach never exceeds that of a large pool.
        """
        reach = ((acc.followers + 10) / 300.0) ** 0.45
        start = acc.ordinary_start
        for k in range(int(acc.lang.max()) + 1 if acc.size > start else 0):
            rows = np.flatnonzero(acc.lang[start:] == k) + start
            if rows.size:
                mean = np.average(reach[rows], weights=acc.activity[rows])
                reach[rows] *= min(1.0, _MEAN_REACH / mean)
        return reach

    # -- helpers -----------------------------------------------------------------------
    def _authors(self, stream: np.ndarray) -> np.ndarray:
        lang = np.asarray(STREAM_LANG, dtype=np.int8)[stream]
        out = np.empty(stream.size, dtype=np.int64)
        bg = lang < 0
        if bg.any():
            out[bg] = self.pools.draw(self.rng, np.zeros(int(bg.sum()), np.int8), mix=1.0)
        if (~bg).any():
            out[~bg] = self.pools.draw(self.rng, lang[~bg], mix=0.12)
        return out

    def _mixture(self, n: int, weights: np.ndarray, means: np.ndarray) -> np.ndarray:
        """Exponential-mixture delays; ``weights``/``means`` are (n, k) or (k,)."""
        cum = np.cumsum(weights, axis=-1)[..., :-1]
        comp = (self.rng.random(n)[:, None] >= np.atleast_2d(cum)).sum(axis=1)
        scale = np.take_along_axis(np.broadcast_to(means, (n, means.shape[-1])),
                                   comp[:, None], axis=1)[:, 0]
        return self.rng.exponential(1.0, n) * scale + MIN_DELAY

    def _origin_reply(self, stream: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Which would-be English originals become "me too" replies to the origin instead."""
        p = self.p.origin_reply_share * np.exp(-np.maximum(u, 0) / (self.p.origin_reply_decay_h
                                                                    * HOUR))
        return (stream == EN) & (self.rng.random(u.size) < p)

    def _add_originals(self, stream: np.ndarray, u: np.ndarray, special: int = ORDINARY,
                       author: np.ndarray | None = None) -> np.ndarray:
        """New originals, each its own tree (some en ones turned into origin replies)."""
        if author is None:
            author = self._authors(stream)
        to_origin = (self._origin_reply(stream, u) if special == ORDINARY
                     else np.zeros(u.size, bool))
        kind = np.where(to_origin, REPLY, ORIGINAL).astype(np.int8)
        parent = np.where(to_origin, 0, -1)
        idx = self.t.add(kind=kind, author=author, parent=parent, stream=stream,
                         special=np.full(u.size, special, np.int8), u=u,
                         tree=np.zeros(u.size, np.int64))
        self.t.tree[idx] = np.where(to_origin, self.t.tree[0] if self.t.n else 0, idx)
        return idx

    def _add_children(self, parent: np.ndarray, ctype: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Children of ``parent`` rows (already resolved to content) of type 0..3."""
        keep = u < self.u_max
        parent, ctype, u = parent[keep], ctype[keep], u[keep]
        if not u.size:
            return np.empty(0, np.int64)
        stream = self.t.stream[parent]
        inspired = ctype == 3
        out = []
        if (~inspired).any():
            p = parent[~inspired]
            s = stream[~inspired]
            out.append(self.t.add(kind=_CHILD_KIND[ctype[~inspired]], author=self._authors(s),
                                  parent=p, stream=s, special=np.zeros(p.size, np.int8),
                                  u=u[~inspired], tree=self.t.tree[p]))
        if inspired.any():
            out.append(self._add_originals(stream[inspired], u[inspired]))
        return np.concatenate(out)

    # -- growth ------------------------------------------------------------------------
    def cascade(self, gen: np.ndarray) -> None:
        """Grow ordinary offspring of ``gen`` until every branch dies out."""
        rng = self.rng
        while gen.size and self.t.n < self.budget:
            kind = self.t.kind[gen]
            stream = self.t.stream[gen]
            content = np.where(kind == REPOST, self.t.parent[gen], gen)
            m = np.minimum(_BASE[stream, kind] * self.reach[self.t.author[gen]], _CAP)
            lam = m * rng.gamma(_DISPERSION, 1.0 / _DISPERSION, gen.size)
            k = rng.poisson(lam)
            total = int(k.sum())
            if not total:
                return
            src = np.repeat(np.arange(gen.size), k)
            cs = stream[src]
            ctype = (rng.random(total)[:, None] >= _TYPE_CUM[cs]).sum(axis=1)
            delay = self._mixture(total, _DELAY_W[ctype], _DELAY_MEAN[ctype])
            gen = self._add_children(content[src], ctype, self.t.u[gen][src] + delay)

    def star_children(self, star: int, n_repost: int, n_reply: int, n_quote: int,
                      delay: tuple[tuple[float, ...], tuple[float, ...]]) -> np.ndarray:
        """Direct children of a special post (origin, follow-up, public figure)."""
        n = n_repost + n_reply + n_quote
        ctype = np.repeat(np.array([0, 1, 2]), [n_repost, n_reply, n_quote])
        w, means = np.array(delay[0]), np.array(delay[1])
        u = self.t.u[star] + self._mixture(n, w, means)
        return self._add_children(np.full(n, star, np.int64), ctype, u)

    def immigrants(self, m: int) -> np.ndarray:
        """``m`` exogenous campaign originals: en plus the language variants."""
        rng = self.rng
        vs = np.array(self.p.variant_share)
        stream = rng.choice(4, m, p=np.concatenate(([1 - vs.sum()], vs))).astype(np.int8)
        u = np.empty(m)
        en = stream == EN
        ne = int(en.sum())
        comp = rng.choice(3, ne, p=[0.45, 0.40, 0.15])
        u[en] = np.where(comp == 0, rng.gamma(2.0, 8 * HOUR, ne),
                         np.where(comp == 1, rng.gamma(2.0, 30 * HOUR, ne),
                                  rng.uniform(0, self.u_max, ne)))
        for v in (FR, ES, IT):
            sel = stream == v
            nv = int(sel.sum())
            start = self.variant_start_u[v - 1]
            late = rng.random(nv) < 0.5
            u[sel] = start + np.where(late, rng.gamma(2.0, 30 * HOUR, nv),
                                      rng.gamma(1.5, 12 * HOUR, nv))
        u += MIN_DELAY
        keep = u < self.u_max
        return self._add_originals(stream[keep], u[keep])


def _fix_authors(b: _Builder, rng: np.random.Generator) -> None:
    """No self-replies/self-quotes/self-reposts and no account reposting the same post twice."""
    t = b.t
    kind, author, parent, stream = t.col("kind"), t.col("author"), t.col("parent"), t.col("stream")
    linked = np.flatnonzero(parent >= 0)
    for _ in range(20):
        own = author[linked] == author[parent[linked]]
        rp = linked[kind[linked] == REPOST]
        key = parent[rp] * b.acc.size + author[rp]
        order = np.argsort(key, kind="stable")
        dup_sorted = np.zeros(rp.size, bool)
        dup_sorted[1:] = key[order][1:] == key[order][:-1]
        dup = np.zeros(rp.size, bool)
        dup[order] = dup_sorted
        bad = np.concatenate((linked[own], rp[dup]))
        if not bad.size:
            return
        author[bad] = b._authors(stream[bad])
    # Pathological tiny pools: fall back to stepping through accounts deterministically.
    start = b.acc.ordinary_start
    span = b.acc.size - start
    for i in linked.tolist():
        while author[i] == author[parent[i]]:
            author[i] = start + (author[i] - start + 1) % span


def _trim(b: _Builder, rng: np.random.Generator, keep: np.ndarray, lo: int, hi: int,
          excess: int) -> None:
    """Drop whole droppable trees among rows [lo, hi) until ``excess`` rows are gone."""
    tree = b.t.tree[lo:hi]
    kind = b.t.kind[lo:hi]
    special = b.t.special[lo:hi]
    rows = np.arange(lo, hi)
    roots = rows[(tree == rows) & (kind == ORIGINAL) & (special == ORDINARY)]
    sizes = np.bincount(tree - lo, minlength=hi - lo) if hi > lo else np.zeros(0, np.int64)
    dropped = np.zeros(hi - lo, bool)
    for r in rng.permutation(roots).tolist():
        if excess <= 0:
            break
        s = int(sizes[r - lo])
        if s <= excess:
            dropped[r - lo] = True
            excess -= s
    keep[lo:hi] &= ~dropped[tree - lo]


def _trim_leaves(b: _Builder, keep: np.ndarray, excess: int) -> None:
    """Drop the latest kept posts that nothing kept points at (never the origin)."""
    while excess > 0:
        n = keep.size
        parent = b.t.parent[:n]
        has_child = np.bincount(parent[keep & (parent >= 0)], minlength=n) > 0
        leaves = np.flatnonzero(keep & ~has_child & (b.t.special[:n] != ORIGIN))
        if not leaves.size:
            return
        drop = leaves[np.argsort(b.t.u[leaves], kind="stable")[::-1][:excess]]
        keep[drop] = False
        excess -= drop.size


def build(rng: np.random.Generator, posts: int, acc: Accounts, clock: DailyCycle, t0_ms: int,
          params: Params = Params()) -> Campaign:
    """Generate ``posts`` stored posts (plus the few that get deleted)."""
    n_del = int(round(params.delete_share * posts))
    if posts >= 1000:
        n_del = max(1, n_del)
    target = posts + n_del
    b = _Builder(rng, acc, clock, params, target)
    campaign_target = int(round((1 - params.background_share) * target))

    # The origin, its follow-up and the public figures.
    origin = b._add_originals(np.array([EN], np.int8), np.array([0.0]), ORIGIN,
                              np.array([0]))[0]
    b.t.tree[origin] = origin
    with_followup = posts >= 20
    follow = b._add_originals(np.array([EN], np.int8)[:int(with_followup)],
                              np.array([params.followup_hours * HOUR])[:int(with_followup)],
                              FOLLOWUP, np.array([0])[:int(with_followup)])
    n_pub = acc.n_public
    lo_h, hi_h = params.public_join_hours
    pub_u = np.sort(rng.uniform(lo_h * HOUR, hi_h * HOUR, n_pub))
    pub_kind = rng.choice(3, n_pub, p=[0.6, 0.25, 0.15])  # original, quote/reply of origin
    pub = b.t.add(kind=np.array([ORIGINAL, QUOTE, REPLY], np.int8)[pub_kind],
                  author=np.arange(1, 1 + n_pub), parent=np.where(pub_kind == 0, -1, origin),
                  stream=np.zeros(n_pub, np.int8), special=np.full(n_pub, PUBLIC, np.int8),
                  u=pub_u, tree=np.zeros(n_pub, np.int64))
    b.t.tree[pub] = np.where(pub_kind == 0, pub, origin)

    def pois(x: float) -> int:
        return int(rng.poisson(x * target))

    kids = [b.star_children(origin, pois(params.origin_reposts), pois(params.origin_replies),
                            pois(params.origin_quotes), _ORIGIN_DELAY)]
    for row in follow.tolist():
        kids.append(b.star_children(row, pois(params.followup_children * 0.85),
                                    pois(params.followup_children * 0.12),
                                    pois(params.followup_children * 0.03), _STAR_DELAY))
    weight = np.sqrt(acc.followers[1: 1 + n_pub].astype(float))
    for i, row in enumerate(pub.tolist()):
        share = params.public_children * weight[i] / max(weight.sum(), 1.0)
        kids.append(b.star_children(row, pois(share * 0.85), pois(share * 0.12),
                                    pois(share * 0.03), _STAR_DELAY))
    b.cascade(np.concatenate(kids))

    # Ordinary campaign trees until the campaign share is reached.
    est = 5.0
    for _ in range(30):
        deficit = campaign_target - b.t.n
        if deficit <= 0.01 * campaign_target:
            break
        m = max(1, int(deficit / est))
        before = b.t.n
        b.cascade(b.immigrants(m))
        est = max(1.0, 0.5 * est + 0.5 * (b.t.n - before) / m)
    keep = np.ones(b.t.n, bool)
    campaign_end = b.t.n
    excess = campaign_end - int(campaign_target * 1.01)
    if excess > 0:
        _trim(b, rng, keep, 0, campaign_end, excess)
    kept_campaign = int(keep.sum())

    # Background: steady trees, trimmed, then topped up with single posts.
    bg_target = max(0, target - kept_campaign)
    est = 1.6
    for _ in range(30):
        have = b.t.n - campaign_end
        deficit = bg_target - have
        if deficit <= 0.03 * bg_target + 2:
            break
        m = max(1, int(deficit / est * 0.97))
        before = b.t.n
        u = rng.uniform(b.u_min, b.u_max, m)
        b.cascade(b._add_originals(np.full(m, BG, np.int8), u))
        est = max(1.0, 0.5 * est + 0.5 * (b.t.n - before) / m)
    keep = np.concatenate((keep, np.ones(b.t.n - campaign_end, bool)))
    bg_have = b.t.n - campaign_end
    if bg_have > bg_target:
        _trim(b, rng, keep, campaign_end, b.t.n, bg_have - bg_target)
    if int(keep.sum()) > target:  # tiny runs: the undroppable origin tree alone is too big
        _trim_leaves(b, keep, int(keep.sum()) - target)
    fill = target - int(keep.sum())
    if fill > 0:
        u = rng.uniform(b.u_min, b.u_max, fill)
        b._add_originals(np.full(fill, BG, np.int8), u)
        keep = np.concatenate((keep, np.ones(fill, bool)))
    _fix_authors(b, rng)
    return _finalize(b, rng, keep, n_del, t0_ms, int(origin))


def _finalize(b: _Builder, rng: np.random.Generator, keep: np.ndarray, n_del: int, t0_ms: int,
              origin: int) -> Campaign:
    """Compact, move to wall-clock time, sort by time, assign ids, pick deletions."""
    t = b.t
    rows = np.flatnonzero(keep)
    new_of_old = np.full(t.n, -1, np.int64)
    new_of_old[rows] = np.arange(rows.size)
    ms = t0_ms + np.round(b.clock.to_wall(t.col("u")[rows]) * 1000).astype(np.int64)
    order = np.argsort(ms, kind="stable")
    ids = snowflake_ids(ms[order], rng.integers(0, 1024, rows.size))
    by_id = np.argsort(ids, kind="stable")  # within one millisecond, worker bits decide
    order = order[by_id]
    ids = ids[by_id]
    rows = rows[order]
    ms = ms[order]
    pos = np.empty(rows.size, np.int64)
    pos[order] = np.arange(rows.size)  # position in the sorted list of compacted row j
    old_parent = t.col("parent")[rows]
    parent = np.where(old_parent >= 0, pos[new_of_old[np.maximum(old_parent, 0)]], -1)
    if (parent >= np.arange(rows.size)).any() or ((old_parent >= 0) & (
            new_of_old[np.maximum(old_parent, 0)] < 0)).any():
        raise AssertionError("a post precedes its parent or points at a dropped tree")
    kind = t.col("kind")[rows]
    author = t.col("author")[rows]
    special = t.col("special")[rows]
    # Deletes: unreferenced originals/replies by ordinary accounts that posted elsewhere too.
    referenced = np.bincount(parent[parent >= 0], minlength=rows.size) > 0
    posts_by_author = np.bincount(author, minlength=b.acc.size)
    cand = np.flatnonzero(((kind == ORIGINAL) | (kind == REPLY)) & ~referenced
                          & (special == ORDINARY) & (posts_by_author[author] >= 2))
    chosen: list[int] = []
    per_author: dict[int, int] = {}
    for c in rng.permutation(cand).tolist():
        if len(chosen) >= n_del:
            break
        a = int(author[c])
        if per_author.get(a, 0) + 2 > posts_by_author[a]:
            continue  # keep at least one stored post per author
        per_author[a] = per_author.get(a, 0) + 1
        chosen.append(c)
    deleted = np.zeros(rows.size, bool)
    deleted[chosen] = True
    delete_ms = np.zeros(rows.size, np.int64)
    delete_ms[deleted] = ms[deleted] + 60_000 + np.round(
        rng.exponential(6 * HOUR * 1000, deleted.sum())).astype(np.int64)
    vs = tuple(int(t0_ms + round(float(b.clock.to_wall(np.array([u]))[0]) * 1000))
               for u in b.variant_start_u)
    return Campaign(kind=kind, author=author, parent=parent, stream=t.col("stream")[rows],
                    special=special, ms=ms, ids=ids, deleted=deleted, delete_ms=delete_ms,
                    t0_ms=t0_ms, origin=int(pos[new_of_old[origin]]),
                    variant_start_ms=vs)  # type: ignore[arg-type]
