"""Which posts to label: a stratified sample, so a few hundred labels speak for the campaign.

Why stratified: a campaign's first day, its main language and its originals dominate any
simple random sample, while the classifier must be right on the later days, the other
languages and the replies too (and the prevalence correction needs every role's errors). Each
stratum (day × language × kind) gets its share of the sample by size (largest remainders,
then at least one post per stratum when the sample has room for one each), drawn at random
with a seed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

__all__ = ["stratified"]


def stratified(rows: Sequence[dict], n: int, stratum: Callable[[dict], Hashable],
               seed: int = 0) -> list[dict]:
    """``n`` rows (all of them when fewer), shared between strata by size, in the rows'
    order. Same rows and seed, same sample."""
    if n >= len(rows):
        return list(rows)
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[stratum(row)].append(i)
    keys = sorted(groups, key=repr)
    exact = {k: n * len(groups[k]) / len(rows) for k in keys}
    share = {k: int(exact[k]) for k in keys}
    for k in sorted(keys, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if sum(share.values()) >= n:
            break
        share[k] += 1  # the largest remainders
    if n >= len(keys):  # then every stratum at least one, taken from the biggest shares
        for k in keys:
            if share[k] == 0:
                biggest = max(keys, key=lambda b: share[b])
                share[biggest] -= 1
                share[k] = 1
    rng = random.Random(seed)
    chosen = sorted(i for k in keys for i in rng.sample(groups[k], min(share[k],
                                                                       len(groups[k]))))
    return [rows[i] for i in chosen]
