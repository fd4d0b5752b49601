"""The live dashboard: a FastAPI app (``groundswell serve``) over :class:`LiveStore`.

The panels are the registry's (``Metric.panels``): each gets a JSON endpoint ``/api/<name>``,
described in ``/openapi.json`` by its widget's schema, and a place on the page (``/``) that
polls them all, drawn by its widget's renderer; everything the page shows is in the
endpoints, so scripts can read the same numbers. A metric that declares a panel appears here
without an edit to this module. The page is a static file with its script inlined; plotly's
JS comes from the installed ``plotly`` package (``/static/plotly.min.js``), so the dashboard
works offline and loads nothing from elsewhere (FastAPI's ``/docs`` pages are off for that
reason: they load their scripts from a CDN).

Privacy: every panel is published under the campaign's policy
(:func:`groundswell.metrics.suppress.published_panels`, in :mod:`~groundswell.web.live`): a
count describing fewer than k people is ``"<k"``, its complements ``null``, and the page says
so in a notice under its title. The dashboard never reveals.
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import plotly
from fastapi import FastAPI, Query
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from groundswell import __version__
from groundswell.campaign import Campaign
from groundswell.metrics.page import Panel, Widget
from groundswell.web.live import LiveStore

PAGE = Path(__file__).with_name("dashboard.html")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REFRESH = "127.0.0.1", 8000, 2.0

State = Literal["ok", "busy", "no_store", "error", "starting"]
UTC_TIME = "ISO 8601 UTC, e.g. 2017-10-15T20:21:00Z"
#: A published count: a number, ``"<k"`` when it describes fewer than k people, or null when
#: withheld so that no subtraction gives a small one back (docs/privacy.md).
Count = int | str | None
COUNT = ('; "<k" (a string) when it describes fewer than k people, null when withheld '
         "(docs/privacy.md)")


# -- response models (the OpenAPI schema) -----------------------------------------------------
class Freshness(BaseModel):
    scope: str = Field(description="The campaign's name, or 'all posts' without a campaign.")
    tags: list[str] = Field(description="The campaign's tags (main tag and variants).")
    updated_at: str | None = Field(description=f"When these values were read ({UTC_TIME}).")
    stale: bool = Field(description="True when the latest read failed (store busy, missing "
                        "or broken) and these are the last good values.")
    status: State = Field(description="State of the latest read: ok, busy (a writer held the "
                          "store), no_store (not created yet), error, starting.")


class PostsByKind(BaseModel):
    original: Count
    reply: Count
    quote: Count
    repost: Count


class Summary(Freshness):
    """The counter panel."""

    posts: Count = Field(description="Matching posts" + COUNT + ".")
    posts_by_kind: PostsByKind
    accounts: Count = Field(description="Distinct accounts with a matching post" + COUNT + ".")
    participants: Count = Field(description="Accounts that posted a matching original, reply "
                                "or quote (they spoke)" + COUNT + ".")
    amplifiers: Count = Field(description="Accounts that only reposted matching posts"
                              + COUNT + ".")
    first_post: str | None = Field(description=f"Earliest matching post ({UTC_TIME}).")
    last_post: str | None = Field(description=f"Latest matching post ({UTC_TIME}).")


class HourPoint(BaseModel):
    hour: str = Field(description=f"Start of the hour ({UTC_TIME}).")
    posts: Count = Field(description="Matching posts in the hour" + COUNT + ".")
    new_participants: Count = Field(description="Accounts whose first participation fell in "
                                    "it" + COUNT + ".")
    accounts: Count = Field(description="Distinct accounts with a matching post in the hour"
                            + COUNT + ".")
    cumulative_posts: int | None = Field(description="Running total; null where the hour's "
                                         "posts are not shown (a gap in the curve).")
    cumulative_participants: int | None = Field(description="Running total; null where the "
                                                "hour's new participants are not shown.")


class Cumulative(Freshness):
    """The curve panel: hours with activity, in order, with running totals."""

    points: list[HourPoint]


class TrendingTag(BaseModel):
    tag: str = Field(description="Normalised hashtag, without '#'.")
    score: float | None = Field(description="Trend score in the window (docs/trends.md); "
                                "null when its accounts are withheld.")
    accounts: Count = Field(description="Distinct accounts that used the tag in the window"
                            + COUNT + "; a tag of fewer than k accounts is left out.")
    first_trending_at: str | None = Field(description="Start of the first window in which the "
                                          "tag trended.")
    campaign_tag: bool = Field(description="One of the campaign's own tags.")
    response_tag: bool = Field(description="Travels with the campaign (lift > 1, half or more "
                               "of its posts match the campaign).")


class TrendedTag(BaseModel):
    tag: str
    first_trending_at: str
    peak_at: str
    peak_score: float | None
    peak_accounts: Count
    windows_trending: int
    campaign_tag: bool
    response_tag: bool


class Trending(BaseModel):
    """The trending panel, on the data's clock: the latest window is the one holding the
    latest post."""

    scope: str
    tags: list[str]
    updated_at: str | None = Field(description="When trends were last computed (they are "
                                   "recomputed less often than the other panels).")
    stale: bool
    status: State
    window_seconds: int | None = Field(description="Window length (null before the first "
                                       "read).")
    data_start: str | None
    data_end: str | None
    window_start: str | None = Field(description="Start of the latest window of data.")
    current: list[TrendingTag] = Field(description="Tags trending in the latest window, "
                                       "highest score first.")
    recent_window_start: str | None = Field(description="The latest window in which any tag "
                                            "trended.")
    recent: list[TrendingTag] = Field(description="Tags trending in that window.")
    ever: list[TrendedTag] = Field(description="Every tag that trended, by first trending.")


class Health(BaseModel):
    status: State
    db: str = Field(description="The store file.")
    scope: str
    updated_at: str | None
    checked_at: str | None = Field(description="Last attempt to read the store.")
    last_error: str | None
    refreshes: int = Field(description="Successful reads since the server started.")
    busy: int = Field(description="Reads skipped because a writer held the store.")
    last_refresh_ms: float | None = Field(description="How long the last refresh took.")
    last_lock_ms: float | None = Field(description="How long it held the store open (the "
                                       "rest is computed on a copy, the store closed).")
    min_interval: float
    panel_intervals: dict[str, float] = Field(description="Panels recomputed less often: "
                                              "at most every so many seconds.")
    computed_from: Literal["state", "store"] | None = Field(
        description="Where the last refresh read the panels: 'state', the campaign's live "
        "state that the writer keeps in the store (`watch`, `ingest --follow --campaign`), "
        "or 'store', computed over a copy of the tables (docs/dashboard.md).")
    version: str


class RowsPanel(Freshness):
    """A panel of records (the ``rows`` widget)."""

    rows: list[dict[str, Any]]


#: Each widget's response schema (its renderer is in the page's script).
MODELS: dict[Widget, type[BaseModel]] = {"counter": Summary, "curve": Cumulative,
                                         "ranking": Trending, "rows": RowsPanel}
#: Each widget's place on the page; ``{name}`` and ``{title}`` are the panel's.
FRAGMENTS: dict[Widget, str] = {
    "counter": """<section id="{name}" class="counter" aria-label="{title}">
    <div>
      <div class="big" data-field="participants" aria-live="polite">–</div>
      <div class="big-label">participants: accounts that posted, replied or quoted</div>
    </div>
    <div class="stats">
      <div class="stat"><b data-field="posts">–</b><span>posts</span></div>
      <div class="stat"><b data-field="accounts">–</b><span>accounts</span></div>
      <div class="stat"><b data-field="amplifiers">–</b>
        <span>amplifiers (only reposted)</span></div>
      <div class="stat"><b data-field="last_post">–</b><span>latest post (UTC)</span></div>
    </div>
  </section>""",
    "curve": """<section id="{name}" class="curve" aria-label="{title}">
    <h2>Growth</h2>
    <div class="chart" data-field="chart"></div>
  </section>""",
    "ranking": """<section id="{name}" class="ranking" aria-label="{title}">
    <h2 data-field="title">Trending now</h2>
    <ol data-field="list"></ol>
    <p class="note" data-field="note"></p>
    <p class="note" data-field="ever"></p>
  </section>""",
    "rows": """<section id="{name}" class="rows" aria-label="{title}">
    <h2>{title}</h2>
    <table data-field="table"></table>
    <p class="note" data-field="note"></p>
  </section>""",
}


# -- the app -------------------------------------------------------------------------------------
def create_app(db: str | os.PathLike[str], campaign: Campaign | str | os.PathLike[str] | None
               = None, refresh: float = DEFAULT_REFRESH,
               options: Mapping[str, Mapping[str, Any]] | None = None,
               live: LiveStore | None = None) -> FastAPI:
    """The dashboard for the store at ``db``; ``refresh`` is the page's polling interval
    (seconds). ``campaign`` (a :class:`Campaign` or a campaign file) scopes every panel;
    ``options`` are the metrics' options (``{"trending": {"window_seconds": 1800}}``)."""
    if refresh <= 0:
        raise ValueError("refresh must be a positive number of seconds")
    live = live or LiveStore(db, campaign, options=options, min_interval=min(1.0, refresh))
    panels = [p for _, p in live.panels]
    page = _page(PAGE.read_text(encoding="utf-8"), panels)
    app = FastAPI(
        title="Groundswell live dashboard",
        version=__version__,
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; we load nothing
        description="Live counts of a hashtag campaign, read from a Groundswell store while "
        "`groundswell ingest --follow` appends to it. Values are re-read at most every "
        f"{live.min_interval:g} s; when the store is busy the last good values are served "
        "with `stale: true`.",
    )
    app.state.live = live

    notice = _html_escape(live.policy.notice())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(poll: float | None = Query(None, gt=0, description="Polling interval (s)")):
        seconds = poll or refresh
        return page.replace("{{POLL_MS}}", str(int(seconds * 1000))).replace(
            "{{SCOPE}}", _html_escape(live.scope_name)).replace("{{NOTICE}}", notice)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js():
        return FileResponse(PLOTLY_JS, media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    for panel in panels:
        app.add_api_route(f"/api/{panel.name}", _endpoint(live, panel.name),
                          response_model=MODELS[panel.widget], tags=["panels"],
                          summary=panel.title, methods=["GET"], name=panel.name)

    @app.get("/api/health", response_model=Health, tags=["service"],
             summary="Is the store readable, and how fresh are the values")
    def health():
        return {**live.health(), "version": __version__}

    return app


def _endpoint(live: LiveStore, name: str) -> Callable[[], dict[str, Any]]:
    def endpoint() -> dict[str, Any]:
        return live.panel(name)

    endpoint.__name__ = f"panel_{name}"
    return endpoint


def _page(template: str, panels: list[Panel]) -> str:
    """The page with a place for every panel, its links and the list its script polls."""
    fragments = "\n  ".join(FRAGMENTS[p.widget].format(name=p.name, title=html.escape(p.title))
                            for p in panels)
    links = " · ".join(f'<a href="api/{p.name}">{html.escape(p.name)}</a>' for p in panels)
    listed = json.dumps([{"name": p.name, "widget": p.widget} for p in panels])
    return (template.replace("{{PANELS}}", "  " + fragments).replace("{{LINKS}}", links)
            .replace("{{PANEL_LIST}}", listed.replace("</", "<\\/")))


def _html_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Fail with one clear line before uvicorn logs a traceback-like error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                          "choose another --port or --host") from None


def serve(db: str | os.PathLike[str], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          campaign: str | os.PathLike[str] | None = None, refresh: float = DEFAULT_REFRESH,
          options: Mapping[str, Mapping[str, Any]] | None = None, log_level: str = "warning",
          echo: Callable[[str], None] = print) -> None:
    """Run the dashboard until Ctrl-C (what ``groundswell serve`` does)."""
    import uvicorn

    app = create_app(db, campaign, refresh=refresh, options=options)
    check_port(host, port)
    if not Path(db).exists():
        echo(f"No store at {db} yet: the dashboard waits for one "
             f"(groundswell ingest --follow FILE --db {db}).")
    if not is_loopback(host):
        echo(f"Warning: listening on {host}, reachable from other machines; the dashboard "
             "has no authentication.")
    shown = f"[{host}]" if ":" in host else host
    echo(f"Dashboard on http://{shown}:{port}/  (API schema: /openapi.json; Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level=log_level)
