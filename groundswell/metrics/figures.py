"""Plotly figures drawn the house's way, for the charts metrics declare (``Metric.sections``).

Conventions every figure follows (the tests check them): a title; axis titles that say the
unit in parentheses; time axes say "(UTC)" and plot naive UTC times; no trace uses WebGL (so a
headless browser without a GPU renders them, and ``Plotly.toImage`` works). A chart builder
returns ``None`` when it has nothing to draw, and the page then says so in words.

plotly is imported when a figure is first drawn: a report without a page never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

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


def number(value: object) -> int | float | None:
    """A published count as a chart value: a suppressed one (``"<10"``) or a withheld one
    (None) is a gap, never a number the chart would invent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def numbers(values: list) -> list[int | float | None]:
    return [number(v) for v in values]


def style(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"}, template="plotly_white",
        height=height, margin={"t": 60, "l": 70, "r": 30, "b": 60},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0,
                "xanchor": "left", "x": 0, "font": {"size": 11}},
        hovermode="closest", font={"family": "system-ui, sans-serif"})
    return fig


def figure(title: str, x_title: str, y_title: str, height: int = 440) -> go.Figure:
    """An empty figure with its title and both axis titles."""
    import plotly.graph_objects as go

    fig = style(go.Figure(), title, height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def stacked(rows: int, titles: list[str], title: str, height: int) -> go.Figure:
    """A figure of ``rows`` panels sharing their time axis, one title each."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True,
                        vertical_spacing=0.05 + 0.06 / rows, subplot_titles=titles)
    style(fig, title, height)
    fig.update_annotations(font={"size": 12}, xanchor="left", x=0)
    return fig


def origin_line(fig: go.Figure, origin: str | None) -> None:
    """A dotted line at the call to action."""
    if not origin:
        return
    fig.add_shape(type="line", x0=t(origin), x1=t(origin), y0=0, y1=1, yref="paper",
                  line={"color": "#333", "width": 1, "dash": "dot"})
    fig.add_annotation(x=t(origin), y=1, yref="paper", text="call to action", showarrow=False,
                       xanchor="left", yanchor="bottom", font={"size": 11, "color": "#333"})


def shade_bursts(fig: go.Figure, bursts: dict[str, dict], main_tag: str | None) -> None:
    """One translucent band per burst; one legend entry per tag."""
    response_colors = iter(RESPONSE_COLORS * 4)
    for tag, found in bursts.items():
        color = MAIN_BURST if tag == main_tag else next(response_colors)
        for i, b in enumerate(found.get("bursts", [])):
            fig.add_vrect(x0=t(b["begin_at"]), x1=t(b["end_at"]), fillcolor=color,
                          opacity=0.18, line_width=0, layer="below",
                          name=f"burst of #{tag}", legendgroup=f"burst-{tag}",
                          showlegend=i == 0)


def thousands(n: int) -> str:
    """``1000`` → ``1k``, ``1000000`` → ``1M``; other numbers with separators."""
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else f"{n:,}")
