"""A self-contained HTML page (plotly's JS inlined, so it opens offline) with the first numbers.

The full report (milestones, joiners, spread, response tags) is built on this later.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from groundswell.metrics.scope import Scope, Tables
from groundswell.metrics.timeline import hourly


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(f'{v:,}' if isinstance(v, int) else str(v))}</td>"
                         for v in row.values()) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def curve_figure(tables: Tables, scope: Scope, label: str) -> go.Figure:
    series = hourly(tables, scope)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=series["hour"], y=series["posts"], name="posts per hour", opacity=0.6)
    fig.add_scatter(x=series["hour"], y=series["cumulative_posts"], name="cumulative posts",
                    secondary_y=True, mode="lines")
    fig.update_layout(title=f"{label}: posts per hour and cumulative", height=450,
                      legend={"orientation": "h"}, margin={"t": 60, "l": 60, "r": 60})
    fig.update_xaxes(title_text="hour (UTC)")
    fig.update_yaxes(title_text="posts per hour", secondary_y=False)
    fig.update_yaxes(title_text="cumulative posts", secondary_y=True)
    return fig


def write_html(path: Path, tables: Tables, scope: Scope, results: dict) -> Path:
    mag = results["magnitude"]
    label = scope.campaign.name if scope.campaign else "all posts"
    chart = curve_figure(tables, scope, label).to_html(full_html=False, include_plotlyjs=True)
    kinds = [{"kind": k, "posts": v} for k, v in mag["posts_by_kind"].items()]
    milestones = [{"posts": f"{int(n):,}", "hours from first post": h}
                  for n, h in mag["hours_to_posts"].items() if h is not None]
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Groundswell — {html.escape(label)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border-bottom:1px solid #ddd;padding:.3em .8em;
text-align:right}}th{{background:#f4f4f4}}.headline{{font-size:1.4em}}</style></head><body>
<h1>Groundswell — {html.escape(label)}</h1>
<p class="headline"><b>{mag['posts']:,}</b> posts by <b>{mag['accounts']:,}</b> accounts
between {mag['first_post']} and {mag['last_post']} (UTC); busiest hour {mag['peak_hour']}
with {mag['peak_hour_posts']:,} posts.</p>
{chart}
<h2>Posts by kind</h2>{_table(kinds)}
<h2>Milestones</h2>{_table(milestones)}
<h2>Top co-occurring tags</h2>{_table(results.get('cotags', []))}
<p><small>Aggregates only: no account or post text is shown. Times are UTC.</small></p>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path
