"""The dashboard's JSON endpoints (FastAPI TestClient) over simulated stores.

Numbers are checked against the simulator's planted truth and against the metrics the report
uses, so the dashboard can never drift from ``groundswell report``: those checks run with
small-cell suppression off (``[privacy] min_cell = 1``, or a policy of k = 1), and the
suppression the dashboard applies by default is checked on its own.
"""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.ingest.follow import Follower, follow
from groundswell.live import LiveState
from groundswell.metrics import Scope, Tables
from groundswell.policy import Policy
from groundswell.simulate import simulate
from groundswell.trends.batch import trends
from groundswell.web import LiveStore, create_app
from groundswell.web.app import is_loopback, serve

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette now prefers httpx2; httpx works the same
    from fastapi.testclient import TestClient

@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """20k simulated posts (enough for tags to trend), one-shot ingested."""
    folder = tmp_path_factory.mktemp("dash")
    truth = simulate(20_000, fmt="twitter-v1", seed=21, out=folder / "c.jsonl")
    db = folder / "c.duckdb"
    with Store(db) as store:
        store.ingest([folder / "c.jsonl"])
    return db, truth


#: Small-cell suppression off: the dashboard's numbers are the report's, exactly.
EXACT = Policy(k=1)


def client(db, **options) -> TestClient:
    """A client whose every request re-reads the store (no rate limit)."""
    options.setdefault("live", LiveStore(db, options.pop("campaign", None), min_interval=0,
                                         max_duty=1.0, max_cpu=1.0,
                                         policy=options.pop("policy", None)))
    return TestClient(create_app(db, **options))


def exact_campaign(db: Path, folder: Path) -> Path:
    """The campaign file the simulator wrote beside its data, suppression turned off."""
    path = folder / "exact.campaign.toml"
    path.write_text(db.with_name("c.campaign.toml").read_text(encoding="utf-8")
                    + "\n[privacy]\nmin_cell = 1\n", encoding="utf-8")
    return path


def sql(db: Path, query: str):
    with Store(db, read_only=True) as store:
        return store.con.execute(query).fetchall()


def test_summary_counts_every_post_without_a_campaign(sim):
    db, truth = sim
    s = client(db).get("/api/summary").json()
    assert s["status"] == "ok" and s["stale"] is False and s["updated_at"].endswith("Z")
    assert s["scope"] == "all posts" and s["tags"] == []
    assert s["posts"] == truth["posts"]
    assert s["posts_by_kind"] == truth["posts_by_kind"]
    assert s["accounts"] == truth["accounts"]
    assert (s["first_post"], s["last_post"]) == (truth["first_post"], truth["last_post"])
    [(speakers,)] = sql(db, "SELECT count(DISTINCT author_id) FROM posts WHERE kind <> 'repost'")
    assert s["participants"] == speakers
    assert s["amplifiers"] == truth["accounts"] - speakers


def test_a_campaign_scopes_every_panel(sim, tmp_path):
    """The campaign file the simulator wrote beside its data (its window included)."""
    db, truth = sim
    c = client(db, campaign=exact_campaign(db, tmp_path))
    s = c.get("/api/summary").json()
    assert s["scope"] == "MeToo (simulated)"
    assert s["tags"] == ["metoo", "balancetonporc", "yotambien", "quellavoltache"]
    assert s["posts"] == truth["matched_posts"]
    assert s["posts_by_kind"] == truth["matched_posts_by_kind"]
    assert s["participants"] == truth["participants"]
    assert s["amplifiers"] == truth["amplifiers"]
    points = c.get("/api/cumulative").json()["points"]
    assert points[-1]["cumulative_posts"] == truth["matched_posts"]
    assert points[-1]["cumulative_participants"] == truth["participants"]
    trending = c.get("/api/trending").json()
    assert trending["scope"] == "MeToo (simulated)"
    flagged = {t["tag"] for t in trending["ever"] if t["campaign_tag"]}
    assert flagged and flagged <= set(s["tags"])


def test_cumulative_is_the_reports_hourly_series(sim):
    db, _ = sim
    data = client(db, policy=EXACT).get("/api/cumulative").json()
    with Store(db, read_only=True) as store:
        hourly = store.report(metrics=["magnitude"])["magnitude"]["hourly"]
    assert data["points"] == hourly
    hours = [p["hour"] for p in data["points"]]
    assert hours == sorted(hours) and len(set(hours)) == len(hours)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", h) for h in hours)


def test_trending_is_the_latest_window_of_the_trend_score(sim):
    db, truth = sim
    data = client(db, policy=EXACT).get("/api/trending").json()
    with Store(db, read_only=True) as store:
        expected = trends(Tables.from_backend(store.ibis), Scope())
    assert [t["tag"] for t in data["ever"]] == [t["tag"] for t in expected["trending"]]
    assert "metoo" in {t["tag"] for t in data["ever"]}
    assert data["data_end"] == expected["data_end"] and data["window_seconds"] == 3600
    last = expected["windows"][-1]
    assert data["recent_window_start"] == last["window_start"]
    assert [(t["tag"], t["score"], t["accounts"]) for t in data["recent"]] == [
        (t["tag"], t["score"], t["accounts"]) for t in last["tags"]]
    assert data["window_start"] < data["data_end"]
    assert data["current"] == (data["recent"] if last["window_start"] == data["window_start"]
                               else [])


def test_panels_refresh_as_a_follower_appends(tmp_path, sim):
    """The dashboard re-reads the store between the follower's commits."""
    lines = (sim[0].parent / "c.jsonl").read_bytes().splitlines(keepends=True)
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"".join(lines[:5_000]))
    db = tmp_path / "live.duckdb"
    c = client(db, policy=EXACT)
    waiting = c.get("/api/summary").json()
    assert waiting["status"] == "no_store" and waiting["stale"] and waiting["posts"] == 0
    assert c.get("/api/health").json()["status"] == "no_store"

    stop = threading.Event()
    stop.set()
    follow(db, followed, stop=stop)
    before = c.get("/api/summary").json()
    assert before["status"] == "ok" and before["posts"] > 0
    with open(followed, "ab") as out:
        out.write(b"".join(lines[5_000:]))
    follow(db, followed, stop=stop)
    after = c.get("/api/summary").json()
    [(posts,)] = sql(db, "SELECT count(*) FROM posts")
    assert after["posts"] == posts > before["posts"]
    assert after["participants"] > before["participants"]
    assert c.get("/api/cumulative").json()["points"][-1]["cumulative_posts"] == posts


def test_while_a_follower_keeps_the_state_the_panels_are_a_full_reports(tmp_path, sim):
    """``ingest --follow --campaign`` keeps the campaign's live state in the store and the
    dashboard reads it (``computed_from: state``); at every moment the follower leaves the
    store, each endpoint says what the full computation over the same store says, and the
    counter and curve are the report's own."""
    lines = (sim[0].parent / "c.jsonl").read_bytes().splitlines(keepends=True)
    campaign = exact_campaign(sim[0], tmp_path)
    followed, db = tmp_path / "live.jsonl", tmp_path / "live.duckdb"
    followed.write_bytes(b"".join(lines[:3_000]))
    stop = threading.Event()
    follower = Follower(db, followed, poll=0.05, stop=stop,
                        after_batch=LiveState(campaign).update)
    thread = threading.Thread(target=follower.run, daemon=True)
    thread.start()
    from_state = client(db, campaign=campaign, policy=EXACT)

    def full() -> TestClient:  # computing everything (trending too, whenever asked)
        return client(db, live=LiveStore(db, campaign, min_interval=0, max_duty=1.0,
                                         max_cpu=1.0, policy=EXACT, state=False),
                      campaign=campaign)

    fresh = ("updated_at", "stale", "status")

    def read(c: TestClient) -> dict:
        for _ in range(500):  # the follower may be committing: busy, then read again
            got = {name: c.get(f"/api/{name}").json()
                   for name in ("summary", "cumulative", "platforms", "trending")}
            if all(v["status"] == "ok" for v in got.values()):
                return {n: {k: v for k, v in p.items() if k not in fresh} for n, p in got.items()}
        raise AssertionError("the store stayed busy")

    try:
        done = 3_000
        for cut in (7_000, 12_000, len(lines)):
            with open(followed, "ab") as out:  # appended while the follower runs
                out.write(b"".join(lines[done:cut]))
            done = cut
            deadline = time.monotonic() + 60
            while follower.summary.offset < followed.stat().st_size:
                assert time.monotonic() < deadline, "the follower did not catch up"
                time.sleep(0.02)
            state = read(from_state)
            assert from_state.get("/api/health").json()["computed_from"] == "state"
            computing = full()
            assert state == read(computing)
            assert computing.get("/api/health").json()["computed_from"] == "store"
            with Store(db, read_only=True) as store:
                report = store.report(campaign=campaign, metrics=["magnitude"])["magnitude"]
            assert state["cumulative"]["points"] == report["hourly"]
            assert (state["summary"]["posts"], state["summary"]["participants"]) == (
                report["posts"], report["participants"])
    finally:
        stop.set()
        thread.join(timeout=60)
    assert follower.summary.posts_added > 0


def test_a_store_nobody_keeps_a_state_for_is_computed_and_left_alone(sim, tmp_path):
    """Without a current state (none kept, or one for another trend window) the dashboard
    computes every panel from the store, as before, and never creates a state."""
    db, _ = sim
    assert client(db).get("/api/health").json()["computed_from"] is None  # nothing read yet
    c = client(db)
    c.get("/api/summary")
    assert c.get("/api/health").json()["computed_from"] == "store"
    assert not sql(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'live_%'"
                   )[0][0]
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    campaign = exact_campaign(db, tmp_path)
    with Store(copy) as store:
        LiveState(campaign).update(store)  # the default hour
    half_hours = {"trending": {"window_seconds": 1800}}
    other = client(copy, campaign=campaign, live=LiveStore(
        copy, campaign, options=half_hours, min_interval=0, max_duty=1.0, max_cpu=1.0))
    other.get("/api/summary")
    assert other.get("/api/health").json()["computed_from"] == "store"
    same = client(copy, campaign=campaign)
    same.get("/api/summary")
    assert same.get("/api/health").json()["computed_from"] == "state"


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_busy_store_serves_the_last_good_values(sim, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(sim[0].read_bytes())
    c = client(db)
    good = c.get("/api/summary").json()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        busy = c.get("/api/summary").json()
        health = c.get("/api/health").json()
    finally:
        holder.communicate("\n", timeout=30)
    assert busy["status"] == "busy" and busy["stale"] is True
    assert {k: v for k, v in busy.items() if k not in ("status", "stale")} == {
        k: v for k, v in good.items() if k not in ("status", "stale")}
    assert health["status"] == "busy" and health["busy"] >= 1 and "busy" in health["last_error"]
    again = c.get("/api/summary").json()
    assert again["status"] == "ok" and again["posts"] == good["posts"]


def test_reading_never_changes_the_store(sim):
    db, _ = sim
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    c = client(db)
    for path in ("/api/summary", "/api/cumulative", "/api/trending", "/api/health"):
        assert c.get(path).status_code == 200
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_refreshes_are_shared_and_rate_limited(sim):
    db, _ = sim
    live = LiveStore(db, min_interval=3600)
    c = client(db, live=live)
    for path in ("/api/summary", "/api/cumulative", "/api/trending", "/api/summary"):
        c.get(path)
    assert live.status.refreshes == 1


def test_openapi_describes_every_endpoint_with_its_response_schema(sim):
    db, _ = sim
    c = client(db)
    schema = c.get("/openapi.json").json()
    api_routes = {r.path for r in c.app.routes if getattr(r, "path", "").startswith("/api/")}
    assert set(schema["paths"]) == api_routes == {
        "/api/summary", "/api/cumulative", "/api/platforms", "/api/roles", "/api/trending",
        "/api/health"}
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        name = ok["$ref"].rsplit("/", 1)[-1]
        assert name in components, path
        body = c.get(path).json()
        assert set(body) == set(components[name]["properties"]), path
    assert "participants" in components["Summary"]["required"]
    assert components["Summary"]["properties"]["participants"]["description"]
    cumulative = components["HourPoint"]["properties"]["cumulative_participants"]
    assert {t["type"] for t in cumulative["anyOf"]} == {"integer", "null"}
    posts = components["HourPoint"]["properties"]["posts"]
    assert {t["type"] for t in posts["anyOf"]} == {"integer", "string", "null"}
    assert '"<k"' in posts["description"]


def test_the_dashboard_suppresses_small_cells(sim):
    """By default (the campaign's policy, k = 10): an hour's counts describing fewer than 10
    people are "<10", the running totals around them null, tags of fewer than 10 accounts left
    out, and the page says so."""
    db, _ = sim
    c = client(db, campaign=db.with_name("c.campaign.toml"))
    points = c.get("/api/cumulative").json()["points"]
    with Store(db, read_only=True) as store:
        raw = {r["hour"]: r for r in store.report(campaign=db.with_name("c.campaign.toml"),
                                                  metrics=["magnitude"])["magnitude"]["hourly"]}
    assert [p["hour"] for p in points] == list(raw)
    small = [p for p in points if p["posts"] == "<10"]
    assert small and all(0 < raw[p["hour"]]["accounts"] < 10 for p in small)
    for p in points:
        truth = raw[p["hour"]]
        if isinstance(p["posts"], int):
            assert p["posts"] == truth["posts"] and truth["accounts"] >= 10 or not truth["posts"]
            assert p["cumulative_posts"] == truth["cumulative_posts"]
        else:
            assert p["cumulative_posts"] is None
        if isinstance(p["new_participants"], int):
            assert p["new_participants"] == truth["new_participants"]
            assert p["new_participants"] == 0 or p["new_participants"] >= 10
    trending = c.get("/api/trending").json()
    for tag in trending["current"] + trending["recent"]:
        assert tag["accounts"] is None or tag["accounts"] >= 10
    assert all(t["peak_accounts"] is None or t["peak_accounts"] >= 10 for t in trending["ever"])
    page = c.get("/").text
    assert 'id="privacy-notice"' in page
    assert "Counts describing fewer than 10 people are shown as" in page


def test_the_page_loads_nothing_from_elsewhere(sim):
    db, _ = sim
    c = client(db, refresh=5)
    page = c.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<meta name="poll-ms" content="5000">' in html
    assert '<script src="static/plotly.min.js"></script>' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "all posts" in html
    js = c.get("/static/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith(
        "application/javascript")
    assert b"plotly.js" in js.content[:500]
    assert c.get("/?poll=0.5").text.count('content="500"') == 1
    for cdn_page in ("/docs", "/redoc"):
        assert c.get(cdn_page).status_code == 404


def test_campaign_name_is_escaped_in_the_page(sim):
    db, truth = sim
    campaign = campaign_from_truth(truth)
    live = LiveStore(db, replace(campaign, name='<script>alert("x")</script>'))
    html = client(db, live=live).get("/").text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_serve_refuses_a_port_in_use_in_one_line(sim):
    db, _ = sim
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(db, port=port, echo=lambda _: None)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_the_store_is_closed_before_the_panels_are_computed(sim, tmp_path, monkeypatch):
    """A writer can commit while the dashboard computes: it only holds the store to copy."""
    db = tmp_path / "copy.duckdb"
    db.write_bytes(sim[0].read_bytes())
    compute = LiveStore._compute
    writable = []

    def computing(self, *args):
        with Store(db) as writer:  # refused while any read-only connection is open
            writable.append(writer.count("posts"))
        return compute(self, *args)

    monkeypatch.setattr(LiveStore, "_compute", computing)
    summary = client(db).get("/api/summary").json()
    assert summary["status"] == "ok" and writable == [summary["posts"]]
