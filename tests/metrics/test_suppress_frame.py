"""``api.suppress``: a table of the user's own published as the report publishes its counts.

On a simulated campaign's store, a question the report does not ask (posts per language and
hour of the first day, with the accounts behind them, counted with plain SQL here) is
suppressed; every shown count is then checked against the people recounted independently,
and every relation (each hour's languages against the hour's total) is attacked by
subtraction. hypothesis throws random breakdowns at it; bad declarations are clear errors.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell import api
from groundswell.policy import Policy
from groundswell.simulate import simulate

K = 10


@pytest.fixture(scope="module")
def question(tmp_path_factory) -> pd.DataFrame:
    """Posts and distinct accounts per language and hour over a simulated campaign's store."""
    folder = tmp_path_factory.mktemp("frame")
    data = folder / "posts.jsonl"
    simulate(6000, fmt="twitter-v2", seed=11, out=data, truth=folder / "truth.json")
    with api.Store(folder / "s.duckdb") as store:
        store.ingest([data])
        return store.con.execute(
            "SELECT date_trunc('hour', created_at) AS hour, coalesce(lang, '?') AS lang, "
            "count(*)::BIGINT AS posts, count(DISTINCT author_id)::BIGINT AS accounts, "
            "any_value(h.people)::BIGINT AS hour_people FROM posts JOIN ("
            "  SELECT date_trunc('hour', created_at) AS hour, count(DISTINCT author_id) AS people"
            "  FROM posts GROUP BY 1) h ON date_trunc('hour', created_at) = h.hour "
            "GROUP BY 1, 2 ORDER BY 1, 2").df()


def hidden(value) -> bool:
    return value is None or isinstance(value, str)


def attack(people: list[int], shown: list, total_people: int, where: str) -> None:
    """What subtraction from a known total gives back: a total of fewer than k people is
    itself shown as "<k" wherever it is published, so only a larger one is known. Then one
    unknown is solved; unknowns that are all small are allowed only when every non-zero count
    is unknown (subtraction then gives back only the total)."""
    unknown = [p for p, v in zip(people, shown, strict=True) if hidden(v)]
    if not unknown or total_people < K:
        return
    assert len(unknown) >= 2, f"{where}: one unknown is solved by subtraction"
    assert max(unknown) >= K or len(unknown) == sum(1 for p in people if p), \
        f"{where}: only small counts are unknown"


def test_a_question_of_ones_own_is_published_like_the_report(question):
    people = question.groupby("hour").hour_people.first()
    shown = api.suppress(question.drop(columns="hour_people"), {"posts": "accounts"},
                         totals=["hour"], policy=Policy(k=K))
    question = question.drop(columns="hour_people")
    assert list(shown.columns) == ["hour", "lang", "posts"]  # the people column is left out
    merged = question.merge(shown, on=["hour", "lang"], suffixes=("", "_shown"))
    small = merged[(merged.accounts > 0) & (merged.accounts < K)]
    assert len(small) > 20  # the question has small cells to protect
    assert (small.posts_shown == f"<{K}").all()
    for _, row in merged[merged.accounts >= K].iterrows():
        assert row.posts_shown is None or row.posts_shown == row.posts
    for hour, rows in merged.groupby("hour"):  # the hour's total is known: subtract
        attack(rows.accounts.tolist(), rows.posts_shown.tolist(), people[hour], str(hour))


def test_the_campaign_file_sets_k_and_none_turns_totals_off(question, tmp_path):
    campaign = tmp_path / "c.toml"
    campaign.write_text('name = "c"\n\n[tags]\nmain = "metoo"\n\n[privacy]\nmin_cell = 3\n')
    question = question.drop(columns="hour_people")
    shown = api.suppress(question, {"posts": "accounts"}, campaign, totals=None)
    merged = question.merge(shown, on=["hour", "lang"], suffixes=("", "_shown"))
    assert (merged[(merged.accounts > 0) & (merged.accounts < 3)].posts_shown == "<3").all()
    # no total is known: nothing beyond the small cells is withheld
    assert merged[merged.accounts >= 3].posts_shown.tolist() == \
        merged[merged.accounts >= 3].posts.tolist()


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_no_breakdown_gives_a_small_count_back(people):
    frame = pd.DataFrame({"row": [f"r{i}" for i in range(len(people))],
                          "accounts": pd.array(people, dtype="int64")})
    shown = api.suppress(frame, {"accounts": None}, policy=Policy(k=K))
    values = shown.accounts.tolist()
    for real, value in zip(people, values, strict=True):
        if 0 < real < K:
            assert value == f"<{K}"
        elif not hidden(value):
            assert value == real
    attack(people, values, sum(people), "the breakdown")


def test_what_cannot_be_suppressed_is_said(question):
    question = question.drop(columns="hour_people")
    with pytest.raises(ValueError, match="no column 'people'"):
        api.suppress(question, {"posts": "people"})
    with pytest.raises(ValueError, match="not counts"):
        api.suppress(question.assign(posts=question.posts / 2), {"posts": "accounts"})
    with pytest.raises(ValueError, match="names several rows"):
        api.suppress(question, {"posts": "accounts"}, key=["hour"])
    with pytest.raises(ValueError, match="totals must be columns of the key"):
        api.suppress(question, {"posts": "accounts"}, key=["hour", "lang"], totals=["posts"])
