"""Response tags: tags that answer the campaign (#IBelieveYou answering #MeToo).

Lift says whether a response tag travels *with* the campaign more than chance would have it:
lift = P(tag ∧ campaign) / (P(tag) · P(campaign)), over the posts in the window, where "campaign"
is the full matching rule (a retweet that lost #MeToo to truncation is still a campaign post).
Lift 1 means independent; above 1, the tag travels with the campaign.
"""

from __future__ import annotations

import ibis

from groundswell.metrics import Metric
from groundswell.metrics.cells import Cells, Ref
from groundswell.metrics.sections import response_tags as sections
from groundswell.scope import Context, iso


def compute(ctx: Context) -> list[dict]:
    camp = ctx.campaign
    if camp is None or not camp.response_tags:
        return []
    tags = ctx.tagged(camp.response_tags)
    campaign_posts = ctx.matched.select(*ctx.key)
    total = ctx.scope.window(ctx.tables).count().to_pyarrow().as_py()
    n_campaign = campaign_posts.count().to_pyarrow().as_py()
    out = []
    for tag in camp.response_tags:
        carrying = tags.filter(tags.tag == tag)
        both = carrying.semi_join(campaign_posts, ctx.key)
        stats = carrying.aggregate(posts=carrying.count(), accounts=carrying.author_id.nunique(),
                                   first=carrying.created_at.min()).to_pyarrow().to_pylist()[0]
        together = both.aggregate(posts=both.count(), accounts=both.author_id.nunique()
                                  ).to_pyarrow().to_pylist()[0]
        hours = carrying.mutate(hour=carrying.created_at.truncate("h"))
        peak = hours.group_by("hour").aggregate(
            posts=hours.count(), accounts=hours.author_id.nunique()).order_by(
            [ibis.desc("posts"), "hour"]).limit(1).to_pyarrow().to_pylist()
        lift = (together["posts"] * total / (stats["posts"] * n_campaign)
                if stats["posts"] and n_campaign else None)
        out.append({
            "tag": tag,
            "posts": stats["posts"],
            "accounts": stats["accounts"],
            "posts_with_campaign": together["posts"],
            "accounts_with_campaign": together["accounts"],
            "lift": round(lift, 4) if lift is not None else None,
            "first_post_at": iso(stats["first"]),
            "peak_hour": iso(peak[0]["hour"]) if peak else None,
            "peak_hour_posts": peak[0]["posts"] if peak else 0,
            "peak_hour_accounts": peak[0]["accounts"] if peak else 0,
        })
    return out


METRIC = Metric(
    name="response_tags",
    title="Response tags",
    description="For each response tag: posts and accounts, co-occurrence with the campaign "
    "tags (posts, accounts, lift), first appearance and its busiest hour.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=50,
    sections=(sections.section,),
    cells=(Cells("", {"posts": "accounts", "accounts": None,
                      "posts_with_campaign": "accounts_with_campaign",
                      "accounts_with_campaign": None,
                      "peak_hour_posts": "peak_hour_accounts", "peak_hour_accounts": None},
                 key=("tag",),
                 # the co-occurring tags list the same posts with the campaign
                 same={"posts_with_campaign": Ref("cotags", "", "posts"),
                       "accounts_with_campaign": Ref("cotags", "", "accounts")},
                 platforms=("posts", "accounts", "posts_with_campaign",
                            "accounts_with_campaign"),
                 derived={"lift": ("posts", "posts_with_campaign")},
                 times={"first_post_at": "accounts", "peak_hour": "peak_hour_accounts"}),),
)
