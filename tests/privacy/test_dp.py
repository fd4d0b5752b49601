"""Differentially private releases (issue 26, point 2): the exact bounded counts are what plain
SQL counts; the stated 95 % error holds at its stated rate over many releases; ε per group adds
up to the release's ε; the ledger records every spend and refuses a release past the budget.

OpenDP draws its noise from the system's secure random source and cannot be seeded, so the
coverage test takes enough draws that chance cannot fail it: 600 releases of 36 numbers,
whose pooled coverage has a binomial standard deviation of about 0.0015 around its expected
value (0.9525 for these scales); the test allows 0.93–0.97, over 10 standard deviations, and
at most 5 standard deviations from the expected value (a chance failure about once in a
million runs)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pytest
from rich.console import Console

from groundswell import api
from groundswell.demo import DEMO_START, write_campaign
from groundswell.policy import Policy
from groundswell.privacy import dp, ledger
from groundswell.simulate import simulate
from groundswell.store import StoreError

BOUND = dp.DEFAULT_BOUND


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """About 4,000 posts of one campaign on Twitter and Bluesky, in one store."""
    tmp = tmp_path_factory.mktemp("dp")
    truths = [simulate(2500, fmt="twitter-v2", seed=7, out=tmp / "t.jsonl", start=DEMO_START),
              simulate(1500, fmt="bluesky-jetstream", seed=8, out=tmp / "b.jsonl",
                       start=DEMO_START)]
    store = api.Store(tmp / "dp.duckdb")
    store.ingest([tmp / "t.jsonl", tmp / "b.jsonl"])
    campaign = write_campaign(truths, tmp / "metoo.campaign.toml", "test")
    yield store, campaign
    store.close()


@pytest.fixture(scope="module")
def exact(simulated):
    store, campaign = simulated
    return dp.exact_counts(store, campaign)


# -- the exact counts -----------------------------------------------------------------------------
MATCHED_SQL = """
    WITH matched AS (
        SELECT p.* FROM posts p
        WHERE p.created_at >= $start AND p.created_at < $end AND p.author_id IS NOT NULL
          AND (EXISTS (SELECT 1 FROM post_hashtags h WHERE h.platform = p.platform
                       AND h.post_id = p.post_id AND list_contains($tags, h.tag))
               OR (list_contains($origins, p.reply_to_post_id)
                   AND regexp_matches(lower(p.text), '(^|[^a-z0-9_])me too($|[^a-z0-9_])')))
    ), ranked AS (
        SELECT *, row_number() OVER (PARTITION BY platform, author_id
                                     ORDER BY created_at NULLS LAST, post_id) AS nth
        FROM matched
    ), first AS (
        SELECT platform, author_id, min(created_at) AS first_at FROM matched
        WHERE kind <> 'repost' GROUP BY ALL
    )
"""


def _sql(store, campaign, select: str, bound: int = BOUND) -> dict:
    params = {"start": campaign.start, "end": campaign.end, "tags": list(campaign.tags),
              "origins": list(campaign.origin_post_ids), "bound": bound}
    query = MATCHED_SQL + select
    return dict(store.con.execute(query, {k: v for k, v in params.items()
                                          if f"${k}" in query}).fetchall())


def test_the_exact_bounded_counts_are_what_plain_sql_counts(simulated, exact):
    store, campaign = simulated
    days = exact.labels["day"]
    assert days[0] == campaign.start.date().isoformat() and len(days) == 9
    daily = _sql(store, campaign, "SELECT strftime(created_at, '%Y-%m-%d'), count(*) "
                                  "FROM ranked WHERE nth <= $bound GROUP BY ALL")
    assert exact.counts["daily_posts"] == tuple(daily.get(d, 0) for d in days)
    new = _sql(store, campaign, "SELECT strftime(first_at, '%Y-%m-%d'), count(*) "
                                "FROM first GROUP BY ALL")
    assert exact.counts["daily_new_participants"] == tuple(new.get(d, 0) for d in days)
    platforms = exact.labels["platform"]
    assert platforms == ("twitter", "bluesky", "mastodon", "other")
    posts = _sql(store, campaign, "SELECT platform, count(*) FROM ranked WHERE nth <= $bound "
                                  "GROUP BY ALL")
    assert exact.counts["platform_posts"] == tuple(posts.get(p, 0) for p in platforms)
    people = _sql(store, campaign, "SELECT platform, count(*) FROM first GROUP BY ALL")
    assert exact.counts["platform_participants"] == tuple(people.get(p, 0) for p in platforms)
    assert min(posts["twitter"], posts["bluesky"], people["bluesky"]) > 100
    # roles: every bounded authored post and every participant has exactly one role
    authored = _sql(store, campaign, "SELECT 1, count(*) FROM ranked WHERE nth <= $bound "
                                     "AND kind <> 'repost'")[1]
    assert sum(exact.counts["role_posts"]) == authored
    assert sum(exact.counts["role_participants"]) == sum(people.values())
    assert exact.labels["role"] == ("disclosure", "support", "commentary", "opposition",
                                    "other")
    assert min(exact.counts["role_participants"][:3]) > 0


def test_participants_are_magnitudes_and_the_bound_drops_posts(simulated, exact):
    store, campaign = simulated
    magnitude = store.report(campaign=campaign, metrics=["magnitude"])["magnitude"]
    assert sum(exact.counts["daily_new_participants"]) == magnitude["participants"]
    assert [r["new_participants"] for r in magnitude["daily"]] == \
        list(exact.counts["daily_new_participants"])
    # direct matches only, each account's first C: fewer posts than magnitude counts
    assert sum(exact.counts["daily_posts"]) < magnitude["posts"]
    one = dp.exact_counts(store, campaign, bound=1)
    accounts = _sql(store, campaign, "SELECT 1, count(DISTINCT (platform, author_id)) "
                                     "FROM matched")[1]
    assert sum(one.counts["platform_posts"]) == accounts  # one post per account
    assert one.counts["daily_new_participants"] == exact.counts["daily_new_participants"]


def test_the_days_are_public_unless_the_campaign_has_no_window(simulated):
    store, campaign = simulated
    open_ended = replace(campaign, start=None, end=None)
    found = dp.exact_counts(store, open_ended)
    assert not found.days.protected and found.days.source == "first to last matching post"
    first, last = store.con.execute("SELECT min(created_at)::DATE, max(created_at)::DATE "
                                    "FROM posts").fetchall()[0]
    assert first <= found.days.first and found.days.last <= last
    given = dp.exact_counts(store, campaign, days=(date(2025, 10, 16), date(2025, 10, 17)))
    assert given.labels["day"] == ("2025-10-16", "2025-10-17") and given.days.protected
    released = dp.release(store, open_ended, Policy.of(open_ended), record=False)
    assert released["days"]["protected"] is False
    assert any("not protected" in note for note in released["notes"])


# -- the noise ------------------------------------------------------------------------------------
def _coverage_expected(scale: float, error: int) -> float:
    """P(|X| <= error) for X discrete Laplace of ``scale``: P(|X| >= k) = 2 e^(-k/s) / (1 +
    e^(-1/s)) for k >= 1."""
    return 1 - 2 * math.exp(-(error + 1) / scale) / (1 + math.exp(-1 / scale))


def test_the_stated_error_holds_at_the_stated_rate(simulated, exact, monkeypatch):
    store, campaign = simulated
    monkeypatch.setattr(dp, "exact_counts", lambda *a, **k: exact)  # one count, many draws
    policy = Policy.of(campaign)
    releases = 600
    inside = total = 0
    expected = 0.0
    by_group: dict[str, list[int]] = {}
    errors = []
    for _ in range(releases):
        released = dp.release(store, campaign, policy, record=False)
        scales = {g["group"]: g["scale"] for g in released["groups"]}
        for row in released["rows"]:
            group, label = row["group"], row[next(iter(set(row) & {"day", "platform", "role"}))]
            truth = exact.counts[group][exact.labels[_by(group)].index(label)]
            hit = abs(row["noisy"] - truth) <= row["error95"]
            inside += hit
            total += 1
            expected += _coverage_expected(scales[group], row["error95"])
            by_group.setdefault(group, [0, 0])[0] += hit
            by_group[group][1] += 1
            errors.append(row["noisy"] - truth)
    coverage, expected = inside / total, expected / total
    sd = math.sqrt(expected * (1 - expected) / total)
    print(f"coverage {coverage:.4f} over {total:,} numbers (expected {expected:.4f}, "
          f"sd {sd:.4f}); by group "
          + ", ".join(f"{g} {h / n:.4f}" for g, (h, n) in by_group.items()))
    assert total == releases * 36
    assert 0.95 <= expected < 0.96  # floor(accuracy) keeps at least 95 %
    assert 0.93 <= coverage <= 0.97
    assert abs(coverage - expected) <= 5 * sd
    assert all(0.92 <= h / n <= 0.98 for h, n in by_group.values())  # 4,000+ draws each
    assert abs(sum(errors) / len(errors)) < 2.5  # unbiased (sd of the mean: 0.41)
    assert ledger.spent(store, campaign) == 0  # record=False


def _by(group: str) -> str:
    return next(g.by for g in dp.GROUPS if g.name == group)


def test_each_group_states_its_epsilon_and_they_add_up(simulated):
    store, campaign = simulated
    released = dp.release(store, campaign, Policy.of(campaign), 0.7, record=False)
    json.dumps(released)  # JSON-ready as it is
    groups = released["groups"]
    assert [g["group"] for g in groups] == list(dp.GROUP_NAMES)
    assert released["epsilon"] == 0.7
    assert math.isclose(sum(g["epsilon"] for g in groups), 0.7, rel_tol=1e-12)
    for g in groups:
        assert g["sensitivity"] == (BOUND if g["group"].endswith("posts") else 1)
        assert g["scale"] == pytest.approx(g["sensitivity"] / g["epsilon"])
        rows = [r for r in released["rows"] if r["group"] == g["group"]]
        assert len(rows) == g["numbers"] > 0
        assert all(r["epsilon"] == g["epsilon"] and r["error95"] == g["error95"]
                   and r["value"] == max(r["noisy"], 0) for r in rows)
    for mech in dp.mechanisms(0.7):  # OpenDP's own privacy map agrees
        assert mech.measurement.map(mech.sensitivity) <= 0.7 / 6 + 1e-12
    assert released["bound"]["posts_per_account"] == BOUND
    assert released["unit"] == "account" and "OpenDP" in released["mechanism"]
    two = dp.release(store, campaign, Policy.of(campaign), 0.5, groups=["daily_posts",
                     "platform_participants"], record=False)
    assert [g["epsilon"] for g in two["groups"]] == [0.25, 0.25]
    assert {r["group"] for r in two["rows"]} == {"daily_posts", "platform_participants"}


def test_a_smaller_bound_or_a_larger_epsilon_means_a_smaller_error():
    base = {m.group.name: m.error95 for m in dp.mechanisms(1.0, 10)}
    assert base["daily_posts"] > base["daily_new_participants"]
    assert all(m.error95 < base[m.group.name] for m in dp.mechanisms(2.0, 10))
    assert dp.mechanisms(1.0, 5)[0].error95 < base["daily_posts"]


# -- the ledger -----------------------------------------------------------------------------------
def test_the_ledger_records_each_release_and_refuses_one_past_the_budget(simulated, exact,
                                                                       monkeypatch):
    store, campaign = simulated
    monkeypatch.setattr(dp, "exact_counts", lambda *a, **k: exact)
    mine = replace(campaign, name="ledger test", privacy_budget=1.0, privacy_epsilon=0.6)
    policy = Policy.of(mine)
    assert ledger.spent(store, mine) == 0 and ledger.entries(store, mine) == []
    first = dp.release(store, mine, policy)
    assert first["recorded"] and first["epsilon"] == 0.6
    assert (first["spent_before"], first["spent_after"]) == (0, 0.6)
    assert first["remaining"] == pytest.approx(0.4)
    assert ledger.spent(store, mine) == 0.6
    [entry] = ledger.entries(store, mine)
    assert entry["epsilon"] == 0.6 and json.loads(entry["what"])["bound"] == BOUND
    assert entry["released_at"] == first["released_at"]
    with pytest.raises(ledger.PrivacyBudgetError) as refused:
        dp.release(store, mine, policy)
    assert isinstance(refused.value, StoreError)
    message = str(refused.value)
    assert "spent ε 0.6" in message and "budget 1" in message and "asks ε 0.6" in message
    assert "at most ε 0.4" in message
    with pytest.raises(ledger.PrivacyBudgetError):
        dp.release(store, mine, policy, record=False)  # a dry run is refused alike
    assert ledger.spent(store, mine) == 0.6 and len(ledger.entries(store, mine)) == 1
    dp.release(store, mine, policy, 0.4)  # exactly what is left
    assert ledger.spent(store, mine) == pytest.approx(1.0)
    with pytest.raises(ledger.PrivacyBudgetError, match="raise the budget"):
        dp.release(store, mine, policy, 0.01)
    # another campaign has a budget of its own; the store adds up both
    other = replace(mine, name="another")
    dp.release(store, other, Policy.of(other), 0.5)
    assert ledger.spent(store, other) == 0.5
    assert ledger.spent_in_store(store) >= 1.5


def test_small_spends_add_up_to_the_budget_exactly(simulated, exact, monkeypatch):
    store, campaign = simulated
    monkeypatch.setattr(dp, "exact_counts", lambda *a, **k: exact)
    mine = replace(campaign, name="tenths", privacy_budget=1.0)
    for _ in range(10):  # 0.1 ten times is 1.0000000000000002 in floating point
        dp.release(store, mine, Policy.of(mine), 0.1)
    assert len(ledger.entries(store, mine)) == 10
    with pytest.raises(ledger.PrivacyBudgetError):
        dp.release(store, mine, Policy.of(mine), 0.1)


def test_a_failed_release_spends_nothing(simulated, monkeypatch):
    store, campaign = simulated
    mine = replace(campaign, name="failing")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(dp, "noisy", broken)
    with pytest.raises(RuntimeError):
        dp.release(store, mine, Policy.of(mine))
    assert ledger.spent(store, mine) == 0 and ledger.entries(store, mine) == []


def test_bad_arguments_fail_before_any_work(simulated):
    store, campaign = simulated
    policy = Policy.of(campaign)
    for epsilon in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="ε must be a positive number"):
            dp.release(store, campaign, policy, epsilon)
    with pytest.raises(ValueError, match="unknown DP group"):
        dp.release(store, campaign, policy, groups=["daily_likes"])
    with pytest.raises(ValueError, match="bound"):
        dp.exact_counts(store, campaign, bound=0)
    with pytest.raises(ValueError, match="bound"):
        dp.release(store, campaign, policy, bound=0, record=False)
    with pytest.raises(ledger.PrivacyBudgetError):
        dp.release(store, campaign, policy, policy.budget + 1, record=False)


def test_a_read_only_store_releases_a_dry_run_and_refuses_to_record(simulated, tmp_path):
    store, campaign = simulated
    path = tmp_path / "copy.duckdb"
    store.con.execute("CHECKPOINT")
    path.write_bytes(store.path.read_bytes())
    with api.Store(path, read_only=True) as readonly:
        assert dp.release(readonly, campaign, Policy.of(campaign), record=False)["rows"]
        with pytest.raises(StoreError, match="open the store for writing"):
            dp.release(readonly, campaign, Policy.of(campaign))


# -- the terminal ---------------------------------------------------------------------------------
def test_render_shows_each_number_with_its_error(simulated):
    store, campaign = simulated
    released = dp.release(store, campaign, Policy.of(campaign), record=False)
    console = Console(width=120, record=True)
    for part in dp.render(released):
        console.print(part)
    text = console.export_text()
    assert "NOT recorded" in text and "Per UTC day" in text and "Per role" in text
    first = released["rows"][0]
    assert f"{first['value']:,} ± {first['error95']:,}" in text
    assert "ε 0.167" in text and "budget 3" in text
