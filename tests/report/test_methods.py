"""The methods paragraph (issue 27, point 4): every fact it states is the store's or the
campaign's, recounted here with plain SQL; the fingerprints change exactly when what they
cover changes; it reaches the terminal, ``--json`` and the HTML page; it names nobody private.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from helpers import corpus

from groundswell import __version__, api
from groundswell.api import Store
from groundswell.cli import main
from groundswell.demo import write_campaign
from groundswell.report.methods.fingerprint import store_fingerprint
from groundswell.simulate import simulate

PLATFORMS = {"twitter": ("twitter-v2", 1500), "bluesky": ("bluesky-jetstream", 900),
             "mastodon": ("mastodon", 600)}
#: One more tweet, and a compliance delete, as the platforms would write them.
ONE_MORE = ('{"data": [{"id": "1999999999999999999", "text": "one more #metoo", "author_id": '
            '"42", "created_at": "2025-10-16T00:00:00.000Z", "entities": {"hashtags": '
            '[{"start": 9, "end": 15, "tag": "metoo"}]}}], "includes": {"users": [{"id": '
            '"42", "username": "someone", "name": "Some One"}]}}\n')


def fingerprint(db: Path) -> str:
    with Store(db, read_only=True) as store:
        return api.methods(store).store.sha256


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three platforms simulated, ingested in one run (store ``a``) and, in reverse order,
    one file per run with the first file read twice (store ``b``)."""
    tmp = tmp_path_factory.mktemp("methods")
    files, truths = [], []
    for seed, (platform, (fmt, posts)) in enumerate(PLATFORMS.items(), 21):
        path = tmp / f"sim-{platform}.jsonl.gz"
        truths.append(simulate(posts, fmt=fmt, seed=seed, out=path))
        files.append(path)
    server = next(t["server"] for t in truths if t.get("server"))
    campaign = write_campaign(truths, tmp / "metoo.campaign.toml", "test")
    with Store(tmp / "a.duckdb") as store:
        summary = api.ingest(store, files, server=server)
    with Store(tmp / "b.duckdb") as store:
        for path in [*reversed(files), files[-1]]:
            api.ingest(store, [path], server=server)
    return {"tmp": tmp, "files": files, "server": server, "campaign": campaign,
            "campaign_file": tmp / "metoo.campaign.toml", "summary": summary,
            "a": tmp / "a.duckdb", "b": tmp / "b.duckdb"}


def test_the_paragraph_states_the_stores_own_counts_and_span(built):
    con = duckdb.connect(str(built["a"]), read_only=True)
    spans = con.execute("SELECT platform, count(*), min(created_at)::DATE::VARCHAR, "
                        "max(created_at)::DATE::VARCHAR FROM posts GROUP BY 1").fetchall()
    deletions, quarantined, edited = (con.execute(sql).fetchone()[0] for sql in (
        "SELECT count(*) FROM deletions", "SELECT count(*) FROM quarantine",
        "SELECT count(DISTINCT (platform, post_id)) FROM post_versions"))
    con.close()
    with Store(built["a"], read_only=True) as store:
        methods = api.methods(store, built["campaign"])
    text = methods.text()
    names = {"twitter": "Twitter", "bluesky": "Bluesky", "mastodon": "Mastodon"}
    assert len(spans) == 3
    for platform, posts, first, last in spans:
        assert f"{posts:,} {names[platform]} posts ({first} to {last})" in text
    total = sum(posts for _, posts, _, _ in spans)
    assert f"holding {total:,} posts:" in text and methods.store.posts == total
    summary = built["summary"]
    assert "1 ingest run " in text and "from 3 input files (3 .jsonl.gz)" in text
    assert f"{summary.lines:,} lines in all" in text
    assert f"Of {summary.posts_seen:,} posts read, {summary.duplicates:,} copies" in text
    assert deletions > 0 and f"{deletions:,} deletion notice" in text
    assert quarantined == 0 or f"{quarantined:,} line" in text
    assert edited == 0 or f"{edited:,} post" in text
    # the campaign's rule, spelled out from the file
    campaign = built["campaign"]
    for tag in campaign.tags + campaign.response_tags:
        assert f"#{tag}" in text
    assert f"“{campaign.phrases[0]}”" in text
    assert campaign.start.strftime("%Y-%m-%d %H:%M:%S UTC") in text
    assert campaign.end.strftime("%Y-%m-%d %H:%M:%S UTC") in text
    assert f"Groundswell {__version__} (DuckDB {duckdb.__version__}" in text
    assert methods.store.short in text and methods.campaign.fingerprint[:12] in text


def test_the_store_fingerprint_ignores_order_and_runs_and_sees_every_change(built, tmp_path):
    a, b = fingerprint(built["a"]), fingerprint(built["b"])
    assert a == b and len(a) == 64
    for name, line in (("one.jsonl", ONE_MORE),
                       ("delete.jsonl", None),  # a compliance delete of one stored tweet
                       ):
        copy = tmp_path / f"{name}.duckdb"
        shutil.copy(built["a"], copy)
        with Store(copy) as store:
            if line is None:
                tweet = store.con.execute("SELECT post_id FROM posts WHERE platform = "
                                          "'twitter' ORDER BY post_id LIMIT 1").fetchone()[0]
                line = json.dumps({"id": tweet, "action": "delete", "reason": "deleted",
                                   "created_at": "2025-11-01T00:00:00.000Z"}) + "\n"
            (tmp_path / name).write_text(line, encoding="utf-8")
            changed = api.ingest(store, [tmp_path / name])
            assert changed.posts_added + changed.deleted == 1
        assert fingerprint(copy) != a, name
    # an edit: one post's text, then one post's tag
    for sql in ("UPDATE posts SET text = text || ' (edited)' WHERE post_key = "
                "(SELECT min(post_key) FROM posts WHERE text IS NOT NULL)",
                "UPDATE post_hashtags SET tag = tag || 'x' WHERE post_key = "
                "(SELECT min(post_key) FROM post_hashtags)"):
        copy = tmp_path / "edited.duckdb"
        shutil.copy(built["a"], copy)
        con = duckdb.connect(str(copy))
        assert store_fingerprint(con).sha256 == a
        con.execute(sql)
        assert store_fingerprint(con).sha256 != a, sql
        con.close()


def test_a_full_export_has_its_stores_fingerprint_and_a_private_one_says_what_it_is(built,
                                                                                   tmp_path):
    with Store(built["a"]) as store:
        api.export(store, tmp_path / "full", reveal=True)
        api.export(store, tmp_path / "private")
    for folder, kind in (("full", "export"), ("private", "private export")):
        with api.open_engine("duckdb", input_dir=tmp_path / folder) as engine:
            methods = api.methods(engine, built["campaign"])
        assert methods.source == kind
        text = methods.text()
        assert "Forgotten accounts are not recorded in this source." in text
        if kind == "export":
            assert methods.store.sha256 == fingerprint(built["a"])
        else:
            assert "compare it only with another private export" in text


def test_the_campaign_fingerprint_is_its_meaning_not_its_formatting(tmp_path):
    base = ('name = "MeToo"\n[tags]\nmain = "metoo"\nresponse = ["ibelieveyou"]\n'
            '[[tags.variants]]\ntag = "balancetonporc"\nlang = "fr"\n'
            '[window]\nstart = 2017-10-15T00:00:00Z\n')
    same = ('# the same campaign, written differently\nname = "MeToo"\n\n'
            '[window]\n  start = 2017-10-15T02:00:00+02:00   # Paris time\n'
            '[tags]\nresponse = [ "#IBelieveYou" ]\nmain = "#MeToo"\n'
            '[[tags.variants]]\nlang = "fr"\ntag = "BalanceTonPorc"\n'
            '[privacy]\nmin_cell = 10\n')
    other_tag = base + '[[tags.variants]]\ntag = "yotambien"\n'
    prints = {}
    for name, text in (("base", base), ("same", same), ("tag", other_tag),
                       ("window", base.replace("2017-10-15T00", "2017-10-16T00")),
                       ("k", base + "[privacy]\nmin_cell = 5\n")):
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        facts = api.methods(Store(tmp_path / f"{name}.duckdb"), path).campaign
        prints[name] = (facts.fingerprint, facts.file_sha256)
    assert prints["same"][0] == prints["base"][0]
    assert prints["same"][1] != prints["base"][1]  # the file's own digest does change
    for changed in ("tag", "window", "k"):
        assert prints[changed][0] != prints["base"][0], changed


def test_report_methods_on_the_terminal_in_json_and_on_the_page(built, tmp_path):
    runner = CliRunner()
    args = ["report", "--db", str(built["a"]), "--campaign", str(built["campaign_file"])]
    shown = runner.invoke(main, [*args, "--methods"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    report_end = shown.stdout.index("Methods\n")
    assert "magnitude" in shown.stdout[:report_end].lower()  # the report, then the methods
    with Store(built["a"], read_only=True) as store:
        expected = api.methods(store, built["campaign"])
    flat = " ".join(shown.stdout[report_end:].split())
    assert " ".join(expected.text().split()[:60]) in flat
    page = tmp_path / "report.html"
    as_json = runner.invoke(main, [*args, "--json", "--methods", "--html", str(page)],
                            catch_exceptions=False)
    data = json.loads(as_json.stdout)
    assert data["methods"]["store_fingerprint"]["sha256"] == expected.store.sha256
    assert data["methods"]["campaign"]["fingerprint"] == expected.campaign.fingerprint
    assert data["methods"]["text"][0].startswith("Data.")
    assert "methods" not in json.loads(runner.invoke(main, [*args, "--json"]).stdout)
    # the page carries the paragraph, collapsed, at its end, with the full fingerprints
    body = page.read_text(encoding="utf-8")
    start = body.index('<details class="methods" id="methods"><summary>Methods</summary>')
    assert start > body.rindex("</section>") and '<a href="#methods">' in body
    section = html.unescape(body[start:body.index("</details>", start)])
    assert data["methods"]["text"][1] in section  # the same matching rule
    assert "Taking part." in section and expected.store.sha256 in section
    assert "Kleinberg, J. (2002)" in section  # the page shows the bursts, so cites them
    assert "Kleinberg" not in data["methods"]["text"][2]  # the plain report does not


def test_the_paragraph_names_nobody_private(built):
    with Store(built["a"], read_only=True) as store:
        policy = api.policy_of(built["campaign"])
        methods = api.methods(store, built["campaign"])
        accounts = store.con.execute("SELECT platform, author_id, handle, followers, verified "
                                     "FROM accounts").fetchall()
        private = {(p, a) for p, a, h, f, v in accounts if not policy.is_public(h, f, v)}
        secrets = {a for _, a in private} | {h for p, a, h, *_ in accounts
                                             if (p, a) in private and h}
        for platform, author, post_id, text in store.con.execute(
                "SELECT platform, author_id, post_id, text FROM posts").fetchall():
            if (platform, author) in private:
                secrets.add(post_id)
                if text and len(text) > 30:
                    secrets.add(text)
    secrets = {s for s in secrets if len(s) >= 8}
    blob = methods.text() + json.dumps(methods.as_json(), ensure_ascii=False) + \
        html.unescape(methods.html())
    assert len(secrets) > 1000
    assert not [s for s in secrets if s in blob]
    # the origins named are public figures' posts; any other is withheld, not named
    origins = methods.campaign.origins
    assert any(i is None for _, i in origins) or all(i for _, i in origins)
    assert len(origins) == len(built["campaign"].origins)


def test_a_platform_of_few_authors_is_shown_as_a_small_cell(built, tmp_path):
    db = tmp_path / "few.duckdb"
    with Store(db) as store:
        api.ingest(store, [built["files"][0]])
        # one post moved to a platform of its own: one author there, fewer than k = 10
        store.con.execute("UPDATE posts SET platform = 'mastodon' WHERE post_key = "
                          "(SELECT max(post_key) FROM posts)")
        methods = api.methods(store, built["campaign"])
    mastodon = next(p for p in methods.platforms if p.name == "mastodon")
    assert mastodon.posts == "<10" and mastodon.first_day is None
    assert "<10 Mastodon posts (days withheld" in methods.text()
    assert "holding at least" in methods.text()


def test_dp_release_states_its_epsilon_and_roles_their_method(built, tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["report", "--db", str(built["b"]), "--campaign",
                               str(built["campaign_file"]), "--dp", "--epsilon", "0.5",
                               "--json", "--methods"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    methods = json.loads(out.stdout)["methods"]
    assert methods["privacy"]["dp"]["epsilon"] == 0.5
    privacy = next(p for p in methods["text"] if p.startswith("Privacy."))
    assert "ε = 0.5 for this release" in privacy and "Dwork" in " ".join(methods["references"])
    roles_file = tmp_path / "roles.toml"
    roles_file.write_text(built["campaign_file"].read_text(encoding="utf-8")
                          + "\n[roles]\nrename = { commentary = \"news\" }\n",
                          encoding="utf-8")
    with Store(built["a"], read_only=True) as store:
        text = api.methods(store, roles_file).text()
    assert "support, news, opposition" in text and "cue-phrase rules" in text
    assert "Forman" not in text


def test_real_files_from_three_platforms(tmp_path):
    files = [corpus("bluesky", "jetstream_events_v1.jsonl"), corpus("twarc2", "edited.jsonl"),
             corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json")]
    # a line per record; a whole JSON file (a page of Mastodon's API) is one record
    lines = sum(1 if f.suffix == ".json" else sum(map(bool, map(str.strip, f.open())))
                for f in files)
    with Store(tmp_path / "real.duckdb") as store:
        summary = api.ingest(store, files, server="mastodon.social")
        methods = api.methods(store, tags=["ichbinhanna"])
        spans = store.con.execute(
            "SELECT platform, count(*), count(DISTINCT author_id), "
            "min(created_at)::DATE::VARCHAR, max(created_at)::DATE::VARCHAR "
            "FROM posts GROUP BY 1").fetchall()
        deletions = store.con.execute("SELECT count(*) FROM deletions").fetchone()[0]
    text = methods.text()
    assert summary.lines == lines and f"{lines:,} lines in all" in text
    assert "from 3 input files (1 .json and 2 .jsonl)" in text
    assert {p.name for p in methods.platforms} == {"twitter", "bluesky", "mastodon"}
    for platform, posts, authors, first, last in spans:
        shown = next(p for p in methods.platforms if p.name == platform)
        assert (shown.posts, shown.first_day, shown.last_day) == (
            (posts, first, last) if authors >= 10 else ("<10", None, None))
    assert methods.removals.deletions == deletions and f"{deletions:,} deletion" in text
    assert "an ad-hoc campaign given by its tags" in text and "#ichbinhanna" in text
