"""Co-occurring tags: which other hashtags travel with the campaign's (response tags, variants)."""

from __future__ import annotations

import ibis

from groundswell.metrics import Metric
from groundswell.metrics.scope import KEY, Scope, Tables

TOP = 10


def compute(tables: Tables, scope: Scope, top: int = TOP) -> list[dict]:
    tags = tables.post_hashtags
    in_scope = tags.semi_join(scope.posts(tables).select(*KEY), KEY)
    if scope.tags:
        in_scope = in_scope.filter(~in_scope.tag.isin(scope.tags))
    joined = in_scope.join(tables.posts.select(*KEY, "author_id"), KEY)
    ranked = (
        joined.group_by("tag")
        .aggregate(posts=joined.post_id.nunique(), accounts=joined.author_id.nunique())
        .order_by([ibis.desc("posts"), "tag"])
        .limit(top)
    )
    return ranked.to_pyarrow().to_pylist()


METRIC = Metric(
    name="cotags",
    title="Top co-occurring tags",
    description="Hashtags most often found in the posts in scope (excluding the scope's own "
    "tags): distinct posts and accounts.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=20,
    options={"top": f"how many tags to list (default {TOP})"},
)
