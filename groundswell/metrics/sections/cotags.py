"""Co-occurring tags on the page: the co-hashtag network of the matching posts (the top tags
and how often each pair travels together), drawn in a fixed circular layout."""

from __future__ import annotations

import math
from collections import defaultdict

import ibis

from groundswell.metrics import figures as f
from groundswell.metrics.cells import Cells
from groundswell.metrics.page import Chart, Page, Rows, Section
from groundswell.metrics.suppress import suppress_rows
from groundswell.scope import Context

NETWORK_TOP = 20
#: A tag, or a pair of tags, used by fewer than k accounts is left out of the network: its
#: name (or the pair) describes its few users.
NODE_CELLS = Cells("", {"posts": "accounts", "accounts": None}, key=("tag",), complete=False,
                   drop="accounts", hidden=("accounts",))
EDGE_CELLS = Cells("", {"posts": "accounts", "accounts": None}, key=("a", "b"),
                   complete=False, drop="accounts", hidden=("accounts",))


def cotag_network(ctx: Context, top: int = NETWORK_TOP) -> dict:
    """The top ``top`` tags carried by matching posts (campaign tags included) and, for every
    pair of them, the number of matching posts carrying both; tags and pairs of fewer than k
    accounts left out (the campaign's policy: only the page shows them)."""
    tags = ctx.tables.post_hashtags
    on = ctx.key
    matched = ctx.matched.select(*on, "author_id")
    carried = tags.join(matched, on).select(*on, "tag", "author_id").distinct()
    nodes = (carried.group_by("tag").aggregate(posts=carried.count(),
                                               accounts=carried.author_id.nunique())
             .order_by([ibis.desc("posts"), "tag"]).limit(top).to_pyarrow().to_pylist())
    nodes = suppress_rows(nodes, NODE_CELLS, ctx.policy)
    names = [n["tag"] for n in nodes]
    if len(names) < 2:
        return {"nodes": nodes, "edges": []}
    in_top = carried.filter(carried.tag.isin(names))
    a = in_top.select(*on, "author_id", a=in_top.tag)
    b = in_top.select(*on, b=in_top.tag)
    pairs = a.join(b, on).select("a", "b", "author_id")
    pairs = pairs.filter(pairs.a < pairs.b)
    edges = (pairs.group_by(["a", "b"]).aggregate(posts=pairs.count(),
                                                  accounts=pairs.author_id.nunique())
             .order_by([ibis.desc("posts"), "a", "b"]).to_pyarrow().to_pylist())
    return {"nodes": nodes, "edges": suppress_rows(edges, EDGE_CELLS, ctx.policy)}


def circular_layout(names: list[str], center: str | None = None) -> dict[str, tuple[float, float]]:
    """Deterministic positions: ``center`` (if given) in the middle, the others on a unit
    circle in the given order, starting at the top and going clockwise."""
    ring = [n for n in names if n != center]
    pos: dict[str, tuple[float, float]] = {}
    if center in names:
        pos[center] = (0.0, 0.0)
    for i, name in enumerate(ring):
        angle = math.pi / 2 - 2 * math.pi * i / max(len(ring), 1)
        pos[name] = (round(math.cos(angle), 6), round(math.sin(angle), 6))
    return pos


def section(page: Page) -> Section:
    campaign_tags = page.campaign.tags if page.campaign else ()
    responses = {tag for tag in page.result("bursts") or {} if tag != page.main_tag}
    rows = [{**x, "tag": f"#{x['tag']}"} for x in page.results["cotags"] or []]
    return Section("network", "Co-hashtag network", (
        Chart("network", network_chart(cotag_network(page.ctx), campaign_tags, responses,
                                       page.main_tag),
              "Tags carried by matching posts; a line joins two tags carried by the same "
              "posts, thicker for more. Hover a line's middle for its count.",
              "fewer than two tags"),
        Rows(rows, [("tag", "tag"), ("posts", "matching posts"), ("accounts", "accounts")],
             "no other tags"),
    ))


def network_chart(net: dict, campaign_tags: tuple[str, ...], response: set[str],
                  main_tag: str | None):
    """Co-hashtag network: nodes are tags (size ∝ √posts), edges join tags carried by the
    same matching posts (width ∝ √co-occurrences). Circular layout, the main tag in the
    middle: positions carry no meaning beyond that, and are the same on every run."""
    nodes = [n for n in net.get("nodes") or [] if f.number(n["posts"]) is not None]
    edges = [e for e in net.get("edges") or [] if f.number(e["posts"]) is not None]
    if len(nodes) < 2:
        return None
    names = [n["tag"] for n in nodes]
    pos = circular_layout(names, center=main_tag if main_tag in names else None)
    fig = f.figure(f"Co-hashtag network: the top {len(nodes)} tags in matching posts",
                   "layout x (no units: circular layout)",
                   "layout y (no units: circular layout)", height=640)
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
    groups = (("campaign tag", lambda n: n in campaign_tags, f.POSTS),
              ("response tag", lambda n: n in response and n not in campaign_tags, f.RESPONSE),
              ("other tag", lambda n: n not in campaign_tags and n not in response, f.OTHER))
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
