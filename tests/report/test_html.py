"""The HTML report (no browser needed): offline, numbers equal the metrics, every chart
labelled with units and UTC, nobody private named or quoted.

The page publishes its numbers under the campaign's privacy policy; to compare them with the
metrics exactly, the page is built with small-cell suppression off (``min_cell = 1``), and
the suppressed page (the default, k = 10) is checked on its own."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.metrics import Scope, Tables, run
from groundswell.metrics.sections.cotags import circular_layout
from groundswell.metrics.sections.magnitude import early_joiners
from groundswell.report import png
from groundswell.report.html import write_html
from groundswell.scope import Context
from groundswell.simulate import simulate

CHARTS = {"cumulative", "hourly", "roles", "kinds", "cta-replies", "cta-depth", "joiners",
          "languages", "variants", "trending", "response", "network"}
FIGURE_JSON = re.compile(
    r'<script type="application/json" class="figure-json" data-target="chart-([\w-]+)">'
    r"(.*?)</script>", re.S)
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    truth = simulate(20000, seed=4, out=tmp / "c.jsonl")
    store = Store(tmp / "c.duckdb")
    store.ingest([tmp / "c.jsonl"])
    tables = Tables.from_backend(store.ibis)
    # suppression off: the page's numbers are the metrics', exactly
    scope = Scope(replace(campaign_from_truth(truth), privacy_k=1), store.pseudonym_key)
    results = run(tables, scope)
    page = write_html(tmp / "report.html", tables, scope, results)
    yield {"store": store, "tables": tables, "scope": scope, "results": results,
           "path": page, "html": page.read_text(encoding="utf-8"), "truth": truth}
    store.close()


def figures(page: str) -> dict[str, dict]:
    return {chart_id: json.loads(spec) for chart_id, spec in FIGURE_JSON.findall(page)}


def without_plotly_js(page: str) -> str:
    """The page minus the inlined plotly.js library (its code is not report content)."""
    head, rest = page.split("<script>", 1)
    return head + rest.split("</script>", 1)[1]


class ResourceLinks(HTMLParser):
    """Every attribute that would make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.found.append((tag, value))


def test_self_contained_and_offline(built):
    page = built["html"]
    assert page.startswith("<!doctype html>")
    assert "<script src=" not in page.lower()
    assert "plotly.js v" in page and "Plotly.newPlot" in page  # the library is inlined
    links = ResourceLinks()
    links.feed(without_plotly_js(page))
    remote = [(tag, v) for tag, v in links.found
              if not v.startswith("#") and not v.startswith(("data:", "blob:"))]
    assert remote == [], f"the page loads external resources: {remote}"
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    assert "url(" not in styles and "@import" not in styles


def test_every_chart_is_present(built):
    found = figures(built["html"])
    assert set(found) == CHARTS
    for chart_id, spec in found.items():
        assert f'id="chart-{chart_id}" class="plotly-graph-div"' in built["html"]
        points = sum(len([v for v in (tr.get("x") or tr.get("y") or []) if v is not None])
                     for tr in spec["data"])
        assert points > 0, f"{chart_id} has no data"


def _axes(layout: dict) -> dict[str, dict]:
    return {k: v for k, v in layout.items() if re.fullmatch(r"[xy]axis\d*", k)}


def _time_axes(spec: dict) -> set[str]:
    """Axis names whose values are dates (the axis type, or the data themselves)."""
    out = {name for name, axis in _axes(spec["layout"]).items() if axis.get("type") == "date"}
    for trace in spec["data"]:
        for letter in ("x", "y"):
            values = [v for v in trace.get(letter) or [] if v is not None]
            if values and all(isinstance(v, str) and DATE_LIKE.match(v) for v in values):
                ref = trace.get(f"{letter}axis", letter)
                out.add(f"{letter}axis{ref[1:]}")
    return out


def test_every_chart_has_a_title_and_axis_titles_with_units(built):
    for chart_id, spec in figures(built["html"]).items():
        layout = spec["layout"]
        assert (layout.get("title") or {}).get("text"), f"{chart_id}: no title"
        axes = _axes(layout)
        assert {"xaxis", "yaxis"} <= set(axes), f"{chart_id}: axes not titled"
        for name, axis in axes.items():
            title = (axis.get("title") or {}).get("text") or ""
            assert re.search(r"\(.+\)", title), f"{chart_id}.{name}: no unit in {title!r}"
        time_axes = _time_axes(spec)
        for name in time_axes:
            title = axes[name]["title"]["text"]
            assert "UTC" in title, f"{chart_id}.{name}: time axis without UTC: {title!r}"
        if chart_id in {"cumulative", "hourly", "roles", "cta-replies", "joiners",
                        "languages", "variants", "trending", "response"}:
            assert time_axes, f"{chart_id}: expected a time axis"


def test_no_trace_needs_webgl(built):
    for chart_id, spec in figures(built["html"]).items():
        for trace in spec["data"]:
            assert not trace.get("type", "").endswith("gl"), chart_id


def _independent_early_joiners(built, hours: int = 24) -> tuple[int, int]:
    """Recomputed with pandas from the matching posts, without the report's code."""
    tables, scope = built["tables"], built["scope"]
    posts = scope.posts(tables).to_pandas()
    everything = tables.posts.to_pandas()
    origin_ids = list(scope.campaign.origin_post_ids)
    origin = everything[everything.post_id.isin(origin_ids)].created_at.min()
    cutoff = origin + timedelta(hours=hours)
    first_any = posts.groupby("author_id").created_at.min()
    spoke = posts[posts.kind != "repost"].groupby("author_id").created_at.min()
    joined = set(spoke[spoke < cutoff].index)
    active = set(first_any[first_any < cutoff].index)
    return len(joined), len(active - joined)


def test_headline_numbers_equal_the_metrics(built):
    page, mag = built["html"], built["results"]["magnitude"]
    joined, amplified = _independent_early_joiners(built)
    assert joined > 0 and amplified > 0
    m = re.search(r'data-joined="(\d+)" data-amplified="(\d+)" data-hours="24"', page)
    assert m and (int(m[1]), int(m[2])) == (joined, amplified)
    assert (f"<b>{joined:,}</b> accounts joined #metoo in the first 24 hours; "
            f"<b>{amplified:,}</b> more amplified it.") in page
    # the same rule over the whole campaign gives the metrics' participants and amplifiers
    ctx = Context(built["tables"], built["scope"])
    try:
        everyone = early_joiners(ctx, hours=10**6)
    finally:
        ctx.release()
    assert (everyone["joined"], everyone["amplified"]) == (mag["participants"],
                                                          mag["amplifiers"])
    truth = built["truth"]
    assert (mag["participants"], mag["amplifiers"]) == (truth["participants"],
                                                       truth["amplifiers"])
    summary = page.split('<p class="summary">', 1)[1].split("</p>", 1)[0]
    for number in (mag["posts"], mag["accounts"], mag["participants"], mag["amplifiers"]):
        assert f"<b>{number:,}</b>" in summary


def test_charts_carry_the_metrics_numbers(built):
    results, found = built["results"], figures(built["html"])
    mag = results["magnitude"]
    cum = {t["name"]: t for t in found["cumulative"]["data"]}
    assert cum["posts"]["y"][-1] == mag["posts"]
    reached = [m for m in mag["milestones"] if m["reached_at"] and m["metric"] == "posts"]
    assert cum["milestones: posts"]["y"] == [m["count"] for m in reached]
    hourly = {t["name"]: t for t in found["hourly"]["data"]}
    assert sum(hourly["posts per hour"]["y"]) == mag["posts"]
    roles = found["roles"]["data"]
    assert sum(roles[0]["y"]) == mag["participants"] and sum(roles[1]["y"]) == mag["amplifiers"]
    kinds = found["kinds"]["data"][0]
    assert dict(zip(kinds["x"], kinds["y"], strict=True)) == mag["posts_by_kind"]
    replies = sum(sum(t["y"]) for t in found["cta-replies"]["data"])
    assert replies == results["call_to_action"]["replies"]
    depth = found["cta-depth"]["data"][0]
    assert sum(depth["y"]) == results["call_to_action"]["thread_size"]
    assert depth["y"][0] == results["call_to_action"]["replies"]
    joiners = [y for t in found["joiners"]["data"] for y in t["y"]]
    assert sorted(joiners) == sorted(j["account"] for j in results["spread"]["notable_joiners"])
    langs = sum(sum(t["y"]) for t in found["languages"]["data"])
    assert langs == mag["posts"]
    # bursts of the response tag are shaded on the hourly chart
    shapes = found["hourly"]["layout"].get("shapes", [])
    assert any(s.get("name") == "burst of #ibelieveyou" for s in shapes)
    # the co-hashtag network: the main tag in the middle, edges among the top tags
    network = found["network"]["data"]
    names = [n for t in network if t.get("mode") == "markers+text" for n in t["text"]]
    assert "#metoo" in names and "#ibelieveyou" in names and len(names) <= 20


def test_the_page_suppresses_small_cells(built, tmp_path):
    """Under the default policy (k = 10) an hour's posts describing fewer than 10 people are
    a gap in the charts, never a number; the rest are the metrics' numbers; the page says so."""
    tables = built["tables"]
    scope = Scope(campaign_from_truth(built["truth"]), built["store"].pseudonym_key)
    page = write_html(tmp_path / "k10.html", tables, scope, built["results"]).read_text()
    assert 'id="privacy-notice"' in page and "fewer than 10 people" in page
    raw = built["results"]["magnitude"]["hourly"]
    found = figures(page)
    bars = {t["name"]: t for t in found["hourly"]["data"]}["posts per hour"]["y"]
    assert len(bars) == len(raw) and None in bars
    for shown, truth in zip(bars, raw, strict=True):
        if shown is not None:
            assert shown == truth["posts"] and truth["accounts"] >= 10
        elif 0 < truth["accounts"] < 10:
            assert shown is None
    cum = {t["name"]: t for t in found["cumulative"]["data"]}["posts"]["y"]
    assert all(c is None or c == truth["cumulative_posts"] for c, truth in zip(cum, raw,
                                                                             strict=True))
    # page-only charts too: replies to the call to action per hour, by what they carried
    replies = [y for t in found["cta-replies"]["data"] for y in t["y"]]
    assert all(y is None or y == 0 or y >= 1 for y in replies) and None in replies


def test_network_layout_is_deterministic():
    names = [f"t{i}" for i in range(7)]
    once, again = circular_layout(names, "t0"), circular_layout(names, "t0")
    assert once == again and once["t0"] == (0.0, 0.0) and once["t1"] == (0.0, 1.0)
    radii = {round((x * x + y * y) ** 0.5, 6) for n, (x, y) in once.items() if n != "t0"}
    assert radii == {1.0}


def test_no_private_handle_or_text_appears(built):
    store, threshold = built["store"], built["scope"].campaign.public_figure_followers
    content = without_plotly_js(built["html"])
    private = store.con.execute(
        "SELECT handle, display_name FROM accounts WHERE coalesce(followers, 0) < ? "
        "AND NOT coalesce(verified, false) AND handle IS NOT NULL", [threshold]).fetchall()
    assert len(private) > 1000
    tokens = {t.lower() for t in re.findall(r"[\w]+", content)}
    leaked = sorted(h for h, _ in private if h.lower() in tokens)
    assert leaked == [], f"private handles in the report: {leaked[:10]}"
    names = [d for _, d in private if d and len(d) >= 8 and " " in d]
    assert names and not [d for d in names if d in content]
    texts = [t for (t,) in store.con.execute(
        "SELECT DISTINCT p.text FROM posts p JOIN accounts a USING (platform, author_id) "
        "WHERE coalesce(a.followers, 0) < ? AND NOT coalesce(a.verified, false) "
        "AND p.kind <> 'repost' AND length(p.text) >= 25 ORDER BY p.text LIMIT 500",
        [threshold]).fetchall()]
    assert len(texts) == 500
    from html import escape
    quoted = [t for t in texts if t in content or escape(t) in content]
    assert quoted == [], f"private post text in the report: {quoted[:3]}"
    # everyone named in the first-participants table is a pseudonym or a public figure
    table = content.split("The first participants", 1)[1].split("</table>", 1)[0]
    named = re.findall(r"<td>((?:acct-|@)[^<]*)</td>", table)
    assert len(named) == 20
    public = {f"@{h}" for (h,) in store.con.execute(
        "SELECT handle FROM accounts WHERE coalesce(followers, 0) >= ? OR verified",
        [threshold]).fetchall()}
    assert all(re.fullmatch(r"acct-[0-9a-f]{10}", n) or n in public for n in named)


def test_call_to_action_text_only_from_a_public_figure(built):
    page = built["html"]
    origin = built["store"].con.execute(
        "SELECT p.text, a.followers, a.verified FROM posts p JOIN accounts a "
        "USING (platform, author_id) WHERE p.post_id = ?",
        [built["scope"].campaign.origin_post_ids[0]]).fetchone()
    from html import escape
    public = (origin[1] or 0) >= built["scope"].campaign.public_figure_followers or origin[2]
    assert (escape(origin[0]) in page) == bool(public)


def test_without_campaign_and_with_partial_results(built, tmp_path):
    tables = built["tables"]
    scope = Scope(None, built["store"].pseudonym_key)
    partial = run(tables, scope, ["magnitude"])
    page = write_html(tmp_path / "all.html", tables, scope, partial).read_text()
    assert "accounts joined the campaign in the first 24 hours" in page
    assert set(figures(page)) >= {"cumulative", "hourly", "roles", "kinds", "languages",
                                  "network"}


def test_empty_campaign(built, tmp_path):
    scope = Scope.for_tags(["nosuchtag"])
    page = write_html(tmp_path / "empty.html", built["tables"], scope,
                      run(built["tables"], scope)).read_text()
    assert "No post matched the campaign." in page and not figures(page)


def test_png_export_says_what_is_missing(monkeypatch, built, tmp_path):
    monkeypatch.setattr(png, "CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(png.BrowserMissing, match="chromium"):
        png.write_pngs(built["path"], tmp_path / "png")
    assert not (tmp_path / "png").exists()


def test_write_html_keeps_the_old_signature(built, tmp_path):
    out = write_html(Path(tmp_path / "sub" / "r.html"), built["tables"], built["scope"],
                     built["results"], trends={"trending": [], "windows": []})
    assert out.is_file() and "trending" not in figures(out.read_text())
