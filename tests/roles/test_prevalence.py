"""The corrected estimate covers the true shares where the plain count does not: a classifier
with known errors, drawn again for 20 seeds."""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.roles.prevalence import classify_and_count, estimate

ROLES = ("disclosure", "support", "commentary", "other")
#: how often a post of each true role (row) is predicted as each role (column)
CONFUSION = np.array([[0.70, 0.12, 0.10, 0.08],
                      [0.10, 0.75, 0.05, 0.10],
                      [0.25, 0.05, 0.60, 0.10],  # news read as testimony
                      [0.10, 0.05, 0.15, 0.70]])
TRUE_SHARES = np.array([0.45, 0.25, 0.10, 0.20])


def _predictions(rng, truth: np.ndarray) -> np.ndarray:
    predicted = np.array([rng.choice(len(ROLES), p=CONFUSION[t]) for t in truth])
    out = np.zeros((len(truth), len(ROLES)))
    out[np.arange(len(truth)), predicted] = 1.0
    return out


def _draw(seed: int, labelled: int = 600, target: int = 3000):
    rng = np.random.default_rng(seed)
    lab_truth = rng.choice(len(ROLES), size=labelled)  # labels: a sample of any make-up
    tgt_truth = rng.choice(len(ROLES), size=target, p=TRUE_SHARES)
    return lab_truth, _predictions(rng, lab_truth), _predictions(rng, tgt_truth), tgt_truth


@pytest.mark.parametrize("method", ["acc", "pacc"])
def test_the_interval_covers_the_truth_where_counting_misses(method):
    covered = missed_by_counting = 0  # (seed, role) pairs whose interval holds the share
    for seed in range(20):
        lab_truth, lab_out, tgt_out, tgt_truth = _draw(seed)
        found = estimate(ROLES, lab_out, lab_truth, tgt_out, method=method, bootstrap=150,
                         seed=seed)
        actual = np.bincount(tgt_truth, minlength=len(ROLES)) / len(tgt_truth)
        covered += sum(lo <= a <= hi for lo, a, hi in zip(found.low, actual, found.high,
                                                          strict=True))
        counted = classify_and_count(tgt_out)
        missed_by_counting += abs(counted[0] - actual[0]) > 0.03
    assert covered >= 0.9 * 20 * len(ROLES)  # each role's interval, in ≥ 90 % of 20 seeds
    assert missed_by_counting >= 18  # the plain count of disclosures is off by > 3 points


def test_no_correction_is_the_plain_count():
    lab_truth, lab_out, tgt_out, _ = _draw(1)
    found = estimate(ROLES, lab_out, lab_truth, tgt_out, method="cc", bootstrap=0)
    assert np.allclose(found.share, classify_and_count(tgt_out))
    assert found.low == found.share  # no bootstrap: no interval but the point


def test_shares_are_a_distribution_and_rows_add_up():
    lab_truth, lab_out, tgt_out, _ = _draw(2)
    found = estimate(ROLES, lab_out, lab_truth, tgt_out, bootstrap=50)
    assert abs(sum(found.share) - 1) < 1e-9 and min(found.share) >= 0
    rows = found.as_rows()
    assert [r["role"] for r in rows] == list(ROLES)
    assert all(r["posts_low"] <= r["posts"] <= r["posts_high"] for r in rows)
    with pytest.raises(ValueError, match="method"):
        estimate(ROLES, lab_out, lab_truth, tgt_out, method="median")


def test_a_big_target_is_resampled_by_groups_with_the_same_spread(monkeypatch):
    from groundswell.roles import prevalence

    lab_truth, lab_out, tgt_out, _ = _draw(3, labelled=400, target=30_000)
    grouped = estimate(ROLES, lab_out, lab_truth, tgt_out, bootstrap=400, seed=3)
    monkeypatch.setattr(prevalence, "GROUPS", 10**9)  # never grouped: every post resampled
    every = estimate(ROLES, lab_out, lab_truth, tgt_out, bootstrap=400, seed=3)
    assert grouped.share == every.share
    for g_lo, g_hi, e_lo, e_hi in zip(grouped.low, grouped.high, every.low, every.high,
                                      strict=True):
        assert abs((g_hi - g_lo) - (e_hi - e_lo)) <= 0.3 * (e_hi - e_lo)  # Monte Carlo noise
