"""The call to action: the origin post and the thread of replies it started.

In #MeToo the origin asked people to *reply* "me too"; the replies are the campaign's first
and most direct measure, and the reply tree shows whether people answered the origin or
each other.
"""

from __future__ import annotations

from groundswell.keys import post_pseudonym
from groundswell.metrics import Metric
from groundswell.metrics.cells import Cells
from groundswell.metrics.sections import call_to_action as sections
from groundswell.scope import Context, phrase_pattern


def shown_origins(ctx: Context) -> list[str]:
    """The origin posts as outputs may name them: a public figure's by its id, anyone else's
    by its keyed pseudonym (``post-…``; an author not in the store counts as private) unless
    ``--reveal``. Why: a post id can hold its author's id — a Bluesky post's URI holds the
    author's DID."""
    camp = ctx.campaign
    if camp is None:
        return []
    if ctx.policy.reveal:
        return list(camp.origin_post_ids)
    posts = ctx.tables.posts
    found = posts.filter(posts.post_id.isin(list(camp.origin_post_ids))).select(
        "platform", "post_id", "author_id")
    accounts = ctx.tables.accounts.select("platform", "author_id", "handle", "followers",
                                          "verified")
    rows = found.left_join(accounts, ["platform", "author_id"]).select(
        found.platform, found.post_id, accounts.handle, accounts.followers,
        accounts.verified).to_pyarrow().to_pylist()
    public = {(r["platform"], r["post_id"]) for r in rows
              if ctx.is_public_figure(r["followers"], r["verified"], r["handle"])}
    return list(dict.fromkeys(
        post_id if (platform, post_id) in public
        else post_pseudonym(ctx.scope.pseudonym_key, platform, post_id)
        for platform, post_id in camp.origins))


def compute(ctx: Context) -> dict:
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return {"origin_post_ids": [], "note": "no origin post in the campaign definition"}
    origin = list(camp.origin_post_ids)
    shown = shown_origins(ctx)
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
        # the people behind each count, for small-cell suppression to decide by
        repliers_with_phrase=flagged.author_id.nunique(where=flagged.said),
        repliers_with_tag=flagged.author_id.nunique(where=flagged.tagged),
        repliers_matching=flagged.author_id.nunique(where=flagged.said | flagged.tagged),
    ).to_pyarrow().to_pylist()[0]
    forest = ctx.reply_forest
    found = window.filter(window.post_id.isin(origin)).count().to_pyarrow().as_py()
    warnings = [] if found else [
        f"the origin post ({', '.join(shown)}) is not in the store, or not in the campaign's "
        "window: check the campaign's [origin] post_ids (a simulated campaign's are in the "
        "campaign file written beside its data)"]
    return {
        "origin_post_ids": shown,
        "origin_found": bool(found),
        "replies": counts["replies"],
        "replies_with_phrase": int(counts["with_phrase"] or 0),
        "replies_with_tag": int(counts["with_tag"] or 0),
        "replies_matching": int(counts["matching"] or 0),
        "repliers": counts["repliers"],
        "repliers_with_phrase": counts["repliers_with_phrase"],
        "repliers_with_tag": counts["repliers_with_tag"],
        "repliers_matching": counts["repliers_matching"],
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
    # the thread's posts have no better bound on their people than their number
    cells=(Cells("", {"replies": "repliers", "repliers": None,
                      "replies_with_phrase": "repliers_with_phrase", "repliers_with_phrase": None,
                      "replies_with_tag": "repliers_with_tag", "repliers_with_tag": None,
                      "replies_matching": "repliers_matching", "repliers_matching": None,
                      "thread_size": None},
                 derived={"thread_depth": ("thread_size",)}),),
)
