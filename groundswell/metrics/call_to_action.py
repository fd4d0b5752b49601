"""The call to action: the origin post and the thread of replies it started.

In #MeToo the origin asked people to *reply* "me too"; the replies are the campaign's first
and most direct measure, and the reply tree shows whether people answered the origin or
each other.
"""

from __future__ import annotations

from groundswell.metrics import Metric
from groundswell.metrics.sections import call_to_action as sections
from groundswell.scope import Context, phrase_pattern


def compute(ctx: Context) -> dict:
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return {"origin_post_ids": [], "note": "no origin post in the campaign definition"}
    origin = list(camp.origin_post_ids)
    window = ctx.scope.window(ctx.tables)
    replies = window.filter(window.reply_to_post_id.isin(origin))
    tags = ctx.tables.post_hashtags
    on = ctx.key
    tagged = replies.semi_join(tags.filter(tags.tag.isin(camp.tags)).select(*on), on)
    said = replies.text.lower().re_search(phrase_pattern(camp.phrases[0])) \
        if camp.phrases else None
    if said is not None:
        for phrase in camp.phrases[1:]:
            said = said | replies.text.lower().re_search(phrase_pattern(phrase))
    tagged_ids = tagged.select("post_id").mutate(tagged=True)
    flagged = replies.left_join(tagged_ids, "post_id").select(
        replies.post_id, replies.author_id,
        said=(said.fill_null(False) if said is not None else False),
        tagged=tagged_ids.tagged.fill_null(False))
    counts = flagged.aggregate(
        replies=flagged.count(),
        with_phrase=flagged.said.sum(),
        with_tag=flagged.tagged.sum(),
        matching=(flagged.said | flagged.tagged).sum(),
        repliers=flagged.author_id.nunique(),
    ).to_pyarrow().to_pylist()[0]
    forest = ctx.reply_forest
    found = window.filter(window.post_id.isin(origin)).count().to_pyarrow().as_py()
    warnings = [] if found else [
        f"the origin post ({', '.join(origin)}) is not in the store, or not in the campaign's "
        "window: check the campaign's [origin] post_ids (a simulated campaign's are in the "
        "campaign file written beside its data)"]
    return {
        "origin_post_ids": origin,
        "origin_found": bool(found),
        "replies": counts["replies"],
        "replies_with_phrase": int(counts["with_phrase"] or 0),
        "replies_with_tag": int(counts["with_tag"] or 0),
        "replies_matching": int(counts["matching"] or 0),
        "repliers": counts["repliers"],
        "thread_size": sum(forest.descendants(o) for o in origin),
        "thread_depth": max(forest.depth(o) for o in origin),
        **({"warnings": warnings} if warnings else {}),
    }


METRIC = Metric(
    name="call_to_action",
    title="The call to action",
    description="Direct replies to the origin post(s); how many carry the phrase or a "
    "campaign tag; unique repliers; the whole reply tree's size and depth.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=20,
    sections=(sections.section,),
)
