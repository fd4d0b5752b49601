"""A check that cannot be fooled (issue 26, point 7): on the demo's outputs and on a store of
real data, every output file and every API response is searched for every private account's
handle, id, post ids and post texts; none is found.

Outputs searched: the demo's terminal report and HTML page; ``report`` (terminal, ``--json``,
``--html``), ``report --dp --json``, ``hashtags``, ``quarantine --json``, ``trends --json``,
``export`` (private Parquet, every cell), ``share`` (every file), ``frames`` (as CSV) and every
``/api/*`` endpoint of the dashboard. As a control, the search finds a private handle that is
planted in an output on purpose, so a search that finds nothing is a search that works.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from helpers import CORPORA

from groundswell import api
from groundswell.api import Store
from groundswell.cli import main
from groundswell.policy import Policy

REAL = [*sorted((CORPORA / "twarc2").glob("*.jsonl")),
        CORPORA / "bluesky" / "jetstream_events_v1.jsonl",
        CORPORA / "mastodon" / "rtoot" / "tag_ichbinhanna_mastodon.social.json",
        CORPORA / "mastodon" / "rtoot" / "context_mastodon.social.json"]

#: Strings shorter than these could match by chance (a count, a word): they are not searched.
MIN_ID, MIN_HANDLE, MIN_TEXT = 8, 5, 30


def private_strings(db: Path, policy: Policy) -> dict[str, set[str]]:
    """Every private account's handles and ids, its posts' ids and its own texts (not a
    repost's, and not a text a public figure also posted)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        public = {(p, a) for p, a, h, f, v in con.execute(
            "SELECT platform, author_id, handle, followers, verified FROM accounts").fetchall()
            if policy.is_public(h, f, v)}
        found: dict[str, set[str]] = {"author_id": set(), "handle": set(), "post_id": set(),
                                      "text": set()}
        for p, a, h in con.execute("SELECT platform, author_id, handle FROM accounts "
                                   "UNION SELECT platform, author_id, handle FROM handles"
                                   ).fetchall():
            if (p, a) not in public:
                found["author_id"].add(a)
                if h:
                    found["handle"].add(h)
        public_texts = set()
        rows = con.execute("SELECT platform, author_id, post_id, text, kind FROM posts"
                           ).fetchall()
        for p, a, _post_id, text, _kind in rows:
            if (p, a) in public and text:
                public_texts.add(text)
        for p, a, post_id, text, kind in rows:
            if (p, a) in public:
                continue
            if a:
                found["author_id"].add(a)
            found["post_id"].add(post_id)
            if text and kind != "repost" and text not in public_texts:
                found["text"].add(text)
    finally:
        con.close()
    # a string a public figure also holds (the same handle on another platform) is theirs to show
    con = duckdb.connect(str(db), read_only=True)
    try:
        shown = {str(v).lower() for p, a, h, f, v2 in con.execute(
            "SELECT platform, author_id, handle, followers, verified FROM accounts").fetchall()
            if policy.is_public(h, f, v2) for v in (a, h) if v}
    finally:
        con.close()
    found["handle"] = {s for s in found["handle"] if s.lower() not in shown}
    # a simulated text can be part of a public figure's (templates): that is the figure's text
    public_blob = "\n".join(public_texts)
    found["text"] = {s for s in found["text"] if s not in public_blob}
    found["author_id"] = {s for s in found["author_id"] if s.lower() not in shown}
    found["author_id"] = {s for s in found["author_id"] if len(s) >= MIN_ID}
    found["post_id"] = {s for s in found["post_id"] if len(s) >= MIN_ID}
    found["handle"] = {s for s in found["handle"] if len(s) >= MIN_HANDLE}
    found["text"] = {s for s in found["text"] if len(s.strip()) >= MIN_TEXT}
    return found


def leaks(blob: str, secrets: dict[str, set[str]]) -> list[str]:
    """The secrets found in ``blob`` as whole tokens (ids and handles) or anywhere (texts)."""
    hits = []
    lowered = blob.lower()
    for kind, values in secrets.items():
        for value in values:
            needle = value.lower() if kind == "handle" else value
            hay = lowered if kind == "handle" else blob
            start = hay.find(needle)
            while start >= 0:
                before = hay[start - 1] if start else " "
                after = hay[start + len(needle)] if start + len(needle) < len(hay) else " "
                if kind == "text" or not (re.match(r"[\w./-]", before)
                                          or re.match(r"[\w@-]", after)):
                    hits.append(f"{kind} {value[:60]!r}")
                    break
                start = hay.find(needle, start + 1)
    return hits


def readable(path: Path) -> str:
    """A file's content as text a person would read: HTML unescaped (and its figures' JSON
    decoded), JSON decoded, Parquet cells as text."""
    if path.suffix == ".parquet":
        rows = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()
        return "\n".join(" | ".join("" if c is None else str(c) for c in r) for r in rows)
    if path.suffix == ".png":
        return ""  # pixels: charts drawn from the same published results as the page
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        figures = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text,
                             re.S)
        decoded = [json.dumps(json.loads(f.replace("<\\/", "</")), ensure_ascii=False)
                   for f in figures]
        return html.unescape(text) + "\n".join(decoded)
    if path.suffix == ".json":
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def outputs(db: Path, campaign: Path, work: Path) -> dict[str, str]:
    """Every output of the store, as readable text, by name."""
    runner = CliRunner()
    got: dict[str, str] = {}

    def cli(name: str, *args: str) -> None:
        result = runner.invoke(main, [*args, "--db", str(db)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        got[name] = result.stdout

    c = ["--campaign", str(campaign)]
    cli("report", "report", *c)
    cli("report --json", "report", "--json", *c, "--html", str(work / "report.html"))
    cli("report --dp --json", "report", "--dp", "--json", *c, "--epsilon", "0.1")
    cli("hashtags", "hashtags", "--top", "0")
    cli("hashtags --json", "hashtags", "--json", "--top", "0")
    cli("quarantine --json", "quarantine", "--json", "--limit", "1000")
    cli("trends --json", "trends", "--json", *c)
    cli("export", "export", "-o", str(work / "export"))
    cli("share", "share", *c, "-o", str(work / "share"), "--epsilon", "0.1")
    for name, frame in api.frames(Store(db, read_only=True), campaign).items():
        got[f"frames {name}"] = frame.to_csv(index=False)
    for path in [work / "report.html", *(work / "export").rglob("*.parquet"),
                 *(p for p in (work / "share").rglob("*") if p.is_file())]:
        got[str(path.relative_to(work))] = readable(path)
    got.update(dashboard(db, campaign))
    return got


def dashboard(db: Path, campaign: Path) -> dict[str, str]:
    """Every GET endpoint of the dashboard (and its page)."""
    from groundswell.web import LiveStore, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    live = LiveStore(db, str(campaign), min_interval=0, max_duty=1.0, max_cpu=1.0)
    app = create_app(db, str(campaign), live=live)
    client = TestClient(app)
    got = {"dashboard /": html.unescape(client.get("/").text)}
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/") and "GET" in getattr(route, "methods", ()):
            response = client.get(path)
            got[f"dashboard {path}"] = json.dumps(response.json(), ensure_ascii=False)
    return got


def check(db: Path, campaign: Path, work: Path) -> tuple[dict, dict]:
    secrets = private_strings(db, api.policy_of(campaign))
    found = outputs(db, campaign, work)
    hits = {name: leaks(text, secrets) for name, text in found.items()}
    assert not {name: h for name, h in hits.items() if h}, "private data in outputs"
    return secrets, found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("leak-demo")
    result = CliRunner().invoke(main, ["demo", "-n", "6000", "--dir", str(work / "demo")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return work, result.stdout


def test_the_demos_outputs_name_no_private_account(demo):
    work, printed = demo
    db, campaign = work / "demo" / "metoo.duckdb", work / "demo" / "metoo.campaign.toml"
    secrets, found = check(db, campaign, work)
    assert len(secrets["handle"]) > 1000 and len(secrets["text"]) > 1000
    page = readable(work / "demo" / "report.html")
    assert not leaks(printed, secrets) and not leaks(page, secrets)
    # the control: a planted handle is found, so the search works
    handle = sorted(secrets["handle"])[0]
    assert leaks(found["report"] + f" @{handle} ", secrets)
    assert leaks(found["export/" + next(k.split("export/", 1)[1] for k in found
                                        if k.startswith("export/posts"))]
                 + f" {sorted(secrets['text'])[0]}", secrets)


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the real corpora are not at {CORPORA}")
def test_a_real_data_stores_outputs_name_no_private_account(tmp_path):
    db = tmp_path / "real.duckdb"
    with Store(db) as store:
        store.ingest([p for p in REAL if p.is_file()], server="mastodon.social")
    campaign = tmp_path / "hanna.toml"
    campaign.write_text('name = "IchBinHanna"\n[tags]\nmain = "ichbinhanna"\n'
                        'variants = [{tag = "brexit"}, {tag = "metoo"}]\n', encoding="utf-8")
    secrets, found = check(db, campaign, tmp_path)
    assert len(secrets["author_id"]) > 100 and len(secrets["text"]) > 100
    with Store(db, read_only=True) as store:  # the real quarantine is not empty
        assert store.count("quarantine") > 0
