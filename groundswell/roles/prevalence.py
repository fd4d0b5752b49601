"""How many posts play each role: classify, then correct the count for the classifier's
measured errors, with a bootstrap interval.

Why not count the classified posts: a classifier that calls 10 % of commentary "disclosure"
turns a campaign of news into one of testimonies, and the error does not shrink with more
data. Adjusted classify-and-count (ACC: Forman 2005; QuaPy's implementation) measures on
labelled posts how often each true role is predicted as each role, and solves for the shares
that explain the counts observed; its probabilistic form (PACC) does the same with the
classifier's posteriors, which is steadier on small label sets. The 95 % interval comes from
the bootstrap: labelled posts (the error rates' uncertainty) and target posts (the sample's)
are both resampled, the adjustment solved again each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from groundswell.roles.extra import require_roles_extra

__all__ = ["Estimate", "adjusted", "classify_and_count", "estimate"]

METHODS = ("pacc", "acc", "cc")
GROUPS = 1000


@dataclass(frozen=True)
class Estimate:
    """Each role's share of the target posts: the point estimate and its 95 % interval."""

    roles: tuple[str, ...]
    share: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    n: int
    method: str

    def as_rows(self, unit: str = "posts") -> list[dict]:
        """One row per role: its share, interval, and what they mean in ``unit``s."""
        return [{"role": r, "share": round(s, 4), "low": round(lo, 4), "high": round(hi, 4),
                 unit: round(s * self.n), f"{unit}_low": round(lo * self.n),
                 f"{unit}_high": round(hi * self.n)}
                for r, s, lo, hi in zip(self.roles, self.share, self.low, self.high,
                                        strict=True)]


def _one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(labels), k))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def adjusted(rates: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The shares ``p`` (≥ 0, summing to 1) for which ``rates.T @ p`` is closest to
    ``observed``: ``rates[i, j]`` is how often a post of true role i is seen as role j (its
    mean posterior for PACC), ``observed[j]`` the share seen as j among the target posts.
    Solved with QuaPy's adjustment (the exact inversion, the plain count when the rates
    cannot be inverted; a thousand times faster than its optimiser, which the bootstrap
    needs) and its clipping to the simplex."""
    require_roles_extra("correcting the role shares (pacc, acc)")
    from quapy.functional import normalize_prevalence
    from quapy.method.aggregative import ACC

    estimate = ACC.solve_adjustment(class_conditional_rates=rates.T,
                                    unadjusted_counts=observed, solver="exact-cc",
                                    method="inversion")
    return np.asarray(normalize_prevalence(estimate, method="clip"), dtype=float)


def _rates(labelled: np.ndarray, truth: np.ndarray, k: int) -> np.ndarray:
    """rates[i] = the mean output (posterior, or one-hot prediction) of labelled posts of
    true role i; a role without labelled posts is assumed recognised perfectly."""
    rates = np.eye(k)
    for i in range(k):
        mine = labelled[truth == i]
        if len(mine):
            rates[i] = mine.mean(axis=0)
    return rates


def classify_and_count(outputs: np.ndarray) -> np.ndarray:
    """The share of target posts predicted as each role (the biased count)."""
    return np.bincount(outputs.argmax(axis=1), minlength=outputs.shape[1]) / max(len(outputs), 1)


def estimate(roles: Sequence[str], labelled_outputs: np.ndarray, labelled_truth: Sequence[int],
             target_outputs: np.ndarray, method: str = "pacc", bootstrap: int = 200,
             seed: int = 0) -> Estimate:
    """Each role's share among the target posts (see the module).

    ``labelled_outputs``: the classifier's posteriors for labelled posts *it was not trained
    on* (cross-validated), one row per post and a column per role; ``labelled_truth``: their
    roles as indices; ``target_outputs``: its posteriors for the posts to count. ``method``:
    ``pacc`` (posteriors), ``acc`` (predicted roles), or ``cc`` (no correction: for
    comparison only).
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r}: one of {', '.join(METHODS)}")
    k = len(roles)
    truth = np.asarray(labelled_truth, dtype=int)
    lab = np.asarray(labelled_outputs, dtype=float)
    tgt = np.asarray(target_outputs, dtype=float)
    if method == "acc" or method == "cc":
        lab, tgt = _one_hot(lab.argmax(axis=1), k), _one_hot(tgt.argmax(axis=1), k)

    def solve(lab_i: np.ndarray, truth_i: np.ndarray, tgt_i: np.ndarray) -> np.ndarray:
        observed = tgt_i.mean(axis=0) if len(tgt_i) else np.full(k, 1 / k)
        if method == "cc":
            return observed
        return adjusted(_rates(lab_i, truth_i, k), observed)

    point = solve(lab, truth, tgt)
    rng = np.random.default_rng(seed)
    # Resampling a million target posts 200 times costs more than classifying them; their
    # sampling error is tiny beside the labels' anyway. Above GROUPS posts, the target is cut
    # into GROUPS random groups and the groups are resampled (their sums), which has the
    # same variance for a mean.
    if len(tgt) > 20 * GROUPS:
        group = rng.integers(0, GROUPS, len(tgt))
        sums = np.zeros((GROUPS, k))
        np.add.at(sums, group, tgt)
        sizes = np.bincount(group, minlength=GROUPS).astype(float)
    draws = []
    for _ in range(bootstrap if len(tgt) else 0):
        li = rng.integers(0, len(lab), len(lab))
        if len(tgt) > 20 * GROUPS:
            gi = rng.integers(0, GROUPS, GROUPS)
            observed_rows = sums[gi].sum(axis=0, keepdims=True) / sizes[gi].sum()
            draws.append(solve(lab[li], truth[li], observed_rows))
        else:
            ti = rng.integers(0, len(tgt), len(tgt))
            draws.append(solve(lab[li], truth[li], tgt[ti]))
    if draws:
        low, high = np.percentile(np.array(draws), [2.5, 97.5], axis=0)
    else:
        low = high = point
    return Estimate(tuple(roles), tuple(map(float, point)), tuple(map(float, low)),
                    tuple(map(float, high)), len(tgt), method)
