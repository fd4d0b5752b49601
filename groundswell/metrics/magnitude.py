"""Magnitude: how many posts and how many people, when it started, peaked and scaled."""

from __future__ import annotations

import ibis

from groundswell.metrics import Metric
from groundswell.metrics.scope import Scope, Tables, iso, scalar
from groundswell.schema import KINDS

MILESTONES = (1_000, 10_000, 100_000, 1_000_000)


def compute(tables: Tables, scope: Scope) -> dict:
    posts = scope.posts(tables)
    totals = posts.aggregate(
        posts=posts.count(),
        accounts=posts.author_id.nunique(),
        first_post=posts.created_at.min(),
        last_post=posts.created_at.max(),
    ).to_pyarrow().to_pylist()[0]
    by_kind = dict.fromkeys(KINDS, 0)
    for row in posts.group_by("kind").aggregate(n=posts.count()).to_pyarrow().to_pylist():
        by_kind[row["kind"]] = row["n"]
    hourly = posts.filter(posts.created_at.notnull()).mutate(
        hour=posts.created_at.truncate("h")
    )
    peak = (
        hourly.group_by("hour").aggregate(posts=hourly.count())
        .order_by([ibis.desc("posts"), "hour"]).limit(1).to_pyarrow().to_pylist()
    )
    first = totals["first_post"]
    hours_to = {}
    for n in MILESTONES:
        if totals["posts"] < n:
            hours_to[str(n)] = None
            continue
        at = scalar(posts.filter(posts.created_at.notnull()).order_by("created_at")
                    .limit(1, offset=n - 1).created_at.max())
        hours_to[str(n)] = round((at - first).total_seconds() / 3600, 2) if at else None
    return {
        "tags": list(scope.tags),
        "posts": totals["posts"],
        "posts_by_kind": by_kind,
        "accounts": totals["accounts"],
        "first_post": iso(first),
        "last_post": iso(totals["last_post"]),
        "peak_hour": iso(peak[0]["hour"]) if peak else None,
        "peak_hour_posts": peak[0]["posts"] if peak else 0,
        "hours_to_posts": hours_to,
    }


METRIC = Metric(
    name="magnitude",
    title="Magnitude",
    description="Posts by kind, unique accounts, first and last post, peak hour, and hours "
    "from the first post to 1k/10k/100k/1M posts.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=10,
)
