"""How a metric shows itself beyond the terminal and JSON: sections of the HTML page and panels
of the live dashboard, declared beside its computation (``Metric.sections``, ``Metric.panels``).

A section is built from a :class:`Page` (every computed result, and the run's context for the
few questions only a page asks) as blocks the page renders: :class:`Prose` (HTML the metric
wrote, every value escaped with :func:`esc`), :class:`Rows` (a table) and :class:`Chart` (a
plotly figure; :mod:`groundswell.metrics.figures` draws them the house's way). A panel names a
dashboard widget and computes the JSON it shows. Nothing here knows how a page or a dashboard
is put together: :mod:`groundswell.report.html` and :mod:`groundswell.web` loop over the
registry and render what the metrics declare.

Privacy is the metrics' part too: a section shows aggregates, keyed pseudonyms and the names
of public figures only (``Context.name``), as the metric's JSON does.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from groundswell.metrics.cells import Cells
    from groundswell.scope import Context


@dataclass(frozen=True)
class Prose:
    """HTML the metric wrote (values escaped with :func:`esc`)."""

    html: str


@dataclass(frozen=True)
class Rows:
    """A table: ``columns`` as ``(key, heading)``; ``empty`` says what no row means."""

    rows: list[dict]
    columns: list[tuple[str, str]]
    empty: str = "none"


@dataclass(frozen=True)
class Chart:
    """A figure with its caption, or (``figure`` None) the words ``missing`` instead."""

    id: str
    figure: go.Figure | None
    caption: str = ""
    missing: str = "nothing to draw"


Block = Prose | Rows | Chart


@dataclass(frozen=True)
class Section:
    """One part of the page. A ``lead`` section opens the page, before the contents, with no
    heading of its own (the headline and key figures)."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    lead: bool = False


@dataclass
class Page:
    """What a section is built from: the run's context and every result on the page."""

    ctx: Context
    results: Mapping[str, Any]

    @property
    def campaign(self):
        return self.ctx.campaign

    @property
    def main_tag(self) -> str | None:
        return self.ctx.campaign.main_tag if self.ctx.campaign else None

    @property
    def label(self) -> str:
        return self.ctx.campaign.name if self.ctx.campaign else "all posts"

    def result(self, name: str, default: Any = None) -> Any:
        """Another metric's result on this page (``default`` when it is not computed)."""
        return self.results[name] if name in self.results else default


#: The dashboard's widgets: ``counter`` (scalars, participants first), ``curve`` (hourly
#: ``points`` with running totals), ``ranking`` (tags trending now and so far), ``rows``
#: (any list of records, as a table). Each has a response schema and a renderer in
#: :mod:`groundswell.web`.
Widget = Literal["counter", "curve", "ranking", "rows"]


@dataclass(frozen=True)
class Panel:
    """A live dashboard panel, served at ``/api/<name>``.

    ``compute(ctx, **options)`` (the metric's options) returns the panel's JSON in its
    widget's shape (for ``rows``: ``{"rows": [...]}``); the dashboard recomputes it when the
    store changed, and at most every ``every`` seconds (a costly panel, like trending tags,
    moves slowly anyway). ``cells``: its JSON's counts, declared as a metric declares its
    result's (:mod:`groundswell.metrics.cells`), so that the dashboard suppresses small cells
    as every other output does."""

    name: str
    title: str
    widget: Widget
    compute: Callable[..., dict[str, Any]]
    every: float = 0.0
    cells: tuple[Cells, ...] = ()


# -- writing prose ----------------------------------------------------------------------------
def esc(value: object) -> str:
    """Any value as HTML text (None as nothing)."""
    return html.escape("" if value is None else str(value))


def num(value: object) -> str:
    """A value as the page shows it: ``1,234``, four significant digits below a thousand,
    ``yes``/``no``, ``—`` for none."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def when(value: str | None) -> str:
    """An ISO UTC time as ``2017-10-15 20:21 UTC``, ``—`` for none."""
    if not value:
        return "—"
    try:
        parsed = datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return value
    return parsed.strftime("%Y-%m-%d %H:%M UTC")


__all__ = ["Block", "Chart", "Page", "Panel", "Prose", "Rows", "Section", "Widget", "esc",
           "num", "when"]
