"""Bursts: when the campaign's main tag and its response tags burst, by Kleinberg's
two-state automaton over each tag's share of all posts per window
(:mod:`groundswell.trends.bursts`).

Not in a default report (``--metric bursts``, or ``groundswell bursts --tag``); the HTML page
shades them on its curves.
"""

from __future__ import annotations

from datetime import datetime

from groundswell.metrics import Metric, Option
from groundswell.metrics.cells import Cells
from groundswell.metrics.sections import bursts as sections
from groundswell.metrics.trending import response_tags
from groundswell.scope import Context
from groundswell.text import normalize_tag
from groundswell.trends.bursts import BurstParams, tag_bursts

DEFAULTS = BurstParams()


def compute(ctx: Context, window_seconds: int = 3600, s: float = DEFAULTS.s,
            gamma: float = DEFAULTS.gamma) -> dict:
    """``{tag: bursts}`` for the main tag, then the response tags (declared and flagged)."""
    main = ctx.campaign.main_tag if ctx.campaign else None
    tags = [t for t in [main, *response_tags(ctx)] if t]
    params = BurstParams(s=s, gamma=gamma)
    found = {tag: tag_bursts(ctx.tables, ctx.scope, tag, window_seconds, params)
             for tag in dict.fromkeys(tags)}
    for tag, result in found.items():
        for burst in result["bursts"]:
            burst["accounts"] = _accounts(ctx, tag, burst)
    return found


def _accounts(ctx: Context, tag: str, burst: dict) -> int:
    """The accounts behind a burst's posts (the posts in scope carrying the tag between its
    start and end): the people it describes, for small-cell suppression."""
    posts = ctx.scope.window(ctx.tables)
    h = ctx.tables.post_hashtags
    begin, end = (datetime.fromisoformat(burst[k].removesuffix("Z"))
                  for k in ("begin_at", "end_at"))
    inside = posts.filter((posts.created_at >= begin) & (posts.created_at < end))
    carrying = inside.semi_join(h.filter(h.tag == normalize_tag(tag)).select(*ctx.key),
                                ctx.key)
    return int(carrying.author_id.nunique().to_pyarrow().as_py() or 0)


METRIC = Metric(
    name="bursts",
    title="Bursts",
    description="Bursts of the main tag and the response tags (declared, or flagged by the "
    "trend detector): Kleinberg's two-state automaton over each tag's share of all posts per "
    "window; each burst's start, end, posts and weight.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=70,
    options=(Option("window_seconds", 3600, "window length in seconds"),
             Option("s", DEFAULTS.s, "burst rate as a multiple of the base rate"),
             Option("gamma", DEFAULTS.gamma, "cost of entering a burst")),
    default=False,
    sections=(sections.section,),
    # a burst of a few people says when they posted: left out
    cells=(Cells("*.bursts", {"posts": "accounts", "accounts": None}, key=("begin_at",),
                 platforms=False, drop="accounts"),),
)
