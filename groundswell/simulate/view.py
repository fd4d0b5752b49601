"""What a store holds of the simulated posts, per platform: the ground truth's raw material.

Why a view: the model and its rendering are the same in every format, but a platform decides
how a store names posts and accounts (a tweet id, an at-uri, a status uri), which tags a post
carries (a retweet keeps the visible part of its original's entities; a Bluesky repost and a
Mastodon boost carry none of their own), which post a repost points at (Bluesky and Mastodon
record every repost against the original, so a planted repost of a repost points at the
original there), when a post was created as the store orders it (the second a tweet gives; a
Bluesky post's ``createdAt`` or, when implausible, when Jetstream saw it; a Mastodon status's
``created_at``, to the second for remote ones) and what is known of its author (Bluesky's
stream carries no follower counts, Mastodon has no verified badge). :mod:`.truth` counts over a
view, so one set of counting rules serves every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from groundswell.simulate.accounts import Accounts
from groundswell.simulate.model import REPOST, Campaign
from groundswell.simulate.render import Rendered
from groundswell.text import normalize_tag


@dataclass
class StoreView:
    """Per post row (the campaign's order) and per account row, what the store will hold."""

    platform: str
    post_id: Callable[[int], str]  # a row's id as the store keys it
    author_ids: Sequence[str]  # per account row
    handles: Sequence[str]  # per account row, as ``accounts.handle`` holds it
    times_us: np.ndarray  # int64 per row: ``posts.created_at`` in Unix microseconds
    tags: list[frozenset[str]]  # per row: the normalised tags the store attaches
    parent: np.ndarray  # int64 per row: the row a reply/repost/quote points at in the store
    text: Callable[[int], str]  # a row's stored text (read for replies to the origin only)
    followers: np.ndarray | None  # per account row; None where the store never learns them
    verified: np.ndarray | None  # per account row; None where the platform has no badge
    extra: dict[str, Any] = field(default_factory=dict)  # platform-specific truth keys


def post_tags(rendered: Rendered) -> list[frozenset[str]]:
    """Normalised hashtag set of every rendered record (a tag counts once per post)."""
    cache: dict[str, str] = {}
    out = []
    empty: frozenset[str] = frozenset()
    for rec in rendered.records:
        tags = rec[1]
        if not tags:
            out.append(empty)
            continue
        norm = []
        for _, _, t in tags:
            n = cache.get(t)
            if n is None:
                n = cache[t] = normalize_tag(t)
            norm.append(n)
        out.append(frozenset(norm))
    return out


def twitter_view(camp: Campaign, acc: Accounts, rendered: Rendered) -> StoreView:
    """Both Twitter formats: ids as strings, times to the second (``created_at`` has no
    milliseconds in either API), tags of the post's own entities."""
    ids = camp.ids
    records = rendered.records
    return StoreView(
        platform="twitter",
        post_id=lambda i: str(int(ids[i])),
        author_ids=[str(x) for x in acc.ids.tolist()],
        handles=acc.handles,
        times_us=camp.ms // 1000 * 1_000_000,
        tags=post_tags(rendered),
        parent=camp.parent,
        text=lambda i: records[i][0],
        followers=acc.followers,
        verified=acc.verified,
    )


def content_parent(camp: Campaign) -> np.ndarray:
    """Every link as a platform that records reposts against the original keeps it: a planted
    repost of a repost (:func:`.edges.chain_reposts`) points at the reposted post."""
    parent = camp.parent.copy()
    linked = parent >= 0
    chain = linked.copy()
    chain[linked] = camp.kind[parent[linked]] == REPOST
    chain &= camp.kind == REPOST
    parent[chain] = camp.parent[parent[chain]]
    return parent


__all__ = ["StoreView", "twitter_view", "content_parent", "post_tags"]
