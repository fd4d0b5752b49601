"""Trending tags over a store (or any engine): per-window unique accounts, then the score.

The counting is an Ibis expression (runs on DuckDB or Spark); the scoring walks each candidate
tag's series in Python with :func:`groundswell.trends.score.trend_series`, the same function the
streaming path uses, so batch and stream can only differ by the sketches' error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import ibis

from groundswell.scope import Context, Scope, Tables, iso
from groundswell.trends.score import TrendParams, trend_series

EPOCH = datetime(1970, 1, 1)
RANKED_PER_WINDOW = 10


def window_counts(tables: Tables, scope: Scope, p: TrendParams) -> tuple[int, int, dict]:
    """``(first_window, last_window, {tag: {window: accounts}})`` for candidate tags: those
    reaching ``min_accounts`` in at least one window (no other tag can ever score)."""
    posts = scope.window(tables)
    posts = posts.filter(posts.created_at.notnull())
    w = (posts.created_at.epoch_seconds() / p.window_seconds).floor().cast("int64")
    span = posts.aggregate(lo=w.min(), hi=w.max()).to_pyarrow().to_pylist()[0]
    if span["lo"] is None:
        return 0, -1, {}
    tagged = tables.post_hashtags.join(
        posts.select(*tables.key, "author_id", "created_at"), tables.key)
    tagged = tagged.mutate(
        w=(tagged.created_at.epoch_seconds() / p.window_seconds).floor().cast("int64"))
    counts = tagged.group_by(["tag", "w"]).aggregate(accounts=tagged.author_id.nunique())
    big = counts.group_by("tag").aggregate(top=counts.accounts.max())
    big = big.filter(big.top >= p.min_accounts).select("tag")
    rows = counts.semi_join(big, "tag").to_pyarrow().to_pylist()
    series: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        series[row["tag"]][row["w"]] = row["accounts"]
    return span["lo"], span["hi"], dict(series)


def campaign_lift(ctx: Context, tags: list[str]) -> dict[str, dict]:
    """For each tag: posts, posts also matching the campaign, and lift against it."""
    if ctx.campaign is None or not tags:
        return {}
    window = ctx.scope.window(ctx.tables)
    total = window.count().to_pyarrow().as_py()
    n_campaign = ctx.matched.count().to_pyarrow().as_py()
    h = ctx.tables.post_hashtags
    on = ctx.key
    carrying = h.filter(h.tag.isin(tags)).semi_join(window.select(*on), on)
    matched = ctx.matched.select(*on).mutate(in_campaign=ibis.literal(True))
    joined = carrying.left_join(matched, on)
    stats = joined.group_by("tag").aggregate(
        posts=joined.count(), with_campaign=joined.in_campaign.fill_null(False).sum())
    out = {}
    for r in stats.to_pyarrow().to_pylist():
        out[r["tag"]] = lift_of(r["posts"], int(r["with_campaign"] or 0), total, n_campaign)
    return out


def trends(tables: Tables, scope: Scope, params: TrendParams | None = None,
           ctx: Context | None = None) -> dict:
    """Trending tags, when each first trended and peaked, and the per-window ranking.
    ``ctx``: a run's context over the same tables and scope, whose cached matching posts the
    lifts reuse (one of its own otherwise: a second context's release would drop the cache
    the run's shares)."""
    p = params or TrendParams()
    lo, hi, series = window_counts(tables, scope, p)

    def lifts(tags: list[str]) -> dict[str, dict]:
        own = ctx is None
        run = Context(tables, scope) if own else ctx
        try:
            return campaign_lift(run, tags)
        finally:
            if own:
                run.release()

    return scored(lo, hi, series, p, lifts, scope.tags)


def lift_of(posts: int, together: int, total: int, n_campaign: int) -> dict:
    """A tag's lift against the campaign (:func:`campaign_lift`'s entry) from its counts."""
    lift = together * total / (posts * n_campaign) if n_campaign else None
    return {"posts": posts, "posts_with_campaign": together,
            "lift": round(lift, 4) if lift is not None else None}


def scored(lo: int, hi: int, series: dict[str, dict[int, int]], p: TrendParams,
           lifts: Callable[[list[str]], dict[str, dict]], campaign_tags: Iterable[str]) -> dict:
    """:func:`trends` from :func:`window_counts`'s numbers and a function giving the lifts of
    the tags that trended: shared with the live state (:mod:`groundswell.live`), which keeps
    those numbers as running totals, so the two score alike."""
    start = lambda i: EPOCH + timedelta(seconds=(lo + i) * p.window_seconds)  # noqa: E731
    found, ranking = [], defaultdict(list)
    for tag in sorted(series):
        counts = series[tag]
        dense = [counts.get(lo + i, 0) for i in range(hi - lo + 1)]
        t = trend_series(tag, dense, p)
        if t.first_trending is None:
            continue
        peak = t.peak
        found.append({"tag": tag, "first_trending_at": iso(start(t.first_trending)),
                      "peak_at": iso(start(peak)), "peak_score": round(t.trend[peak], 3),
                      "peak_accounts": dense[peak],
                      "windows_trending": sum(t.trending)})
        for i, is_trending in enumerate(t.trending):
            if is_trending:
                ranking[i].append({"tag": tag, "score": round(t.trend[i], 3),
                                   "accounts": dense[i]})
    found_lifts = lifts([f["tag"] for f in found]) if found else {}
    campaign_tags = set(campaign_tags)
    for f in found:
        stats = found_lifts.get(f["tag"], {})
        f["campaign_tag"] = f["tag"] in campaign_tags
        f["lift"] = stats.get("lift")
        share = stats["posts_with_campaign"] / stats["posts"] if stats.get("posts") else 0
        f["response_tag"] = bool(not f["campaign_tag"] and f["lift"] and f["lift"] > 1
                                 and share >= 0.5)
    found.sort(key=lambda f: (f["first_trending_at"], f["tag"]))
    windows = [{"window_start": iso(start(i)),
                "tags": sorted(r, key=lambda x: (-x["score"], x["tag"]))[:RANKED_PER_WINDOW]}
               for i, r in sorted(ranking.items())]
    return {
        "window_seconds": p.window_seconds,
        "params": p.__dict__,
        "data_start": iso(start(0)) if series or hi >= lo else None,
        "data_end": iso(start(hi - lo + 1)) if hi >= lo else None,
        "trending": found,
        "windows": windows,
    }
