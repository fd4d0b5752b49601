"""Co-occurring tags: which other hashtags travel with the campaign's (responses, variants)."""

from __future__ import annotations

import ibis

from groundswell.metrics import Metric, Option
from groundswell.metrics.cells import Cells
from groundswell.metrics.sections import cotags as sections
from groundswell.scope import Context, rows

TOP = 10


def compute(ctx: Context, top: int = TOP) -> list[dict]:
    tags = ctx.tables.post_hashtags
    matched = ctx.matched.select(*ctx.key, "author_id")
    joined = tags.join(matched, ctx.key)
    if ctx.scope.tags:
        joined = joined.filter(~joined.tag.isin(ctx.scope.tags))
    # one row per post and tag (post_hashtags keys are unique): posts are a count
    return rows(
        joined.group_by("tag")
        .aggregate(posts=joined.count(), accounts=joined.author_id.nunique())
        .order_by([ibis.desc("posts"), "tag"])
        .limit(top)
    )


METRIC = Metric(
    name="cotags",
    title="Top co-occurring tags",
    description="Hashtags most often found in the matching posts (excluding the campaign's "
    "own tags): distinct posts and accounts.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=60,
    options=(Option("top", TOP, "how many tags to list"),),
    sections=(sections.section,),
    # a rare tag's name describes its few users: its row is left out, not shown as "<k"
    cells=(Cells("", {"posts": "accounts", "accounts": None}, key=("tag",), complete=False,
                 drop="accounts"),),
)
