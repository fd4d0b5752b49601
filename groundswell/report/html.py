"""The HTML report: one self-contained file (plotly.js inlined, no network) that says what
happened in one sentence, then shows it.

The page is put together from the registry: every metric on it contributes the sections it
declares (``Metric.sections``, built from the page's :class:`~groundswell.metrics.page.Page`),
in the registry's order, and a metric that declares none gets a generic section of its
numbers and tables. Nothing here knows which metrics exist; a plugin's metric appears on the
page by being registered.

Privacy: the page shows the results as :func:`groundswell.metrics.suppress.publish` leaves
them under the campaign's policy — aggregates with small cells suppressed, keyed pseudonyms
(``acct-…``) and the handles of public figures only; post text never, except the
call-to-action post when a public figure wrote it — and says so in a notice on top.

Every figure's JSON sits in the page in a ``<script type="application/json"
class="figure-json">`` and is drawn by one small script, so tools (and tests) can read the
figures back without executing anything. ``window.groundswellReady`` is a promise that
resolves once every chart is drawn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plotly.offline import get_plotlyjs

from groundswell.metrics import Metric, Results, check, registry
from groundswell.metrics.page import Chart, Page, Prose, Rows, Section, esc, num, when
from groundswell.metrics.suppress import publish
from groundswell.policy import Policy
from groundswell.scope import Context, Scope, Tables, scalar

if TYPE_CHECKING:
    from groundswell.report.methods import Methods

PLOTLY_CONFIG = {"responsive": True, "displaylogo": False,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def on_page(computed: Mapping[str, Any] | None = None) -> list[Metric]:
    """The metrics the page shows: those a default report computes, those that declare a
    section of their own, and those the report computed (the roles a campaign asks for)."""
    return [m for m in registry().values()
            if m.default or m.sections or m.name in (computed or {})]


def build_sections(tables: Tables, scope: Scope, results: Mapping[str, Any],
                   options: Mapping[str, Mapping[str, Any]] | None = None) -> list[Section]:
    """Every section of the page, in order; ``results`` already computed are used as they
    are, the others computed. No section when no post matched (the page then says so)."""
    metrics = on_page(results)
    check(metrics, tables, options)
    ctx = Context(tables, scope)
    try:
        if not scalar(ctx.matched.count()):
            return []
        ctx.results = computed = Results(ctx, options, done=results)
        # every result first (sections read each other's), then published once under the
        # policy: what the page shows is what any other output may show
        raw = {metric.name: computed[metric.name] for metric in metrics}
        if "platforms" in results:  # published together, as --json is: no output differs
            raw["platforms"] = results["platforms"]
        page = Page(ctx, publish(raw, scope.policy))
        sections = []
        for metric in metrics:
            builds = metric.sections or (lambda page, m=metric: generic_section(m, page),)
            for build in builds:
                section = build(page)
                if section is not None:
                    sections.append(section)
        return sections
    finally:
        ctx.release()


def generic_section(metric: Metric, page: Page) -> Section:
    """A metric without sections of its own: its description, its numbers and its tables."""
    result = page.results[metric.name]
    blocks: list[Prose | Rows | Chart] = [Prose(f"<p>{esc(metric.description)}</p>")]
    _generic_blocks(result, blocks)
    return Section(metric.name.replace("_", "-"), metric.title, tuple(blocks))


def _generic_blocks(value: Any, blocks: list, label: str | None = None) -> None:
    if label is not None:
        blocks.append(Prose(f"<h3>{esc(label.replace('_', ' '))}</h3>"))
    if isinstance(value, list):
        rows = [r if isinstance(r, dict) else {"value": r} for r in value]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        blocks.append(Rows(rows, [(c, c.replace("_", " ")) for c in columns]))
        return
    if not isinstance(value, dict):
        blocks.append(Prose(f"<p>{esc(num(value))}</p>"))
        return
    scalars = [{"what": k.replace("_", " "), "value": v} for k, v in value.items()
               if not isinstance(v, dict | list)]
    if scalars:
        blocks.append(Rows(scalars, [("what", ""), ("value", "")]))
    for key, sub in value.items():
        if isinstance(sub, dict | list):
            _generic_blocks(sub, blocks, key)


# --------------------------------------------------------------------------- rendering


def _table(rows: Rows) -> str:
    if not rows.rows:
        return f'<p class="empty">({esc(rows.empty)})</p>'
    head = "".join(f"<th>{esc(title)}</th>" for _, title in rows.columns)
    body = []
    for row in rows.rows:
        cells = []
        for key, _ in rows.columns:
            value = row.get(key)
            text = when(value) if key.endswith("_at") or key in ("peak_hour",) else num(value)
            cls = ' class="num"' if isinstance(value, int | float) and not isinstance(
                value, bool) else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table>")


def _figure(chart: Chart) -> str:
    if chart.figure is None:
        return f'<p class="empty">({esc(chart.missing)})</p>'
    spec = chart.figure.to_json()
    height = chart.figure.layout.height or 440
    safe = spec.replace("</", "<\\/").replace("<!--", "<\\!--")
    return (f'<figure class="chart"><div id="chart-{chart.id}" class="plotly-graph-div" '
            f'style="height:{height}px;width:100%"></div>'
            f'<script type="application/json" class="figure-json" '
            f'data-target="chart-{chart.id}">{safe}</script>'
            f"<figcaption>{esc(chart.caption)}</figcaption></figure>")


def _block(block: Prose | Rows | Chart) -> str:
    if isinstance(block, Prose):
        return block.html
    if isinstance(block, Rows):
        return _table(block)
    return _figure(block)


def render(label: str, sections: list[Section], policy: Policy | None = None,
           methods: Methods | None = None) -> str:
    """The page of ``sections`` (none: no post matched), with the privacy policy's notice
    and, at the end, the collapsible methods paragraph (not a metric: it describes them all)."""
    notice = _notice(policy or Policy())
    appendix = "" if methods is None else "\n" + methods.html()
    if not sections:
        body = '<p class="headline" id="headline" data-joined="0" data-amplified="0" ' \
               'data-hours="24">No post matched the campaign.</p>'
        return _page(label, notice + body + appendix)
    lead = [s for s in sections if s.lead]
    rest = [s for s in sections if not s.lead]
    links = [(s.id, s.title) for s in rest] + ([("methods", "Methods")] if methods else [])
    nav = "<nav>" + "".join(f'<a href="#{i}">{esc(t)}</a>' for i, t in links) + "</nav>"
    parts = [notice] + ["\n".join(_block(b) for b in s.blocks) for s in lead]
    parts.append(nav)
    parts += [f'<section id="{s.id}"><h2>{esc(s.title)}</h2>\n'
              + "\n".join(_block(b) for b in s.blocks) + "\n</section>" for s in rest]
    return _page(label, "\n".join(parts) + appendix)


def _notice(policy: Policy) -> str:
    """The policy in force, on top of the page (red when ``--reveal`` named private people)."""
    cls = "notice revealed" if policy.reveal else "notice"
    return (f'<details class="{cls}" id="privacy-notice"><summary>Privacy: '
            f'{"REVEALED — do not share this page" if policy.reveal else "policy in force"}'
            f'</summary><p>{esc(policy.notice())} See docs/privacy.md.</p></details>')


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
.notice{font-size:.88em;color:#444;background:#f6f7f9;border-radius:6px;padding:.3em .8em;
margin:.6em 0}.notice.revealed{background:#fee2e2;color:#991b1b;font-weight:600}
details.methods{margin-top:2.2em;border-top:2px solid #eee;padding-top:.6em}
details.methods summary{font-size:1.3em;font-weight:600;cursor:pointer}
details.methods code{font-size:.85em;word-break:break-all}
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

def _page(label: str, body: str) -> str:
    config = json.dumps(PLOTLY_CONFIG)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Groundswell — {esc(label)}</title>
<style>{CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>Groundswell — {esc(label)}</h1>
{body}
<footer>All times are UTC. Definitions: docs/metrics.md and docs/trends.md. Privacy:
docs/privacy.md (the notice at the top says the policy in force). Made by groundswell; works
offline.</footer>
<script>{RENDER_JS % config}</script>
</body></html>
"""


def write_html(path: Path, tables: Tables, scope: Scope, results: Mapping[str, Any],
               trends: dict | None = None,
               options: Mapping[str, Mapping[str, Any]] | None = None,
               methods: Methods | None = None) -> Path:
    """Write the report as one self-contained HTML file; returns its path. ``results``: what
    is computed already (the rest of the page's metrics are computed here); ``trends``: the
    trending metric's result, if computed elsewhere; ``methods``: the methods paragraph
    (:mod:`groundswell.report.methods`), shown collapsed at the end of the page."""
    path = Path(path)
    known = dict(results)
    if trends is not None:
        known["trending"] = trends
    label = scope.campaign.name if scope.campaign else "all posts"
    page = render(label, build_sections(tables, scope, known, options), scope.policy, methods)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def write_pngs(html_path: Path, out_dir: Path) -> list[Path]:
    """Every chart of a written report as a PNG in ``out_dir`` (needs chromium; see
    :mod:`groundswell.report.png`)."""
    from groundswell.report.png import write_pngs as render_pngs

    return render_pngs(html_path, out_dir)


__all__ = ["build_sections", "generic_section", "on_page", "render", "write_html",
           "write_pngs"]
