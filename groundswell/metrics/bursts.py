"""Bursts: when the campaign's main tag and its response tags burst, by Kleinberg's
two-state automaton over each tag's share of all posts per window
(:mod:`groundswell.trends.bursts`).

Not in a default report (``--metric bursts``, or ``groundswell bursts --tag``); the HTML page
shades them on its curves.
"""

from __future__ import annotations

from groundswell.metrics import Metric, Option
from groundswell.metrics.sections import bursts as sections
from groundswell.metrics.trending import response_tags
from groundswell.scope import Context
from groundswell.trends.bursts import BurstParams, tag_bursts

DEFAULTS = BurstParams()


def compute(ctx: Context, window_seconds: int = 3600, s: float = DEFAULTS.s,
            gamma: float = DEFAULTS.gamma) -> dict:
    """``{tag: bursts}`` for the main tag, then the response tags (declared and flagged)."""
    main = ctx.campaign.main_tag if ctx.campaign else None
    tags = [t for t in [main, *response_tags(ctx)] if t]
    params = BurstParams(s=s, gamma=gamma)
    return {tag: tag_bursts(ctx.tables, ctx.scope, tag, window_seconds, params)
            for tag in dict.fromkeys(tags)}


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
)
