"""The rare cases of real collections, planted at a small rate so that the tests at scale meet
them too (each rule they exercise also has a hand-built test: ``tests/metrics/test_edges.py``).

- **Reposts of a repost.** Platforms record every repost as pointing at the original, but
  damaged or foreign data holds chains; the matching rule's third clause (a repost of a
  matching post that is not itself a repost) must not follow them. A few later reposts of a
  post are pointed at its first repost instead (by another account, earlier in time, never
  deleted), and rendered as such: "RT @b: RT @a: …", cut at 140 code points. Bluesky and
  Mastodon record such a repost against the original (Bluesky names the repost it was made
  from in ``via``; boosting a boost boosts the original), and so does their truth.
- **Accounts at the public-figure threshold.** Ordinary accounts have at most 95,000
  followers and public figures at least 150,000, so nobody would sit at the threshold that
  decides whose name a report shows. A few ordinary authors of campaign posts get exactly
  one fewer, the threshold, and one more, without a verified badge.

The third rare case, a campaign window narrower than the data, is the planted campaign's own
(:data:`groundswell.simulate.truth.WINDOW_HOURS_BEFORE`, ``WINDOW_DAYS``).
"""

from __future__ import annotations

import numpy as np

from groundswell.simulate.accounts import PUBLIC_FIGURE_FOLLOWERS, Accounts
from groundswell.simulate.model import EN, ORDINARY, REPLY, REPOST, Campaign

#: Share of reposts pointed at an earlier repost of the same post.
CHAIN_SHARE = 0.002
#: Posts per trio of threshold accounts (at least one trio from 1000 posts).
POSTS_PER_TRIO = 30_000


def chain_reposts(rng: np.random.Generator, camp: Campaign) -> int:
    """Point a few reposts at the first repost of their post; return how many."""
    kind, author, parent = camp.kind, camp.author, camp.parent
    reposts = np.flatnonzero((kind == REPOST) & (camp.special == ORDINARY) & ~camp.deleted)
    if camp.size < 1000 or not reposts.size:
        return 0
    first: dict[int, int] = {}
    candidates = []
    for r, c in zip(reposts.tolist(), parent[reposts].tolist(), strict=True):
        earliest = first.setdefault(c, r)  # rows are in time order
        if earliest != r and author[earliest] != author[r]:
            candidates.append(r)
    n = min(len(candidates), max(1, round(CHAIN_SHARE * reposts.size)))
    chosen = np.sort(rng.choice(np.array(candidates, np.int64), n, replace=False)) \
        if candidates else np.array([], np.int64)
    parent[chosen] = [first[int(parent[r])] for r in chosen.tolist()]
    return int(chosen.size)


def threshold_accounts(rng: np.random.Generator, camp: Campaign, acc: Accounts) -> list[int]:
    """Give trios of ordinary campaign authors ``threshold - 1``, ``threshold`` and
    ``threshold + 1`` followers and no badge; return their account rows."""
    if camp.size < 1000:
        return []
    spoke = (camp.stream == EN) & (camp.kind != REPOST) & (camp.special == ORDINARY) & (
        camp.kind != REPLY) & ~camp.deleted
    authors = np.unique(camp.author[spoke])
    authors = authors[authors >= acc.ordinary_start]
    trios = min(max(1, camp.size // POSTS_PER_TRIO), authors.size // 3)
    chosen = rng.choice(authors, 3 * trios, replace=False).tolist()
    for i, a in enumerate(chosen):
        acc.followers[a] = PUBLIC_FIGURE_FOLLOWERS - 1 + i % 3
        acc.verified[a] = False
    return chosen
