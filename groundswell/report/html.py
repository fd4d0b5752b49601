"""The HTML report: one self-contained file (plotly.js inlined, no network) that says what
happened in one sentence, then shows it.

Contents, in page order: the headline (accounts that joined in the first 24 hours and the
accounts that only amplified it then), key figures, cumulative and hourly curves with the
milestones and the bursts of the main and response tags, participants vs amplifiers, the
call-to-action thread, notable joiners on a timeline, language and variant spread, trending
and response tags, the co-hashtag network, bursts and cascades.

Privacy: the page shows aggregates, keyed pseudonyms (``acct-…``) and the handles of public
figures only (the campaign's follower threshold, or verified). Post text is never shown,
except the call-to-action post when a public figure wrote it.

Every figure's JSON sits in the page in a ``<script type="application/json"
class="figure-json">`` and is drawn by one small script, so tools (and tests) can read the
figures back without executing anything. ``window.groundswellReady`` is a promise that
resolves once every chart is drawn.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from groundswell.metrics import run
from groundswell.metrics.context import Context
from groundswell.metrics.scope import Scope, Tables
from groundswell.report import charts, facts

#: Metrics the page is built from; any not passed in ``results`` are computed.
NEEDED = ("magnitude", "call_to_action", "spread", "cascades", "response_tags", "cotags")
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


@dataclass
class Chart:
    id: str
    figure: go.Figure
    caption: str


@dataclass
class Report:
    """Everything the page shows, before it becomes HTML."""

    label: str
    main_tag: str | None
    results: dict[str, Any]
    headline: dict
    trends: dict | None
    bursts: dict[str, dict]
    origin: dict | None
    network: dict
    charts: dict[str, Chart | None] = field(default_factory=dict)


# --------------------------------------------------------------------------- building


def response_tag_names(scope: Scope, trends: dict | None) -> list[str]:
    """Declared response tags, then tags the trend detector flagged as responses."""
    declared = list(scope.campaign.response_tags) if scope.campaign else []
    flagged = [f["tag"] for f in (trends or {}).get("trending", []) if f.get("response_tag")]
    return list(dict.fromkeys([*declared, *flagged]))


def build_report(tables: Tables, scope: Scope, results: dict,
                 trends: dict | None = None) -> Report:
    """Compute what the page needs (missing metrics, trends, bursts, the extra series)."""
    from groundswell.trends.batch import trends as compute_trends
    from groundswell.trends.bursts import tag_bursts

    missing = [name for name in NEEDED if name not in results]
    results = {**results, **(run(tables, scope, missing) if missing else {})}
    mag = results["magnitude"]
    if trends is None and mag.get("posts"):
        trends = compute_trends(tables, scope)
    main_tag = scope.campaign.main_tag if scope.campaign else None
    label = scope.campaign.name if scope.campaign else "all posts"
    responses = response_tag_names(scope, trends)
    ctx = Context(tables, scope)
    try:
        burst_tags = [t for t in [main_tag, *responses] if t]
        bursts = {tag: tag_bursts(tables, scope, tag) for tag in burst_tags} \
            if mag.get("posts") else {}
        report = Report(
            label=label, main_tag=main_tag, results=results,
            headline=facts.early_joiners(ctx), trends=trends, bursts=bursts,
            origin=facts.origin_post(ctx), network=facts.cotag_network(ctx))
        spread = results["spread"] if isinstance(results["spread"], dict) else {}
        # the hourly chart shades the main tag and the declared response tags (the detector's
        # extra response tags get their own panels further down)
        declared = list(scope.campaign.response_tags) if scope.campaign else []
        hourly_tags = [x for x in [main_tag, *(declared or responses[:1])] if x in bursts]
        quiet = [x for x in hourly_tags if not bursts[x].get("bursts")]
        origin_at = mag.get("origin_at")
        campaign_tags = scope.campaign.tags if scope.campaign else ()
        report.charts = {
            "cumulative": _chart("cumulative", charts.cumulative(mag),
                                 "Running totals at the end of each UTC hour. Diamonds mark "
                                 "when the 1k-th, 10k-th, … post and participant arrived, "
                                 "with hours since the call to action."),
            "hourly": _chart("hourly", charts.hourly(mag, {
                tag: b for tag, b in bursts.items() if tag in hourly_tags}, main_tag),
                _hourly_caption(hourly_tags, quiet)),
            "roles": _chart("roles", charts.roles(facts.joiners_per_hour(ctx), mag),
                            "Participants posted a matching original, reply or quote; "
                            "amplifiers only reposted. Each account counted once, in the hour "
                            "it joined."),
            "kinds": _chart("kinds", charts.kinds(mag.get("posts_by_kind", {})),
                            "Reposts are amplification; originals, replies and quotes are "
                            "participation."),
            "cta-replies": _chart("cta-replies", charts.cta_replies(
                facts.replies_per_hour(ctx), origin_at),
                "Direct replies to the call-to-action post, by whether they carry the "
                "campaign phrase, a campaign tag, both or neither."),
            "cta-depth": _chart("cta-depth", charts.cta_depth(facts.thread_levels(ctx)),
                                "Every post below the call to action by reply links, by how "
                                "many replies down it sits."),
            "joiners": _chart("joiners", charts.notable_joiners(
                spread.get("notable_joiners", []), origin_at),
                "Public figures only (followers at or above the campaign's threshold, or "
                "verified), one row each, at their first matching post of any kind; the "
                "larger the marker, the more followers."),
            "languages": _chart("languages", charts.languages(spread.get("languages", [])),
                                "Languages as detected by the platform (und = undetermined); "
                                "beyond the eight largest, grouped as other."),
            "variants": _chart("variants", charts.variants(facts.tag_daily(ctx),
                                                           spread.get("variants", [])),
                               "Posts in the window carrying each campaign tag, per UTC day; "
                               "triangles mark each tag's first post."),
            "trending": _chart("trending", charts.trending(trends),
                               "Trend score per window while a tag was trending (unique "
                               "accounts against the recent level and the same time "
                               "yesterday; see docs/trends.md). Stars: response tags."),
            "response": _chart("response", charts.response_tags(
                {tag: facts.tag_hourly(ctx, tag) for tag in responses}, bursts),
                "Response tags answer the campaign rather than join it; bands are their "
                "bursts."),
            "network": _chart("network", charts.network(
                report.network, campaign_tags, set(responses), main_tag),
                "Tags carried by matching posts; a line joins two tags carried by the same "
                "posts, thicker for more. Hover a line's middle for its count."),
        }
    finally:
        ctx.release()
    return report


def _hourly_caption(tags: list[str], quiet: list[str]) -> str:
    if not tags:
        return "Posts and new participants per UTC hour (no campaign tag: no bursts shaded)."
    text = ("Shaded bands: bursts (Kleinberg's two-state automaton over the tag's hourly "
            "share of all posts) of " + " and ".join(f"#{x}" for x in tags))
    if quiet:
        text += " (none found for " + ", ".join(f"#{x}" for x in quiet) + ")"
    return text + ". Every response tag's bursts: under Trending and response tags."


def _chart(chart_id: str, figure: go.Figure | None, caption: str) -> Chart | None:
    return Chart(chart_id, figure, caption) if figure is not None else None


# --------------------------------------------------------------------------- rendering


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _n(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _when(value: str | None) -> str:
    """``2017-10-15T20:21:00Z`` → ``2017-10-15 20:21 UTC``."""
    if not value:
        return "—"
    try:
        parsed = datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return value
    return parsed.strftime("%Y-%m-%d %H:%M UTC")


def _table(rows: list[dict], columns: list[tuple[str, str]], empty: str = "none") -> str:
    if not rows:
        return f'<p class="empty">({_e(empty)})</p>'
    head = "".join(f"<th>{_e(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            text = _when(value) if key.endswith("_at") or key in ("peak_hour",) else _n(value)
            cls = ' class="num"' if isinstance(value, int | float) and not isinstance(
                value, bool) else ""
            cells.append(f"<td{cls}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table>")


def _figure_block(chart: Chart | None, missing: str) -> str:
    if chart is None:
        return f'<p class="empty">({_e(missing)})</p>'
    spec = chart.figure.to_json()
    height = chart.figure.layout.height or 440
    safe = spec.replace("</", "<\\/").replace("<!--", "<\\!--")
    return (f'<figure class="chart"><div id="chart-{chart.id}" class="plotly-graph-div" '
            f'style="height:{height}px;width:100%"></div>'
            f'<script type="application/json" class="figure-json" '
            f'data-target="chart-{chart.id}">{safe}</script>'
            f"<figcaption>{_e(chart.caption)}</figcaption></figure>")


def headline_sentence(report: Report) -> str:
    h = report.headline
    tag = f"#{report.main_tag}" if report.main_tag else "the campaign"
    return (f'<p class="headline" id="headline" data-joined="{h["joined"]}" '
            f'data-amplified="{h["amplified"]}" data-hours="{h["hours"]}">'
            f'<b>{h["joined"]:,}</b> accounts joined {_e(tag)} in the first {h["hours"]} hours; '
            f'<b>{h["amplified"]:,}</b> more amplified it.</p>')


def _summary(report: Report) -> str:
    mag = report.results["magnitude"]
    cta = report.results.get("call_to_action") or {}
    h = report.headline
    doubling = mag.get("doubling_time_hours")
    posts_1k = (mag.get("hours_to_posts") or {}).get("1000")
    parts = [
        f"In all, <b>{mag['posts']:,}</b> matching posts by <b>{mag['accounts']:,}</b> accounts "
        f"from {_e(_when(mag.get('first_post')))} to {_e(_when(mag.get('last_post')))}: "
        f"<b>{mag['participants']:,}</b> participants posted, replied or quoted, and "
        f"<b>{mag['amplifiers']:,}</b> amplifiers only reposted.",
    ]
    if h.get("cutoff"):
        parts.append(f"The first {h['hours']} hours run from the call to action "
                     f"({_e(_when(h['origin_at']))}) to {_e(_when(h['cutoff']))}.")
    if posts_1k is not None:
        parts.append(f"It took {posts_1k:g} hours to reach 1,000 posts.")
    if doubling is not None:
        parts.append(f"Over the first day the post count doubled every {doubling:g} hours.")
    if cta.get("replies"):
        parts.append(f"The call to action drew {cta['replies']:,} direct replies from "
                     f"{cta['repliers']:,} accounts.")
    return f'<p class="summary">{" ".join(parts)}</p>'


def _cards(report: Report) -> str:
    mag = report.results["magnitude"]
    cta = report.results.get("call_to_action") or {}
    items = [("matching posts", _n(mag["posts"])), ("accounts", _n(mag["accounts"])),
             ("participants", _n(mag["participants"])), ("amplifiers", _n(mag["amplifiers"])),
             ("busiest hour (UTC)", _when(mag.get("peak_hour")).removesuffix(" UTC")),
             ("posts in busiest hour", _n(mag.get("peak_hour_posts"))),
             ("early doubling time", f"{_n(mag.get('doubling_time_hours'))} h"),
             ("replies to the call to action", _n(cta.get("replies")))]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>'
        for k, v in items) + "</div>"


def _origin_block(report: Report) -> str:
    o = report.origin
    if not o:
        return '<p class="empty">(the call-to-action post is not in the store)</p>'
    who = (f"{_e(o['author'])} ({o['followers']:,} followers)" if o["public_figure"]
           and o.get("followers") else _e(o["author"]))
    text = (f'<blockquote>{_e(o["text"])}</blockquote>' if o.get("text") else
            "<p><small>(its author is not a public figure, so the post's text is not shown)"
            "</small></p>")
    return f"<p>Posted by {who} at {_e(_when(o['created_at']))}.</p>{text}"


def _burst_rows(report: Report) -> list[dict]:
    out = []
    for tag, found in report.bursts.items():
        for b in found.get("bursts", []):
            out.append({"tag": f"#{tag}", "begin_at": b["begin_at"], "end_at": b["end_at"],
                        "hours": b.get("windows"), "posts": b.get("posts"),
                        "weight": b.get("weight"), "peak_at": b.get("peak_at")})
    return out


def _quiet_tags(report: Report) -> str:
    quiet = [f"#{tag}" for tag, found in report.bursts.items() if not found.get("bursts")]
    if not quiet:
        return ""
    return (f"<p><small>No burst for {_e(', '.join(quiet))}: its share of all posts stayed "
            "near its usual level (a tag that <em>is</em> the conversation cannot double its "
            "share).</small></p>")


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1120px;
margin:0 auto;padding:1.5em 1.2em 4em;line-height:1.45}
h1{font-size:1.7em;margin:.2em 0}h2{margin-top:2.2em;border-bottom:2px solid #eee;
padding-bottom:.2em}
.headline{font-size:1.6em;line-height:1.3;margin:.6em 0}.headline b{color:#c2410c}
.summary{font-size:1.05em;color:#333}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.7em;
margin:1.2em 0}
.card{background:#f6f7f9;border-radius:8px;padding:.7em .9em}.card .v{font-size:1.35em;
font-weight:600}.card .k{color:#555;font-size:.9em}
nav{font-size:.92em;margin:1em 0}nav a{margin-right:.9em;color:#2563eb;text-decoration:none}
figure.chart{margin:1.2em 0}figcaption{color:#555;font-size:.9em;margin-top:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}td,th{border-bottom:1px solid
#e5e5e5;padding:.3em .7em;text-align:left}td.num{text-align:right;font-variant-numeric:
tabular-nums}th{background:#f4f4f4}.empty{color:#777}
blockquote{border-left:4px solid #f58518;margin:.6em 0;padding:.3em 1em;background:#fffaf3}
footer{margin-top:3em;color:#666;font-size:.88em}
"""

RENDER_JS = """
(function () {
  var config = %s;
  var drawn = [];
  document.querySelectorAll('script.figure-json').forEach(function (s) {
    var spec = JSON.parse(s.textContent);
    drawn.push(Plotly.newPlot(s.getAttribute('data-target'), spec.data, spec.layout, config));
  });
  window.groundswellReady = Promise.all(drawn);
})();
"""

SECTIONS = [("growth", "Growth"), ("people", "Participants and amplifiers"),
            ("call-to-action", "The call to action"), ("joiners", "Notable joiners"),
            ("spread", "Languages and variants"), ("tags", "Trending and response tags"),
            ("network", "Co-hashtag network"), ("bursts", "Bursts"),
            ("cascades", "Cascades")]


def render(report: Report) -> str:
    r = report.results
    mag, cta = r["magnitude"], r.get("call_to_action") or {}
    spread = r["spread"] if isinstance(r.get("spread"), dict) else {}
    c = report.charts
    if not mag.get("posts"):
        body = '<p class="headline" id="headline" data-joined="0" data-amplified="0" ' \
               'data-hours="24">No post matched the campaign.</p>'
        return _page(report, body)
    cascades = r.get("cascades") or {}
    repost, reply = cascades.get("repost") or {}, cascades.get("reply") or {}
    trending_rows = [{**f, "tag": f"#{f['tag']}"} for f in (report.trends or {}).get(
        "trending", [])]
    response_rows = [{**x, "tag": f"#{x['tag']}"} for x in r.get("response_tags") or []]
    cotag_rows = [{**x, "tag": f"#{x['tag']}"} for x in r.get("cotags") or []]
    variant_rows = [{**v, "tag": f"#{v['tag']}", "share_pct": None if v.get("share") is None
                     else round(100 * v["share"], 1)} for v in spread.get("variants", [])]
    milestone_rows = [m for m in mag.get("milestones", []) if m.get("reached_at")]
    nav = "<nav>" + "".join(f'<a href="#{i}">{_e(t)}</a>' for i, t in SECTIONS) + "</nav>"
    body = f"""
{headline_sentence(report)}
{_summary(report)}
{_cards(report)}
{nav}
<section id="growth"><h2>Growth</h2>
{_figure_block(c.get("cumulative"), "no hourly series")}
{_figure_block(c.get("hourly"), "no hourly series")}
<h3>Milestones</h3>
{_table(milestone_rows, [("metric", "of"), ("count", "n-th"), ("reached_at", "reached"),
                         ("hours_from_origin", "hours after the call to action")],
        "no milestone reached")}
</section>
<section id="people"><h2>Participants and amplifiers</h2>
{_figure_block(c.get("roles"), "no accounts")}
{_figure_block(c.get("kinds"), "no posts")}
<h3>The first participants</h3>
<p><small>Private individuals appear as keyed pseudonyms (<code>acct-…</code>), stable within
this store and meaningless without its key; public figures by handle.</small></p>
{_table(spread.get("first_participants", []),
        [("rank", "#"), ("account", "account"), ("first_post_at", "first participation"),
         ("hours_since_origin", "hours after the call to action")])}
</section>
<section id="call-to-action"><h2>The call to action</h2>
{_origin_block(report)}
<p>{_n(cta.get("replies"))} direct replies from {_n(cta.get("repliers"))} accounts;
{_n(cta.get("replies_with_phrase"))} say the phrase, {_n(cta.get("replies_with_tag"))} carry a
campaign tag. The whole thread below it holds {_n(cta.get("thread_size"))} posts, down to
{_n(cta.get("thread_depth"))} replies deep.</p>
{_figure_block(c.get("cta-replies"), "no replies to the call to action in the store")}
{_figure_block(c.get("cta-depth"), "no thread")}
</section>
<section id="joiners"><h2>Notable joiners</h2>
{_figure_block(c.get("joiners"), "no public figure joined")}
{_table(spread.get("notable_joiners", []),
        [("account", "account"), ("first_post_at", "joined"),
         ("hours_since_origin", "hours after the call to action"),
         ("followers", "followers"), ("as", "as")], "no public figure joined")}
</section>
<section id="spread"><h2>Languages and variants</h2>
{_figure_block(c.get("languages"), "no languages")}
{_figure_block(c.get("variants"), "no campaign tags")}
{_table(variant_rows, [("tag", "tag"), ("lang", "language"), ("first_post_at", "first post"),
                       ("hours_since_origin", "hours after the call to action"),
                       ("posts", "posts"), ("accounts", "accounts"),
                       ("share_pct", "share of tagged posts (%)")])}
</section>
<section id="tags"><h2>Trending and response tags</h2>
{_figure_block(c.get("trending"), "no tag trended")}
{_table(trending_rows, [("tag", "tag"), ("first_trending_at", "first trended"),
                        ("peak_at", "peak"), ("peak_score", "peak score"),
                        ("peak_accounts", "accounts at peak"),
                        ("windows_trending", "windows trending"), ("lift", "lift"),
                        ("campaign_tag", "campaign tag"), ("response_tag", "response tag")],
        "no tag trended")}
<h3>Response tags</h3>
{_figure_block(c.get("response"), "no response tag")}
{_table(response_rows, [("tag", "tag"), ("posts", "posts"), ("accounts", "accounts"),
                        ("posts_with_campaign", "posts with a campaign tag"),
                        ("lift", "lift"), ("first_post_at", "first post"),
                        ("peak_hour", "busiest hour"), ("peak_hour_posts", "posts then")],
        "no response tag declared")}
</section>
<section id="network"><h2>Co-hashtag network</h2>
{_figure_block(c.get("network"), "fewer than two tags")}
{_table(cotag_rows, [("tag", "tag"), ("posts", "matching posts"), ("accounts", "accounts")],
        "no other tags")}
</section>
<section id="bursts"><h2>Bursts</h2>
<p><small>Kleinberg's two-state automaton over each tag's hourly share of all posts in the
window (s = 2, γ = 1): a burst is a run of hours where the tag's share is best explained as
twice its usual. A tag that grows with the whole conversation is not bursting.</small></p>
{_table(_burst_rows(report), [("tag", "tag"), ("begin_at", "from"), ("end_at", "to"),
                               ("hours", "hours"), ("posts", "posts carrying the tag"),
                               ("peak_at", "busiest hour"), ("weight", "weight")],
        "no burst found")}
{_quiet_tags(report)}
</section>
<section id="cascades"><h2>Cascades</h2>
<p>{_n(repost.get("cascades"))} matching posts were reposted ({_n(
        repost.get("reposts_in_cascades"))} reposts in all; the largest has
{_n(repost.get("largest_size"))} posts with itself). Repost cascades are stars: the platform
records every repost as pointing to the original. {_n(reply.get("cascades"))} posts started
reply trees; the largest has {_n(reply.get("largest_size"))} posts,
{_n(reply.get("largest_depth"))} levels deep, structural virality
{_n(reply.get("largest_structural_virality"))}.</p>
</section>
"""
    return _page(report, body)


def _page(report: Report, body: str) -> str:
    config = json.dumps(PLOTLY_CONFIG)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Groundswell — {_e(report.label)}</title>
<style>{CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>Groundswell — {_e(report.label)}</h1>
{body}
<footer>All times are UTC. Definitions: docs/metrics.md and docs/trends.md. Private
individuals appear only as aggregates or keyed pseudonyms; no post text is shown except a
public figure's call to action. Made by groundswell; works offline.</footer>
<script>{RENDER_JS % config}</script>
</body></html>
"""


def write_html(path: Path, tables: Tables, scope: Scope, results: dict,
               trends: dict | None = None) -> Path:
    """Write the report as one self-contained HTML file; returns its path."""
    path = Path(path)
    report = build_report(tables, scope, results, trends)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path


def write_pngs(html_path: Path, out_dir: Path) -> list[Path]:
    """Every chart of a written report as a PNG in ``out_dir`` (needs chromium; see
    :mod:`groundswell.report.png`)."""
    from groundswell.report.png import write_pngs as render_pngs

    return render_pngs(html_path, out_dir)


__all__ = ["Report", "build_report", "render", "write_html", "write_pngs"]
