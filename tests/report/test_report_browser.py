"""The HTML report in a real browser (Debian's chromium, headless, via Playwright): it draws
every chart without errors or network, and ``write_pngs`` exports each chart as a PNG."""

from __future__ import annotations

import re
import struct

import pytest
from browser import browser_available, chromium_page

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.metrics import Scope, Tables, run
from groundswell.report.html import write_html, write_pngs
from groundswell.simulate import simulate

LOCAL = ("file:", "data:", "blob:", "about:")

CHART_POINTS_JS = """async () => {
  await window.groundswellReady;
  return Array.from(document.querySelectorAll('.plotly-graph-div')).map(gd => ({
    id: gd.id,
    traces: (gd.data || []).length,
    points: (gd.data || []).reduce((n, t) =>
      n + (t.x || t.y || []).filter(v => v !== null && v !== undefined).length, 0),
    drawn: gd.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
    width: gd.getBoundingClientRect().width,
    height: gd.getBoundingClientRect().height,
  }));
}"""


@pytest.fixture(scope="module")
def report_path(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-report")
    truth = simulate(20000, seed=4, out=tmp / "c.jsonl")
    with Store(tmp / "c.duckdb") as store:
        store.ingest([tmp / "c.jsonl"])
        tables = Tables.from_backend(store.ibis)
        scope = Scope(campaign_from_truth(truth), store.pseudonym_key)
        return write_html(tmp / "report.html", tables, scope, run(tables, scope))


def test_report_renders_every_chart_offline_without_errors(report_path):
    page_html = report_path.read_text(encoding="utf-8")
    expected = re.findall(r'class="figure-json" data-target="([\w-]+)"', page_html)
    assert len(expected) >= 10
    with chromium_page() as page:
        remote: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(LOCAL) else remote.append(r.url))
        page.goto(report_path.as_uri())
        page.wait_for_function("window.groundswellReady !== undefined")
        charts = page.evaluate(CHART_POINTS_JS)
        headline = page.inner_text("#headline")
        errors = list(page.console_errors)
    assert errors == [], f"console errors: {errors}"
    assert remote == [], f"the page tried the network: {remote}"
    assert [c["id"] for c in charts] == expected
    for chart in charts:
        assert chart["traces"] > 0 and chart["points"] > 0, chart
        assert chart["drawn"] > 0, f"{chart['id']} drew nothing"
        assert chart["width"] > 300 and chart["height"] > 200, chart
    assert re.fullmatch(r"[\d,]+ accounts joined #metoo in the first 24 hours; "
                        r"[\d,]+ more amplified it\.", headline.strip())


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_write_pngs_exports_every_chart(report_path, tmp_path):
    if not browser_available():
        pytest.skip("chromium or playwright missing: run `make browser`")
    charts = re.findall(r'class="figure-json" data-target="chart-([\w-]+)"',
                        report_path.read_text(encoding="utf-8"))
    written = write_pngs(report_path, tmp_path / "png")
    assert [p.name for p in written] == [f"{i:02d}-{c}.png" for i, c in enumerate(charts, 1)]
    for path in written:
        data = path.read_bytes()
        width, height = _png_size(data)
        assert len(data) > 10_000 and width >= 1000 and height >= 500, (path.name, width, height)
