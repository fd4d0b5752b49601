"""A metric from a plugin reaches every output with no edit elsewhere: the terminal, ``--json``,
``frames``, the HTML page and (it declares a panel) the live dashboard.

The plugin is real: a module and a distribution's ``entry_points.txt`` on ``sys.path``, found
by ``importlib.metadata`` exactly as an installed package's would be.
"""

from __future__ import annotations

import json
import re
import textwrap
from io import StringIO

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rich.console import Console

from groundswell import Store, api, metrics
from groundswell.cli import main
from groundswell.report.console import print_report
from groundswell.web import LiveStore, create_app

PLUGIN = '''
"""A toy metric, as an outside package would write one."""
import ibis

from groundswell.metrics import Metric, Option
from groundswell.metrics.page import Panel
from groundswell.scope import rows


def compute(ctx, top=3):
    m = ctx.matched
    per = m.group_by(lang=m.lang.fill_null("und")).aggregate(toy_posts=m.count())
    return rows(per.order_by([ibis.desc("toy_posts"), "lang"]).limit(top))


METRIC = Metric(
    name="toy_languages",
    title="Toy languages",
    description="The languages of the matching posts, busiest first (a plugin's metric).",
    needs=("posts", "post_hashtags"),
    compute=compute,
    options=(Option("top", 3, "how many languages"),),
    panels=(Panel("toy", "Toy: languages now", "rows",
                  lambda ctx, top: {"rows": compute(ctx, top)}),),
)
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    info = site / "toy_metric-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "toy_metric.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-metric\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[groundswell.metrics]\ntoy = toy_metric:METRIC\n")
    monkeypatch.syspath_prepend(str(site))
    metrics.registry.cache_clear()
    yield
    metrics.registry.cache_clear()


@pytest.fixture(scope="module")
def db(tmp_path_factory, small_v2):
    path = tmp_path_factory.mktemp("plugin") / "s.duckdb"
    with Store(path) as store:
        store.ingest([small_v2])
    return path


def languages(store) -> list[tuple[str, int]]:
    """The toy's answer, counted without groundswell's metrics."""
    return store.con.execute(
        "SELECT coalesce(lang, 'und') AS l, count(*) AS n FROM posts p WHERE EXISTS (SELECT 1 "
        "FROM post_hashtags h WHERE h.platform = p.platform AND h.post_id = p.post_id AND "
        "h.tag = 'metoo') OR (kind = 'repost' AND repost_of_post_id IN (SELECT h.post_id FROM "
        "post_hashtags h JOIN posts o USING (platform, post_id) WHERE h.tag = 'metoo' AND "
        "o.kind <> 'repost')) GROUP BY l ORDER BY n DESC, l LIMIT 3").fetchall()


def test_a_plugin_metric_reaches_every_output(plugin, db, tmp_path):
    assert "toy_languages" in metrics.registry()
    with Store(db, read_only=True) as store:
        expected = languages(store)
        results = store.report(tags=["metoo"])
        # JSON and frames
        toy = api.report_json(results)["toy_languages"]
        assert [(r["lang"], r["toy_posts"]) for r in toy] == expected
        frame = api.frames(store, tags=["metoo"])["toy_languages"]
        assert list(frame.itertuples(index=False, name=None)) == expected
        # its option, read
        assert len(store.report(tags=["metoo"], metrics=["toy_languages"],
                                options={"toy_languages": {"top": 1}})["toy_languages"]) == 1
        # the terminal
        console = Console(file=StringIO(), width=120)
        print_report(results, console)
        printed = console.file.getvalue()
        assert "Toy languages" in printed and f"{expected[0][1]:,}" in printed
        # the HTML page: a generic section, in the contents, with its table
        page = api.write_html(tmp_path / "r.html", store, tags=["metoo"],
                              results=results).read_text()
    section = page.split('<section id="toy-languages">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Toy languages</h2>" in section and "a plugin&#x27;s metric" in section
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    assert cells[:2] == [expected[0][0], f"{expected[0][1]:,}"]
    assert '<a href="#toy-languages">Toy languages</a>' in page
    # the dashboard: its own endpoint and schema, and a place on the page
    client = TestClient(create_app(db, live=LiveStore(db, min_interval=0, max_duty=1.0,
                                                      max_cpu=1.0)))
    panel = client.get("/api/toy").json()
    assert panel["status"] == "ok"
    with Store(db, read_only=True) as store:
        everywhere = store.report(metrics=["toy_languages"])["toy_languages"]
    assert panel["rows"] == everywhere
    assert "/api/toy" in client.get("/openapi.json").json()["paths"]
    html = client.get("/").text
    assert '<section id="toy" class="rows"' in html
    listed = json.loads(html.split('<script type="application/json" id="panels">', 1)[1]
                        .split("</script>", 1)[0])
    assert {"name": "toy", "widget": "rows"} in listed


def test_the_cli_lists_and_runs_a_plugin_metric(plugin, db):
    runner = CliRunner()
    listed = runner.invoke(main, ["metrics"])
    assert "toy_languages" in listed.output and "toy_languages.top" in listed.output
    ran = runner.invoke(main, ["report", "--db", str(db), "--tag", "metoo", "--json",
                               "--metric", "toy_languages", "--option", "toy_languages.top=2"])
    assert ran.exit_code == 0, ran.output
    assert len(json.loads(ran.stdout)["toy_languages"]) == 2
    bad = runner.invoke(main, ["report", "--db", str(db), "--option", "toy_languages.nope=2"])
    assert bad.exit_code == 1 and "has no option nope" in bad.output
