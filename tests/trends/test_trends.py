"""The trending score: its definition unit by unit, and what it finds on planted campaigns."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from groundswell import Store
from groundswell.cli import main
from groundswell.demo import campaign_from_truth
from groundswell.metrics import Scope, Tables
from groundswell.simulate import simulate
from groundswell.simulate.phrases import BACKGROUND
from groundswell.text import normalize_tag
from groundswell.trends.batch import trends
from groundswell.trends.score import TrendParams, expected, trend_series, window_score

#: The simulator's background chatter: steady tags, never part of the campaign.
BACKGROUND_TAGS = tuple(normalize_tag(tag) for tag, _, _ in BACKGROUND if tag)

P = TrendParams(lookback=4, period=3, min_accounts=5, min_score=10, half_life=2,
                cooldown=6, warmup=2)


def test_expected_is_the_larger_of_recent_mean_and_same_time_last_period_floored_at_one():
    history = [4, 8, 0, 0, 12]
    assert expected(history, 0, P) == 1.0                    # no history: the floor
    assert expected(history, 4, P) == max(1, 12 / 4, history[1])   # mean 3 vs same time 8
    assert expected([0, 0, 0, 0, 0], 4, P) == 1.0


def test_score_is_zero_below_min_accounts_or_expectation():
    assert window_score(4, 1, P) == 0.0          # under min_accounts
    assert window_score(6, 7, P) == 0.0          # fewer than expected
    assert window_score(9, 4, P) == (9 - 4) ** 2 / 4


def test_trend_score_decays_with_half_life_and_respects_warmup_and_cooldown():
    series = [0, 0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0]
    t = trend_series("x", series, P)
    peak = (41 - 1) ** 2 / 1
    assert t.scores[3] == peak
    assert t.trend[5] == pytest.approx(peak / 2)              # one half-life later
    assert t.first_trending == 3 and t.peak == 3
    assert not t.trending[10]                                 # beyond the cooldown: forgotten
    early = trend_series("x", [41, 0, 0], P)
    assert not any(early.trending[: P.warmup])                # nothing trends during warm-up


@pytest.fixture(scope="module", params=[7, 8])
def planted(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"trend{request.param}")
    truth = simulate(40_000, seed=request.param, out=folder / "c.jsonl")
    store = Store(folder / "s.duckdb")
    store.ingest([folder / "c.jsonl"])
    scope = Scope(campaign_from_truth(truth), store.pseudonym_key)
    yield truth, store, trends(Tables.from_backend(store.ibis), scope)
    store.close()


def test_response_tag_trends_soon_after_it_starts_and_is_flagged(planted):
    truth, _, result = planted
    found = {t["tag"]: t for t in result["trending"]}
    response = found["ibelieveyou"]
    start = datetime.fromisoformat(truth["response_tag_start"][:-1])
    detected = datetime.fromisoformat(response["first_trending_at"][:-1])
    assert 0 <= (detected - start).total_seconds() / 3600 + 1 <= 6
    assert response["response_tag"] and response["lift"] > 1 and not response["campaign_tag"]
    assert found["metoo"]["campaign_tag"] and not found["metoo"]["response_tag"]
    assert response["peak_at"] >= response["first_trending_at"]


def test_background_tags_do_not_trend(planted):
    _, _, result = planted
    assert not {t["tag"] for t in result["trending"]} & set(BACKGROUND_TAGS)


def test_window_ranking_lists_trending_tags_by_score(planted):
    _, _, result = planted
    assert result["windows"]
    for window in result["windows"]:
        scores = [t["score"] for t in window["tags"]]
        assert scores == sorted(scores, reverse=True) and min(scores) >= 100


def test_cli_trends_and_window_option(planted):
    _, store, result = planted
    db = str(store.path)
    store.close()
    runner = CliRunner()
    got = json.loads(runner.invoke(main, ["trends", "--db", db, "--json"]).stdout)
    assert {t["tag"] for t in got["trending"]} >= {"ibelieveyou", "metoo"}
    daily = json.loads(runner.invoke(main, ["trends", "--db", db, "--json", "--window",
                                            "1d"]).stdout)
    assert daily["window_seconds"] == 86400
    streamed = json.loads(runner.invoke(main, ["trends", "--db", db, "--json",
                                               "--stream"]).stdout)
    assert {t["tag"] for t in streamed["trending"]} >= {"ibelieveyou", "metoo"}
    bad = runner.invoke(main, ["trends", "--db", db, "--window", "soon"])
    assert bad.exit_code == 2 and "use a number and a unit" in bad.output
