"""Cascades: how far matching posts travelled by reposts and by replies.

Twitter (and Bluesky, Mastodon) record every repost as pointing at the *original*, never at
the repost a user actually saw, so repost cascades are stars (depth 1) in the data. We report
them as such, with a note, instead of inventing a depth. Reply cascades keep their real tree
structure, so their depth and structural virality are meaningful.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from groundswell.metrics import Metric
from groundswell.metrics.context import Context
from groundswell.metrics.trees import star_virality

STAR_NOTE = ("every repost points to the original post in the platform's data, so repost "
             "cascades are stars of depth 1; who reposted from whom is not recorded")


def repost_cascades(ctx: Context) -> dict:
    m = ctx.matched
    roots = m.filter(m.kind != "repost").select("platform", root="post_id")
    reposts = m.filter(m.kind == "repost")
    joined = reposts.join(roots, [reposts.platform == roots.platform,
                                  reposts.repost_of_post_id == roots.root])
    # one row per reposted root, fetched once: the summary and the largest are read from it
    # (as two queries, each re-ran the join: 0.11 s -> 0.06 s at 1M posts)
    per_root = joined.group_by("root").aggregate(reposts=joined.count()).to_pyarrow()
    counts = per_root["reposts"]
    size = pc.max(counts).as_py() + 1 if per_root.num_rows else 0  # the root and its reposts
    return {
        "cascades": per_root.num_rows,
        "reposts_in_cascades": int(pc.sum(counts).as_py() or 0),
        "largest_size": size,
        "largest_depth": 1 if size else 0,
        "largest_structural_virality": star_virality(size),
        "structure": "star",
        "note": STAR_NOTE,
    }


def reply_cascades(ctx: Context) -> dict:
    """Reply trees under matching originals and quotes (and the origin post)."""
    forest = ctx.reply_forest
    m = ctx.matched
    # unique: one row per matching post
    roots = m.filter(m.kind.isin(["original", "quote"])).select("post_id").to_pyarrow()[
        "post_id"].cast(pa.string())
    origins = list(ctx.campaign.origin_post_ids) if ctx.campaign else []
    # the origin posts join the candidates unless already among them (looked up in the
    # roots with a set of a few ids: deduplicating millions of roots cost more)
    present = set(roots.filter(pc.is_in(roots, value_set=pa.array(origins, pa.string())))
                  .to_pylist()) if origins else set()
    candidates = pa.concat_arrays([*roots.chunks, pa.array(
        [o for o in dict.fromkeys(origins) if o not in present], pa.string())])
    sizes, heights = forest.measure(candidates)
    has_replies = sizes > 1
    grown = candidates.filter(pa.array(has_replies))
    if not len(grown):
        return {"cascades": 0, "largest_size": 0, "largest_depth": 0,
                "largest_structural_virality": None, "structure": "tree"}
    largest, size = min(zip(grown.to_pylist(), sizes[has_replies].tolist(), strict=True),
                        key=lambda r: (-r[1], r[0]))
    return {
        "cascades": len(grown),
        "largest_root_is_origin": largest in origins,
        "largest_size": size,
        "largest_depth": forest.depth(largest),
        "largest_structural_virality": forest.structural_virality(largest),
        "deepest": int(heights[has_replies].max()),
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
    order=40,
)
