"""Trending tags: which tags took off in the campaign's window, when each first trended and
peaked, and which travel with the campaign (response tags). The score and its parameters are
:mod:`groundswell.trends.score`'s; docs/trends.md defines them.

Not in a default report (it scores every tag of every window: ``--metric trending``, or
``groundswell trends``); the HTML page and the dashboard show it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from groundswell.metrics import Metric, Option
from groundswell.metrics.cells import Cells
from groundswell.metrics.page import Panel
from groundswell.metrics.sections import trending as sections
from groundswell.scope import Context, iso
from groundswell.trends.batch import trends
from groundswell.trends.score import TrendParams

DEFAULTS = TrendParams()


def compute(ctx: Context, window_seconds: int = DEFAULTS.window_seconds,
            min_score: float = DEFAULTS.min_score,
            min_accounts: int = DEFAULTS.min_accounts) -> dict:
    params = TrendParams.for_window(window_seconds, min_score=min_score,
                                    min_accounts=min_accounts)
    return trends(ctx.tables, ctx.scope, params, ctx)


def response_tags(ctx: Context) -> list[str]:
    """The campaign's declared response tags, then those the detector flagged."""
    declared = list(ctx.campaign.response_tags) if ctx.campaign else []
    flagged = [f["tag"] for f in ctx.results["trending"]["trending"] if f.get("response_tag")]
    return list(dict.fromkeys([*declared, *flagged]))


def now_and_so_far(ctx: Context, **options) -> dict:
    """The dashboard's view: tags trending in the latest window of data (the data's clock,
    not the wall's: an archive followed after the fact is live in its own time), in the
    latest window in which any tag trended, and every tag that trended so far."""
    return now_and_so_far_of(compute(ctx, **options))


def now_and_so_far_of(found: dict) -> dict:
    """:func:`now_and_so_far` from the trending metric's result (``compute``'s, or the live
    state's from its running counts: :mod:`groundswell.live`)."""
    out = {"window_seconds": found["window_seconds"], "data_start": None, "data_end": None,
           "window_start": None, "current": [], "recent_window_start": None, "recent": [],
           "ever": []}
    if found["data_end"] is None:
        return out
    end = datetime.fromisoformat(found["data_end"].removesuffix("Z"))
    current = iso(end - timedelta(seconds=found["window_seconds"]))
    info = {f["tag"]: f for f in found["trending"]}

    def tags(window: dict) -> list[dict]:
        return [{"tag": t["tag"], "score": t["score"], "accounts": t["accounts"],
                 "first_trending_at": info[t["tag"]]["first_trending_at"],
                 "campaign_tag": info[t["tag"]]["campaign_tag"],
                 "response_tag": info[t["tag"]]["response_tag"]} for t in window["tags"]]

    out.update(data_start=found["data_start"], data_end=found["data_end"],
               window_start=current)
    windows = found["windows"]
    if windows and windows[-1]["window_start"] == current:
        out["current"] = tags(windows[-1])
    if windows:
        out["recent_window_start"] = windows[-1]["window_start"]
        out["recent"] = tags(windows[-1])
    out["ever"] = [{k: f[k] for k in ("tag", "first_trending_at", "peak_at", "peak_score",
                                      "peak_accounts", "windows_trending", "campaign_tag",
                                      "response_tag")} for f in found["trending"]]
    return out


def _ranked(path: str, accounts: str, score: str, platforms: bool = False) -> Cells:
    """Tags with their accounts (in a window, or at their peak): a tag of a few people is left
    out (its name describes them); its score is computed from its accounts."""
    return Cells(path, {accounts: None}, key=("tag",), complete=False, drop=accounts,
                 derived={score: (accounts,)}, platforms=platforms)


METRIC = Metric(
    name="trending",
    title="Trending tags",
    description="Tags whose unique accounts per window rose far above their own recent level "
    "(docs/trends.md): when each first trended, its peak, and whether it is a campaign or a "
    "response tag; the ranking per window.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=45,
    options=(Option("window_seconds", DEFAULTS.window_seconds, "window length in seconds"),
             Option("min_score", DEFAULTS.min_score, "trend score to count as trending"),
             Option("min_accounts", DEFAULTS.min_accounts,
                    "fewest unique accounts in a window to score")),
    default=False,
    console_hidden=("windows", "params"),
    sections=(sections.section,),
    panels=(Panel("trending", "Tags trending now (latest window of data) and so far",
                  "ranking", now_and_so_far, every=10.0,
                  cells=(_ranked("current", "accounts", "score"),
                         _ranked("recent", "accounts", "score"),
                         _ranked("ever", "peak_accounts", "peak_score"))),),
    cells=(_ranked("trending", "peak_accounts", "peak_score"),
           # a window's accounts add up over the platforms (a platform's tag may not trend)
           _ranked("windows[window_start].tags", "accounts", "score", platforms=True)),
)
