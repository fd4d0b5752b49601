"""Spread on the page: notable joiners on a timeline, then languages per day and the variant
tags' curves with each one's first appearance."""

from __future__ import annotations

import math
from collections import defaultdict

from groundswell.metrics import figures as f
from groundswell.metrics.cells import Cells
from groundswell.metrics.page import Chart, Page, Rows, Section
from groundswell.metrics.suppress import suppress_rows
from groundswell.scope import Context, iso

#: Posts per day carrying a campaign tag, by the accounts behind them; a tag's days add up to
#: its posts.
TAG_DAILY_CELLS = Cells("", {"posts": "accounts"}, key=("tag", "day"), groups=("tag",),
                        adds_up={"posts": None}, hidden=("accounts",))


def tag_daily(ctx: Context) -> list[dict]:
    """Posts per UTC day carrying each campaign tag (main tag and variants), suppressed under
    the campaign's policy (only the page shows them)."""
    if ctx.campaign is None:
        return []
    tags = ctx.tables.post_hashtags
    window = ctx.scope.window(ctx.tables)
    window = window.filter(window.created_at.notnull()).select(*ctx.key, "created_at",
                                                               "author_id")
    tagged = tags.filter(tags.tag.isin(ctx.campaign.tags)).join(window, ctx.key)
    # one row per post and tag (post_hashtags keys are unique): posts are a count
    per = tagged.group_by(["tag", tagged.created_at.truncate("D").name("day")]).aggregate(
        posts=tagged.count(), accounts=tagged.author_id.nunique())
    found = [{"tag": r["tag"], "day": iso(r["day"])[:10], "posts": r["posts"],
              "accounts": r["accounts"]}
             for r in per.order_by(["tag", "day"]).to_pyarrow().to_pylist()]
    return suppress_rows(found, TAG_DAILY_CELLS, ctx.policy)


def joiners(page: Page) -> Section:
    spread = page.results["spread"] or {}
    found = spread.get("notable_joiners", [])
    origin_at = page.result("magnitude", {}).get("origin_at")
    return Section("joiners", "Notable joiners", (
        Chart("joiners", joiners_chart(found, origin_at),
              "Public figures only (followers at or above the campaign's threshold, or "
              "verified), one row each, at their first matching post of any kind; the larger "
              "the marker, the more followers.", "no public figure joined"),
        Rows(found, [("account", "account"), ("first_post_at", "joined"),
                     ("hours_since_origin", "hours after the call to action"),
                     ("followers", "followers"), ("as", "as")], "no public figure joined"),
    ))


def languages_and_variants(page: Page) -> Section:
    spread = page.results["spread"] or {}
    variants = spread.get("variants", [])
    rows = [{**v, "tag": f"#{v['tag']}", "share_pct": None if v.get("share") is None
             else round(100 * v["share"], 1)} for v in variants]
    return Section("spread", "Languages and variants", (
        Chart("languages", languages_chart(spread.get("languages", [])),
              "Languages as detected by the platform (und = undetermined); beyond the eight "
              "largest, grouped as other.", "no languages"),
        Chart("variants", variants_chart(tag_daily(page.ctx), variants),
              "Posts in the window carrying each campaign tag, per UTC day; triangles mark "
              "each tag's first post.", "no campaign tags"),
        Rows(rows, [("tag", "tag"), ("lang", "language"), ("first_post_at", "first post"),
                    ("hours_since_origin", "hours after the call to action"),
                    ("posts", "posts"), ("accounts", "accounts"),
                    ("share_pct", "share of tagged posts (%)")]),
    ))


# -- charts -------------------------------------------------------------------------------------
def joiners_chart(found: list[dict], origin: str | None):
    """Public figures on a timeline, one row each in joining order; marker area grows with
    followers (log), colour says whether they joined by speaking or by reposting."""
    if not found:
        return None
    fig = f.figure("Notable joiners (public figures) on a timeline, in order of joining",
                   f.TIME_AXIS, "public figure (in order of joining)",
                   height=160 + 22 * len(found))
    for role, color in (("participant", f.PARTICIPANTS), ("amplifier", f.AMPLIFIERS)):
        group = [j for j in found if j.get("as") == role]
        if not group:
            continue
        fig.add_scatter(
            x=[f.t(j["first_post_at"]) for j in group], y=[j["account"] for j in group],
            mode="markers", name=f"joined as {role}",
            marker={"color": color, "line": {"color": "white", "width": 1},
                    "size": [6 + 2.2 * math.log10(max(j.get("followers") or 1, 1))
                             for j in group]},
            customdata=[[j.get("followers") or 0, j.get("hours_since_origin")] for j in group],
            hovertemplate="%{y}<br>%{x|%Y-%m-%d %H:%M} UTC (%{customdata[1]} h after the "
                          "call to action)<br>%{customdata[0]:,} followers<extra></extra>")
    fig.update_yaxes(type="category", autorange="reversed", rangemode="normal",
                     categoryorder="array", categoryarray=[j["account"] for j in found],
                     showgrid=True, tickfont={"size": 11})
    fig.update_layout(margin={"l": 150})
    f.origin_line(fig, origin)
    return fig


def languages_chart(rows: list[dict], top: int = 8):
    """Matching posts per day by language; the smaller languages grouped as "other"."""
    if not rows:
        return None
    # suppressed cells are gaps: neither in the totals that rank the languages nor in "other"
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["lang"]] += f.number(r["posts"]) or 0
    keep = [lang for lang, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))][:top]
    days = sorted({r["day"] for r in rows})
    # a day without the language is 0; one whose count is suppressed a gap (None)
    grid: dict[str, dict[str, int | None]] = defaultdict(dict)
    for r in rows:
        posts, cells = f.number(r["posts"]), grid[r["lang"] if r["lang"] in keep else "other"]
        if posts is not None and cells.get(r["day"], 0) is not None:
            cells[r["day"]] = cells.get(r["day"], 0) + posts
        elif posts is None and r["lang"] in keep:
            cells[r["day"]] = None
    fig = f.figure("Matching posts per day by language (platform-detected)", f.DAY_AXIS,
                   "matching posts per day (posts)")
    for i, lang in enumerate([*keep, "other"] if "other" in grid else keep):
        fig.add_bar(x=days, y=[grid[lang].get(d, 0) for d in days], name=lang,
                    marker={"color": f.PALETTE[i % len(f.PALETTE)]},
                    hovertemplate="%{x|%Y-%m-%d} UTC<br>%{y:,} posts in " + lang
                                  + "<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=86_400_000, tickformat="%b %d")
    return fig


def variants_chart(daily: list[dict], variant_rows: list[dict]):
    """Posts per day carrying each campaign tag, with each tag's first appearance marked."""
    if not daily:
        return None
    fig = f.figure("Campaign tag and variants: posts per day, first appearance marked",
                   f.DAY_AXIS, "posts carrying the tag per day (posts)")
    langs = {v["tag"]: v.get("lang") for v in variant_rows}
    order = [v["tag"] for v in variant_rows] or sorted({r["tag"] for r in daily})
    for i, tag in enumerate(order):
        rows = [r for r in daily if r["tag"] == tag]
        if not rows:
            continue
        label = f"#{tag}" + (f" ({langs[tag]})" if langs.get(tag) else "")
        color = f.PALETTE[i % len(f.PALETTE)]
        fig.add_scatter(x=[r["day"] for r in rows], y=f.numbers([r["posts"] for r in rows]),
                        mode="lines+markers", name=label, line={"color": color},
                        legendgroup=tag,
                        hovertemplate="%{x|%Y-%m-%d} UTC<br>%{y:,} posts " + label
                                      + "<extra></extra>")
    firsts = [v for v in variant_rows if v.get("first_post_at")]
    if firsts:
        fig.add_scatter(
            x=[f.t(v["first_post_at"]) for v in firsts], y=[0] * len(firsts),
            mode="markers+text", name="first appearance",
            marker={"symbol": "triangle-up", "size": 12,
                    "color": [f.PALETTE[order.index(v["tag"]) % len(f.PALETTE)]
                              for v in firsts]},
            text=[f"#{v['tag']}" for v in firsts], textposition="top center",
            textfont={"size": 10},
            customdata=[v.get("hours_since_origin") for v in firsts],
            hovertemplate="%{text} first seen %{x|%Y-%m-%d %H:%M} UTC<br>"
                          "%{customdata} h after the call to action<extra></extra>")
    fig.update_xaxes(dtick=86_400_000, tickformat="%b %d")
    return fig
