"""Per-post fields both writers need, computed once with numpy.

Why precompute: the writers' inner loops are plain Python over a million posts, so anything
that can be an array lookup (id strings, conversation roots, engagement counts) is prepared
here in vectorised form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.simulate.accounts import Accounts
from groundswell.simulate.model import QUOTE, REPLY, REPOST, Campaign


@dataclass
class Derived:
    id_str: list[str]
    user_id_str: list[str]  # per account row
    conversation: list[int]  # row of the conversation root (own row unless a reply)
    retweets: list[int]  # final counts over stored posts (what a later search would show)
    replies: list[int]
    quotes: list[int]
    likes: list[int]
    running: list[int]  # a repost's or quote's rank among its siblings: count "so far"


def _running_rank(parent: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """1-based rank of each selected post among selected siblings (rows are in time order)."""
    rank = np.zeros(parent.size, np.int64)
    rows = np.flatnonzero(sel)
    if rows.size:
        order = np.lexsort((rows, parent[rows]))
        p = parent[rows][order]
        start = np.ones(rows.size, bool)
        start[1:] = p[1:] != p[:-1]
        first = np.flatnonzero(start)
        run_start = np.repeat(first, np.diff(np.append(first, rows.size)))
        rank[rows[order]] = np.arange(rows.size) - run_start + 1
    return rank


def derive(camp: Campaign, acc: Accounts, rng: np.random.Generator) -> Derived:
    n = camp.size
    kind, parent = camp.kind, camp.parent
    stored = ~camp.deleted
    conv = np.where(kind == REPLY, parent, np.arange(n))
    while True:  # pointer jumping to the thread root
        nxt = np.where(kind[conv] == REPLY, parent[conv], conv)
        if np.array_equal(nxt, conv):
            break
        conv = nxt

    def count(k: int) -> np.ndarray:
        sel = stored & (kind == k)
        return np.bincount(parent[sel], minlength=n)

    retweets, replies, quotes = count(REPOST), count(REPLY), count(QUOTE)
    likes = np.round(retweets * rng.uniform(1.5, 4.0, n) + replies * 0.8
                     + rng.poisson(0.8, n)).astype(np.int64)
    running = _running_rank(parent, kind == REPOST) + _running_rank(parent, kind == QUOTE)
    return Derived(id_str=[str(x) for x in camp.ids.tolist()],
                   user_id_str=[str(x) for x in acc.ids.tolist()],
                   conversation=conv.tolist(), retweets=retweets.tolist(),
                   replies=replies.tolist(), quotes=quotes.tolist(), likes=likes.tolist(),
                   running=running.tolist())
