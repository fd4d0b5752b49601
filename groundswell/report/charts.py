"""The report's plotly figures, one function per chart, built from JSON-ready data.

Conventions every figure follows (the tests check them): a title; axis titles that say the
unit in parentheses; time axes say "(UTC)" and plot naive UTC times; no trace uses WebGL (so
a headless browser without a GPU renders them, and ``Plotly.toImage`` works). A builder
returns ``None`` when it has nothing to draw, and the page then says so in words.
"""

from __future__ import annotations

import math
from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from groundswell.report.facts import circular_layout

POSTS = "#4c78a8"
PARTICIPANTS = "#f58518"
AMPLIFIERS = "#54a24b"
MAIN_BURST = "#e45756"
RESPONSE = "#b279a2"
OTHER = "#9d9d9d"
RESPONSE_COLORS = [RESPONSE, "#72b7b2", "#eeca3b", "#9d755d", "#ff9da6"]
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2",
           "#ff9da6", "#9d755d", "#bab0ac"]

HOUR_AXIS = "hour (UTC)"
DAY_AXIS = "day (UTC)"
TIME_AXIS = "time (UTC)"


def t(value: str | None) -> str | None:
    """ISO ``2017-10-15T20:21:00Z`` → ``2017-10-15 20:21:00``, which plotly reads as a date
    (it ignores zones; every time in the report is UTC and the axes say so)."""
    if value is None:
        return None
    return value.rstrip("Z").replace("T", " ")


def _style(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"}, template="plotly_white",
        height=height, margin={"t": 60, "l": 70, "r": 30, "b": 60},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0,
                "xanchor": "left", "x": 0, "font": {"size": 11}},
        hovermode="closest", font={"family": "system-ui, sans-serif"})
    return fig


def _figure(title: str, x_title: str, y_title: str, height: int = 440) -> go.Figure:
    fig = _style(go.Figure(), title, height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def _origin_line(fig: go.Figure, origin: str | None) -> None:
    if not origin:
        return
    fig.add_shape(type="line", x0=t(origin), x1=t(origin), y0=0, y1=1, yref="paper",
                  line={"color": "#333", "width": 1, "dash": "dot"})
    fig.add_annotation(x=t(origin), y=1, yref="paper", text="call to action", showarrow=False,
                       xanchor="left", yanchor="bottom", font={"size": 11, "color": "#333"})


def _thousands(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else f"{n:,}")


def cumulative(magnitude: dict) -> go.Figure | None:
    """Cumulative posts and participants per hour, with the milestones marked."""
    hourly = magnitude.get("hourly") or []
    if not hourly:
        return None
    fig = _figure("Cumulative matching posts and participants, with milestones",
                  HOUR_AXIS, "cumulative total (posts or accounts)")
    x = [t(r["hour"]) for r in hourly]
    fig.add_scatter(x=x, y=[r["cumulative_posts"] for r in hourly], mode="lines",
                    name="posts", line={"color": POSTS, "width": 2, "shape": "hv"},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts<extra></extra>")
    fig.add_scatter(x=x, y=[r["cumulative_participants"] for r in hourly], mode="lines",
                    name="participants (accounts that posted, replied or quoted)",
                    line={"color": PARTICIPANTS, "width": 2, "shape": "hv"},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} participants"
                                  "<extra></extra>")
    for metric, color in (("posts", POSTS), ("participants", PARTICIPANTS)):
        reached = [m for m in magnitude.get("milestones", [])
                   if m["metric"] == metric and m["reached_at"]]
        if not reached:
            continue
        labels = [f"{_thousands(m['count'])} {metric} · {m['hours_from_origin']:g} h"
                  for m in reached]
        fig.add_scatter(
            x=[t(m["reached_at"]) for m in reached], y=[m["count"] for m in reached],
            mode="markers", name=f"milestones: {metric}", text=labels,
            marker={"symbol": "diamond", "size": 11, "color": color,
                    "line": {"color": "white", "width": 1}},
            hovertemplate="%{text}<br>reached %{x|%Y-%m-%d %H:%M} UTC<extra></extra>")
        for i, (m, label) in enumerate(zip(reached, labels, strict=True)):
            # staggered call-outs: early milestones crowd the first hours
            fig.add_annotation(
                x=t(m["reached_at"]), y=m["count"], text=label, showarrow=True,
                arrowhead=0, arrowwidth=1, arrowcolor=color, font={"size": 11, "color": color},
                ax=45 + (110 if metric == "participants" else 0),
                ay=-(28 + 24 * i) if metric == "posts" else -(14 + 24 * i),
                xanchor="left", bgcolor="rgba(255,255,255,0.8)")
    _origin_line(fig, magnitude.get("origin_at"))
    return fig


def _shade_bursts(fig: go.Figure, bursts: dict[str, dict], main_tag: str | None) -> None:
    """One translucent band per burst; one legend entry per tag."""
    response_colors = iter(RESPONSE_COLORS * 4)
    for tag, found in bursts.items():
        color = MAIN_BURST if tag == main_tag else next(response_colors)
        for i, b in enumerate(found.get("bursts", [])):
            fig.add_vrect(x0=t(b["begin_at"]), x1=t(b["end_at"]), fillcolor=color,
                          opacity=0.18, line_width=0, layer="below",
                          name=f"burst of #{tag}", legendgroup=f"burst-{tag}",
                          showlegend=i == 0)


def hourly(magnitude: dict, bursts: dict[str, dict], main_tag: str | None) -> go.Figure | None:
    """Posts and new participants per hour; bursts of the main and response tags shaded."""
    rows = magnitude.get("hourly") or []
    if not rows:
        return None
    fig = _figure("Matching posts and new participants per hour; burst intervals shaded",
                  HOUR_AXIS, "count per hour (posts or accounts)")
    x = [t(r["hour"]) for r in rows]
    fig.add_bar(x=x, y=[r["posts"] for r in rows], name="posts per hour",
                marker={"color": POSTS}, opacity=0.75,
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts<extra></extra>")
    fig.add_scatter(x=x, y=[r["new_participants"] for r in rows], mode="lines",
                    name="new participants per hour", line={"color": PARTICIPANTS},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} new participants"
                                  "<extra></extra>")
    peak = magnitude.get("peak_hour")
    if peak:
        fig.add_annotation(x=t(peak), y=magnitude.get("peak_hour_posts", 0),
                           text=f"peak: {magnitude.get('peak_hour_posts', 0):,} posts",
                           showarrow=True, arrowhead=2, ax=40, ay=-30, font={"size": 11})
    _shade_bursts(fig, bursts, main_tag)
    _origin_line(fig, magnitude.get("origin_at"))
    fig.update_layout(bargap=0)
    return fig


def roles(per_hour: list[dict], totals: dict) -> go.Figure | None:
    """Accounts joining per hour: participants (spoke) vs amplifiers (only reposted)."""
    if not per_hour:
        return None
    fig = _figure("Accounts joining per hour: participants vs amplifiers", HOUR_AXIS,
                  "accounts joining per hour (accounts)")
    x = [t(r["hour"]) for r in per_hour]
    fig.add_bar(x=x, y=[r["participants"] for r in per_hour], marker={"color": PARTICIPANTS},
                name=f"participants: first original, reply or quote "
                     f"({totals.get('participants', 0):,} in all)",
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} participants<extra></extra>")
    fig.add_bar(x=x, y=[r["amplifiers"] for r in per_hour], marker={"color": AMPLIFIERS},
                name=f"amplifiers: only reposted, by first repost "
                     f"({totals.get('amplifiers', 0):,} in all)",
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} amplifiers<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0)
    return fig


def kinds(posts_by_kind: dict) -> go.Figure | None:
    if not posts_by_kind or not any(posts_by_kind.values()):
        return None
    fig = _figure("Matching posts by kind", "kind of post (category)", "matching posts (posts)",
                  height=360)
    names = list(posts_by_kind)
    colors = [AMPLIFIERS if k == "repost" else PARTICIPANTS for k in names]
    fig.add_bar(x=names, y=[posts_by_kind[k] for k in names], marker={"color": colors},
                text=[f"{posts_by_kind[k]:,}" for k in names], textposition="outside",
                name="posts", hovertemplate="%{x}: %{y:,} posts<extra></extra>")
    fig.update_layout(showlegend=False)
    return fig


REPLY_KINDS = {"phrase and tag": "#f58518", "phrase only": "#ffbf79", "tag only": "#4c78a8",
               "neither": OTHER}


def cta_replies(per_hour: list[dict], origin: str | None) -> go.Figure | None:
    if not per_hour:
        return None
    fig = _figure("Direct replies to the call to action per hour, by what they carried",
                  HOUR_AXIS, "direct replies per hour (posts)")
    x = [t(r["hour"]) for r in per_hour]
    for key, color in REPLY_KINDS.items():
        fig.add_bar(x=x, y=[r[key] for r in per_hour], name=key, marker={"color": color},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} replies: " + key
                                  + "<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0)
    _origin_line(fig, origin)
    return fig


def cta_depth(levels: list[dict]) -> go.Figure | None:
    if not levels:
        return None
    fig = _figure("The call-to-action thread: posts at each depth of the reply tree",
                  "depth below the call to action (reply levels; 1 = direct reply)",
                  "posts at that depth (posts)", height=360)
    fig.add_bar(x=[r["depth"] for r in levels], y=[r["posts"] for r in levels],
                marker={"color": PARTICIPANTS}, name="posts",
                text=[f"{r['posts']:,}" for r in levels], textposition="outside",
                hovertemplate="depth %{x}: %{y:,} posts<extra></extra>")
    fig.update_xaxes(dtick=1)
    fig.update_layout(showlegend=False)
    return fig


def notable_joiners(joiners: list[dict], origin: str | None) -> go.Figure | None:
    """Public figures on a timeline, one row each in joining order; marker area grows with
    followers (log), colour says whether they joined by speaking or by reposting."""
    if not joiners:
        return None
    fig = _figure("Notable joiners (public figures) on a timeline, in order of joining",
                  TIME_AXIS, "public figure (in order of joining)",
                  height=160 + 22 * len(joiners))
    for role, color in (("participant", PARTICIPANTS), ("amplifier", AMPLIFIERS)):
        group = [j for j in joiners if j.get("as") == role]
        if not group:
            continue
        fig.add_scatter(
            x=[t(j["first_post_at"]) for j in group], y=[j["account"] for j in group],
            mode="markers", name=f"joined as {role}",
            marker={"color": color, "line": {"color": "white", "width": 1},
                    "size": [6 + 2.2 * math.log10(max(j.get("followers") or 1, 1))
                             for j in group]},
            customdata=[[j.get("followers") or 0, j.get("hours_since_origin")] for j in group],
            hovertemplate="%{y}<br>%{x|%Y-%m-%d %H:%M} UTC (%{customdata[1]} h after the "
                          "call to action)<br>%{customdata[0]:,} followers<extra></extra>")
    fig.update_yaxes(type="category", autorange="reversed", rangemode="normal",
                     categoryorder="array", categoryarray=[j["account"] for j in joiners],
                     showgrid=True, tickfont={"size": 11})
    fig.update_layout(margin={"l": 150})
    _origin_line(fig, origin)
    return fig


def languages(rows: list[dict], top: int = 8) -> go.Figure | None:
    """Matching posts per day by language; the smaller languages grouped as "other"."""
    if not rows:
        return None
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["lang"]] += r["posts"]
    keep = [lang for lang, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))][:top]
    days = sorted({r["day"] for r in rows})
    grid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        grid[r["lang"] if r["lang"] in keep else "other"][r["day"]] += r["posts"]
    fig = _figure("Matching posts per day by language (platform-detected)", DAY_AXIS,
                  "matching posts per day (posts)")
    for i, lang in enumerate([*keep, "other"] if "other" in grid else keep):
        fig.add_bar(x=days, y=[grid[lang].get(d, 0) for d in days], name=lang,
                    marker={"color": PALETTE[i % len(PALETTE)]},
                    hovertemplate="%{x|%Y-%m-%d} UTC<br>%{y:,} posts in " + lang
                                  + "<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=86_400_000, tickformat="%b %d")
    return fig


def variants(daily: list[dict], variant_rows: list[dict]) -> go.Figure | None:
    """Posts per day carrying each campaign tag, with each tag's first appearance marked."""
    if not daily:
        return None
    fig = _figure("Campaign tag and variants: posts per day, first appearance marked", DAY_AXIS,
                  "posts carrying the tag per day (posts)")
    langs = {v["tag"]: v.get("lang") for v in variant_rows}
    order = [v["tag"] for v in variant_rows] or sorted({r["tag"] for r in daily})
    for i, tag in enumerate(order):
        rows = [r for r in daily if r["tag"] == tag]
        if not rows:
            continue
        label = f"#{tag}" + (f" ({langs[tag]})" if langs.get(tag) else "")
        color = PALETTE[i % len(PALETTE)]
        fig.add_scatter(x=[r["day"] for r in rows], y=[r["posts"] for r in rows],
                        mode="lines+markers", name=label, line={"color": color},
                        legendgroup=tag,
                        hovertemplate="%{x|%Y-%m-%d} UTC<br>%{y:,} posts " + label
                                      + "<extra></extra>")
    firsts = [v for v in variant_rows if v.get("first_post_at")]
    if firsts:
        fig.add_scatter(
            x=[t(v["first_post_at"]) for v in firsts], y=[0] * len(firsts),
            mode="markers+text", name="first appearance",
            marker={"symbol": "triangle-up", "size": 12,
                    "color": [PALETTE[order.index(v["tag"]) % len(PALETTE)] for v in firsts]},
            text=[f"#{v['tag']}" for v in firsts], textposition="top center",
            textfont={"size": 10},
            customdata=[v.get("hours_since_origin") for v in firsts],
            hovertemplate="%{text} first seen %{x|%Y-%m-%d %H:%M} UTC<br>"
                          "%{customdata} h after the call to action<extra></extra>")
    fig.update_xaxes(dtick=86_400_000, tickformat="%b %d")
    return fig


def trending(trends: dict | None) -> go.Figure | None:
    """Trend score of every tag in the windows where it was trending."""
    if not trends or not trends.get("windows"):
        return None
    found = {f["tag"]: f for f in trends.get("trending", [])}
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for w in trends["windows"]:
        for entry in w["tags"]:
            series[entry["tag"]].append((t(w["window_start"]), entry["score"]))
    hours = trends.get("window_seconds", 3600) / 3600
    fig = _figure("Trending tags: trend score while trending",
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
                "color": PALETTE[i % len(PALETTE)], "size": 8,
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


def response_tags(per_tag: dict[str, list[dict]], bursts: dict[str, dict]) -> go.Figure | None:
    """Posts per hour carrying each response tag, one panel per tag, its bursts shaded."""
    per_tag = {tag: rows for tag, rows in per_tag.items() if rows}
    if not per_tag:
        return None
    n = len(per_tag)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.05 + 0.06 / n,
                        subplot_titles=[f"#{tag}" for tag in per_tag])
    _style(fig, "Response tags: posts per hour carrying each tag, burst intervals shaded",
           200 + 170 * n)
    fig.update_annotations(font={"size": 12}, xanchor="left", x=0)
    for i, (tag, rows) in enumerate(per_tag.items(), 1):
        color = RESPONSE_COLORS[(i - 1) % len(RESPONSE_COLORS)]
        fig.add_scatter(x=[t(r["hour"]) for r in rows], y=[r["posts"] for r in rows],
                        mode="lines", name=f"#{tag}", line={"color": color, "shape": "hv"},
                        row=i, col=1,
                        hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts #" + tag
                                      + "<extra></extra>")
        for j, b in enumerate(bursts.get(tag, {}).get("bursts", [])):
            fig.add_vrect(x0=t(b["begin_at"]), x1=t(b["end_at"]), fillcolor=color,
                          opacity=0.2, line_width=0, layer="below", row=i, col=1,
                          name=f"burst of #{tag}", legendgroup=f"burst-{tag}",
                          showlegend=j == 0)
        fig.update_yaxes(title_text="posts/hour (posts)", rangemode="tozero",
                         row=i, col=1)
    fig.update_xaxes(title_text=HOUR_AXIS, row=n, col=1)
    return fig


def network(net: dict, campaign_tags: tuple[str, ...], response: set[str],
            main_tag: str | None) -> go.Figure | None:
    """Co-hashtag network: nodes are tags (size ∝ √posts), edges join tags carried by the
    same matching posts (width ∝ √co-occurrences). Circular layout, the main tag in the
    middle: positions carry no meaning beyond that, and are the same on every run."""
    nodes, edges = net.get("nodes") or [], net.get("edges") or []
    if len(nodes) < 2:
        return None
    names = [n["tag"] for n in nodes]
    pos = circular_layout(names, center=main_tag if main_tag in names else None)
    fig = _figure(f"Co-hashtag network: the top {len(nodes)} tags in matching posts",
                  "layout x (no units: circular layout)", "layout y (no units: circular layout)",
                  height=640)
    if edges:
        top = max(e["posts"] for e in edges)
        bins: dict[int, list[dict]] = defaultdict(list)
        for e in edges:
            bins[1 + round(8 * math.sqrt(e["posts"] / top))].append(e)
        for width in sorted(bins):
            xs: list[float | None] = []
            ys: list[float | None] = []
            for e in bins[width]:
                (x0, y0), (x1, y1) = pos[e["a"]], pos[e["b"]]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
            fig.add_scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                            line={"color": "rgba(90,90,90,0.35)", "width": width})
        fig.add_scatter(  # hover targets at edge midpoints
            x=[(pos[e["a"]][0] + pos[e["b"]][0]) / 2 for e in edges],
            y=[(pos[e["a"]][1] + pos[e["b"]][1]) / 2 for e in edges],
            mode="markers", marker={"size": 6, "color": "rgba(0,0,0,0)"},
            name="co-occurrence", showlegend=False,
            text=[f"#{e['a']} + #{e['b']}: {e['posts']:,} posts" for e in edges],
            hovertemplate="%{text}<extra></extra>")
    groups = (("campaign tag", lambda n: n in campaign_tags, POSTS),
              ("response tag", lambda n: n in response and n not in campaign_tags, RESPONSE),
              ("other tag", lambda n: n not in campaign_tags and n not in response, OTHER))
    biggest = max(n["posts"] for n in nodes)
    for label, test, color in groups:
        group = [n for n in nodes if test(n["tag"])]
        if not group:
            continue
        fig.add_scatter(
            x=[pos[n["tag"]][0] for n in group], y=[pos[n["tag"]][1] for n in group],
            mode="markers+text", name=label, text=[f"#{n['tag']}" for n in group],
            textposition="top center",
            marker={"size": [12 + 38 * math.sqrt(n["posts"] / biggest) for n in group],
                    "color": color, "line": {"color": "white", "width": 1}},
            customdata=[n["posts"] for n in group],
            hovertemplate="%{text}: %{customdata:,} matching posts<extra></extra>")
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False,
            "range": [-1.35, 1.35]}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, scaleanchor="x", scaleratio=1)
    return fig
