"""Cascades: how far matching posts travelled by reposts and by replies.

Twitter (and Bluesky, Mastodon) record every repost as pointing at the *original*, never at
the repost a user actually saw, so repost cascades are stars (depth 1) in the data. We report
them as such, with a note, instead of inventing a depth. Reply cascades keep their real tree
structure, so their depth and structural virality are meaningful.
"""

from __future__ import annotations

import numpy as np

from groundswell.metrics import Metric
from groundswell.metrics.cells import Cells
from groundswell.metrics.sections import cascades as sections
from groundswell.schema import POST_KEY
from groundswell.scope import Context
from groundswell.scope.forest import star_virality

STAR_NOTE = ("every repost points to the original post in the platform's data, so repost "
             "cascades are stars of depth 1; who reposted from whom is not recorded")


def repost_cascades(ctx: Context) -> dict:
    m = ctx.matched
    roots = ctx.roots.select("platform", root="post_id")
    reposts = m.filter(m.kind == "repost")
    # reposts counted per reposted post first, then only those counts kept whose post is a
    # root, summed in the engine into one row: joining every repost with the roots and
    # fetching a row per root cost 1.2 s of a 10M-post report, this 0.5 s
    per_post = reposts.group_by(["platform", "repost_of_post_id"]).aggregate(
        reposts=reposts.count())
    per_root = per_post.semi_join(roots, [per_post.platform == roots.platform,
                                          per_post.repost_of_post_id == roots.root])
    found = per_root.aggregate(cascades=per_root.count(), reposts=per_root.reposts.sum(),
                               largest=per_root.reposts.max()).to_pyarrow().to_pylist()[0]
    size = found["largest"] + 1 if found["cascades"] else 0  # the root and its reposts
    return {
        "cascades": found["cascades"],
        "reposts_in_cascades": int(found["reposts"] or 0),
        "largest_size": size,
        "largest_depth": 1 if size else 0,
        "largest_structural_virality": star_virality(size),
        "structure": "star",
        "note": STAR_NOTE,
    }


def reply_cascades(ctx: Context) -> dict:
    """Reply trees under matching originals and quotes (and the origin post)."""
    forest = ctx.reply_forest
    m = ctx.roots
    node = POST_KEY if forest.keyed else "post_id"
    # unique: one row per matching post
    roots = forest.numbers(m.filter(m.kind.isin(["original", "quote"])).select(node)
                           .to_pyarrow()[node])
    origins = list(ctx.campaign.origin_post_ids) if ctx.campaign else []
    # the origin posts join the candidates unless already among them (each compared with the
    # roots: deduplicating millions of roots cost more)
    origin_numbers = forest.numbers(origins).tolist() if origins else []
    extra = [i for i in dict.fromkeys(origin_numbers)
             if i != forest.lone and not (roots == i).any()]
    candidates = np.concatenate([roots, np.array(extra, dtype=np.int64)])
    sizes = forest.size[candidates]
    grown = candidates[sizes > 1]
    if not len(grown):
        return {"cascades": 0, "largest_size": 0, "largest_depth": 0,
                "largest_structural_virality": None, "structure": "tree"}
    size = int(sizes.max())
    tied = np.unique(grown[forest.size[grown] == size]).tolist()
    # ties go to the smallest post id, whichever way the forest numbers its nodes
    largest = tied[0] if len(tied) == 1 else \
        min(zip(forest.ids(tied), tied, strict=True), key=lambda r: r[0] or "")[1]
    return {
        "cascades": len(grown),
        "largest_root_is_origin": largest in origin_numbers,
        "largest_size": size,
        "largest_depth": int(forest.height[largest]),
        "largest_structural_virality": forest.virality_of(largest),
        "deepest": int(forest.height[grown].max()),
        "structure": "tree",
    }


def compute(ctx: Context) -> dict:
    return {"repost": repost_cascades(ctx), "reply": reply_cascades(ctx)}


METRIC = Metric(
    name="cascades",
    title="Cascades",
    description="Repost cascades (stars: the platform links every repost to the original) "
    "and reply trees under matching posts: count, size, depth and structural virality "
    "(Goel et al. 2016) of the largest.",
    needs=("posts",),
    compute=compute,
    order=80,
    sections=(sections.section,),
    # cascades count posts: their people are at most their number (a repost cascade's
    # reposters are all different people; a reply tree's may not be)
    cells=(Cells("repost", {"cascades": None, "reposts_in_cascades": None,
                            "largest_size": None},
                 platforms=("cascades", "reposts_in_cascades"),
                 derived={"largest_depth": ("largest_size",),
                          "largest_structural_virality": ("largest_size",)}),
           Cells("reply", {"cascades": None, "largest_size": None}, platforms=("cascades",),
                 derived={"largest_depth": ("largest_size",),
                          "largest_structural_virality": ("largest_size",),
                          "largest_root_is_origin": ("largest_size",)})),
)
