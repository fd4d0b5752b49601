"""The roles metric: asked for by a campaign's [roles] section, every authored matching post
classified, shares that add up, people by their first post, a model's estimate corrected with
an interval, per language, per day and per platform; the HTML page and --json carry it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from groundswell import api
from groundswell.demo import campaign_from_truth
from groundswell.roles.model import RoleModel
from groundswell.roles.rules import classify
from groundswell.simulate import simulate


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("roles")
    truth = simulate(6000, seed=7, out=tmp / "r.jsonl")
    store = api.Store(tmp / "r.duckdb")
    store.ingest([tmp / "r.jsonl"])
    campaign = replace(campaign_from_truth(truth),
                       roles_config=json.dumps({"phrases": {"support": {"en": ["heard"]}}}))
    yield store, campaign, tmp
    store.close()


def _authored(store, campaign) -> int:
    return store.report(campaign=campaign, metrics=["magnitude"])["magnitude"][
        "posts"] - store.report(campaign=campaign, metrics=["magnitude"])["magnitude"][
        "posts_by_kind"]["repost"]


def test_a_campaign_with_roles_gets_them_and_they_add_up(simulated):
    store, campaign, _ = simulated
    results = store.report(campaign=campaign)
    assert "roles" in results and "magnitude" in results  # added to the default ones
    roles = results["roles"]
    assert roles["classifier"].startswith("rules") and roles["method"] == "cc"
    assert roles["authored_posts"] == _authored(store, campaign)
    assert sum(r["posts"] for r in roles["posts"]) == roles["authored_posts"]
    assert sum(r["people"] for r in roles["people"]) == roles["people_with_authored_posts"]
    assert roles["people_with_authored_posts"] == results["magnitude"]["participants"]
    disclosed = next(r for r in roles["people"] if r["role"] == "disclosure")["people"]
    assert roles["headline"].startswith(f"{disclosed:,} people said it happened to them")
    days = {r["day"] for r in roles["by_day"]}
    assert len(days) >= 5 and all(
        abs(sum(r["share"] for r in roles["by_day"] if r["day"] == d) - 1) < 0.01 for d in days)
    assert {r["lang"] for r in roles["by_language"]} >= {"en", "fr"}
    assert "roles" not in store.report(campaign=replace(campaign, roles_config=None))


def test_a_model_gives_corrected_shares_with_intervals(simulated):
    store, campaign, tmp = simulated
    texts = [t for (t,) in store.con.execute(
        "SELECT text FROM posts WHERE kind <> 'repost' AND text IS NOT NULL "
        "ORDER BY post_id LIMIT 600").fetchall()]
    model = RoleModel.train(texts, classify(texts)).save(tmp / "m.model")
    roles = store.report(campaign=campaign, metrics=["roles"],
                         options={"roles": {"model": str(model), "bootstrap": 50}})["roles"]
    assert roles["classifier"].startswith(f"model {model}") and roles["method"] == "pacc"
    for row in roles["posts"] + roles["people"]:
        assert row["low"] <= row["share"] <= row["high"]
    assert any(r["low"] < r["high"] for r in roles["posts"])
    assert "95% interval" in roles["headline"]


def test_per_platform_html_and_json(simulated, tmp_path):
    store, campaign, _ = simulated
    page = api.write_html(tmp_path / "r.html", store, campaign=campaign)
    html = page.read_text()
    assert "Roles: who said it happened to them" in html
    flat = api.report_json(store.report(campaign=campaign))
    assert flat["roles"]["headline"]


def test_the_dashboard_panel(simulated):
    from groundswell.scope import Scope, Tables

    store, campaign, _ = simulated
    tables = Tables.from_backend(store.ibis)
    rows = api.panels(tables, Scope(campaign, store.pseudonym_key), ["roles"])["roles"]["rows"]
    report = store.report(campaign=campaign, metrics=["roles"])["roles"]
    assert [(r["role"], r["posts"], r["people"]) for r in rows] == [
        (p["role"], p["posts"], q["people"]) for p, q in zip(report["posts"], report["people"],
                                                             strict=True)]
    no_roles = api.panels(tables, Scope(replace(campaign, roles_config=None)), ["roles"])
    assert no_roles["roles"]["rows"] == []
