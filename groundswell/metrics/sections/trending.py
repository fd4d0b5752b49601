"""Trending tags on the page: each trending tag's score while it trended, and the table of
when each first trended and peaked."""

from __future__ import annotations

import math
from collections import defaultdict

from groundswell.metrics import figures as f
from groundswell.metrics.page import Chart, Page, Rows, Section


def section(page: Page) -> Section:
    found = page.results["trending"] or {}
    rows = [{**x, "tag": f"#{x['tag']}"} for x in found.get("trending", [])]
    return Section("tags", "Trending tags", (
        Chart("trending", chart(found),
              "Trend score per window while a tag was trending (unique accounts against the "
              "recent level and the same time yesterday; see docs/trends.md). Stars: response "
              "tags.", "no tag trended"),
        Rows(rows, [("tag", "tag"), ("first_trending_at", "first trended"),
                    ("peak_at", "peak"), ("peak_score", "peak score"),
                    ("peak_accounts", "accounts at peak"),
                    ("windows_trending", "windows trending"), ("lift", "lift"),
                    ("campaign_tag", "campaign tag"), ("response_tag", "response tag")],
             "no tag trended"),
    ))


def chart(trends: dict | None):
    """Trend score of every tag in the windows where it was trending."""
    if not trends or not trends.get("windows"):
        return None
    found = {x["tag"]: x for x in trends.get("trending", [])}
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for w in trends["windows"]:
        for entry in w["tags"]:
            if f.number(entry.get("score")) is not None:  # a withheld score is no point
                series[entry["tag"]].append((f.t(w["window_start"]), entry["score"]))
    hours = trends.get("window_seconds", 3600) / 3600
    fig = f.figure("Trending tags: trend score while trending",
                   f"window start (UTC; {hours:g}-hour windows)",
                   "trend score (χ²-like, unitless; log scale)")
    for i, (tag, points) in enumerate(sorted(series.items(),
                                             key=lambda kv: (kv[1][0][0], kv[0]))):
        info = found.get(tag, {})
        kind = ("campaign tag" if info.get("campaign_tag") else
                "response tag" if info.get("response_tag") else "other")
        fig.add_scatter(
            x=[p[0] for p in points], y=[p[1] for p in points], mode="markers",
            name=f"#{tag} ({kind})", marker={
                "color": f.PALETTE[i % len(f.PALETTE)], "size": 8,
                "symbol": "star" if kind == "response tag" else "circle"},
            hovertemplate=f"#{tag} ({kind})<br>" + "%{x|%Y-%m-%d %H:%M} UTC<br>"
                          "score %{y:,.0f}<extra></extra>")
    min_score = (trends.get("params") or {}).get("min_score")
    if min_score:
        fig.add_hline(y=min_score, line={"color": "#333", "dash": "dot", "width": 1})
        fig.add_annotation(  # on a log axis an annotation's y is log10 of the value
            x=1, xref="paper", y=math.log10(min_score), text=f"trending threshold "
            f"({min_score:g})", showarrow=False, xanchor="right", yanchor="top",
            font={"size": 11})
    fig.update_yaxes(type="log", rangemode="normal")
    return fig
