"""Response tags on the page: each one's posts per hour, its bursts shaded, and its numbers."""

from __future__ import annotations

from groundswell.metrics import figures as f
from groundswell.metrics.cells import Cells
from groundswell.metrics.page import Chart, Page, Rows, Section
from groundswell.metrics.suppress import suppress_rows
from groundswell.scope import Context, iso

#: A tag's posts per hour, by the accounts behind them, adding up to its posts.
HOURLY_CELLS = Cells("", {"posts": "accounts"}, key=("hour",), groups=(),
                     adds_up={"posts": None}, hidden=("accounts",))


def tag_hourly(ctx: Context, tag: str) -> list[dict]:
    """Posts per UTC hour carrying ``tag``, among posts in the campaign's window, suppressed
    under the campaign's policy (only the page shows them)."""
    tags = ctx.tables.post_hashtags
    window = ctx.scope.window(ctx.tables)
    window = window.filter(window.created_at.notnull()).select(*ctx.key, "created_at",
                                                               "author_id")
    carrying = window.semi_join(tags.filter(tags.tag == tag).select(*ctx.key), ctx.key)
    per = carrying.group_by(hour=carrying.created_at.truncate("h")).aggregate(
        posts=carrying.count(), accounts=carrying.author_id.nunique())
    found = [{"hour": iso(r["hour"]), "posts": r["posts"], "accounts": r["accounts"]}
             for r in per.order_by("hour").to_pyarrow().to_pylist()]
    return suppress_rows(found, HOURLY_CELLS, ctx.policy)


def section(page: Page) -> Section:
    bursts = page.result("bursts") or {}
    # the declared response tags and those the trend detector flagged: what bursts looked at
    responses = [tag for tag in bursts if tag != page.main_tag]
    rows = [{**x, "tag": f"#{x['tag']}"} for x in page.results["response_tags"] or []]
    return Section("response-tags", "Response tags", (
        Chart("response", chart({tag: tag_hourly(page.ctx, tag) for tag in responses},
                                bursts),
              "Response tags answer the campaign rather than join it; bands are their bursts.",
              "no response tag"),
        Rows(rows, [("tag", "tag"), ("posts", "posts"), ("accounts", "accounts"),
                    ("posts_with_campaign", "posts with a campaign tag"),
                    ("lift", "lift"), ("first_post_at", "first post"),
                    ("peak_hour", "busiest hour"), ("peak_hour_posts", "posts then")],
             "no response tag declared"),
    ))


def chart(per_tag: dict[str, list[dict]], bursts: dict[str, dict]):
    """Posts per hour carrying each response tag, one panel per tag, its bursts shaded."""
    per_tag = {tag: rows for tag, rows in per_tag.items() if rows}
    if not per_tag:
        return None
    n = len(per_tag)
    fig = f.stacked(n, [f"#{tag}" for tag in per_tag],
                    "Response tags: posts per hour carrying each tag, burst intervals shaded",
                    200 + 170 * n)
    for i, (tag, rows) in enumerate(per_tag.items(), 1):
        color = f.RESPONSE_COLORS[(i - 1) % len(f.RESPONSE_COLORS)]
        fig.add_scatter(x=[f.t(r["hour"]) for r in rows], y=f.numbers([r["posts"] for r in rows]),
                        mode="lines", name=f"#{tag}", line={"color": color, "shape": "hv"},
                        row=i, col=1,
                        hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts #" + tag
                                      + "<extra></extra>")
        for j, b in enumerate(bursts.get(tag, {}).get("bursts", [])):
            fig.add_vrect(x0=f.t(b["begin_at"]), x1=f.t(b["end_at"]), fillcolor=color,
                          opacity=0.2, line_width=0, layer="below", row=i, col=1,
                          name=f"burst of #{tag}", legendgroup=f"burst-{tag}",
                          showlegend=j == 0)
        fig.update_yaxes(title_text="posts/hour (posts)", rangemode="tozero", row=i, col=1)
    fig.update_xaxes(title_text=f.HOUR_AXIS, row=n, col=1)
    return fig
