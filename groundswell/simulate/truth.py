"""The ground truth: what an ingester + metrics pipeline must recover from the written file.

It is computed from the rendered records (the same entities the writers put in the file)
with the ingester's counting rules, *not* from the model's intentions, so a rule subtlety
(a retweet whose #MeToo fell past the 140-character cut, a reply saying "Me. Too.") is
reflected exactly. Deleted posts are absent, as they are from a store that keeps
tombstones.

Rules (docs/metrics.md's, exactly): inside the planted campaign's window ``[start, end)``, a
post matches if (1) it carries a campaign tag (main tag or a variant), or (2) it is a reply to
the origin whose text contains "me too" as whole words (any case), or (3) it is a repost of a
post that is stored, inside the window, not itself a repost, and matches by (1) or (2).
Participants author matching originals/replies/quotes; amplifiers only repost matching posts.
Figures about the store (posts, kinds, accounts, tags) cover every stored post; figures about
the campaign (matched posts, people, replies to the origin, first appearances) its window.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from groundswell.simulate.accounts import PUBLIC_FIGURE_FOLLOWERS, Accounts
from groundswell.simulate.clock import DAY, iso_z
from groundswell.simulate.model import KIND_NAMES, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered
from groundswell.text import normalize_tag

MAIN_TAG = "metoo"
VARIANTS = {"balancetonporc": "fr", "yotambien": "es", "quellavoltache": "it"}
RESPONSE_TAGS = ["ibelieveyou"]
PHRASE = "me too"
PHRASE_RE = re.compile(r"\bme too\b", re.IGNORECASE)
CAMPAIGN_TAGS = frozenset([MAIN_TAG, *VARIANTS])
#: The planted campaign's window, narrower than the data at both ends: from this many hours
#: before the call to action (the trend detector wants a day of history before a tag can
#: trend, and the response tag starts 6-10 hours after the origin) to this many days after
#: it; the data runs from a day before the origin to 9.5 days after.
WINDOW_HOURS_BEFORE = 20
WINDOW_DAYS = 8


def post_tags(rendered: Rendered) -> list[frozenset[str]]:
    """Normalised hashtag set of every post (a tag counts once per post)."""
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


def compute(camp: Campaign, acc: Accounts, rendered: Rendered, *, seed: int, fmt: str,
            lines: int = 0, malformed: int = 0) -> dict[str, Any]:
    """The truth dict (JSON-ready, keys sorted when written).

    ``lines``/``malformed`` are only known once the file is written; the caller may compute
    the rest first (to free its temporaries before the writer's caches grow) and fill them
    in afterwards.
    """
    tags = post_tags(rendered)
    n = camp.size
    stored = ~camp.deleted
    kind = camp.kind.tolist()
    parent = camp.parent.tolist()
    origin = camp.origin
    texts = [r[0] for r in rendered.records]
    start_ms = camp.t0_ms - WINDOW_HOURS_BEFORE * 3600 * 1000
    end_ms = camp.t0_ms + int(WINDOW_DAYS * DAY * 1000)
    inside = (camp.ms >= start_ms) & (camp.ms < end_ms)
    in_window = (inside & stored).tolist()
    direct = [False] * n  # rules 1 and 2
    for i in range(n):
        if not in_window[i]:
            continue
        direct[i] = (not tags[i].isdisjoint(CAMPAIGN_TAGS)) or (
            kind[i] == REPLY and parent[i] == origin and PHRASE_RE.search(texts[i]) is not None)
    matched = [direct[i] or (kind[i] == REPOST and in_window[i] and direct[parent[i]]
                             and kind[parent[i]] != REPOST) for i in range(n)]
    m = np.array(matched, dtype=bool)
    window = inside & stored
    user_ids = [str(x) for x in acc.ids.tolist()]
    authors = camp.author
    repost = camp.kind == REPOST
    part_rows = np.unique(authors[m & ~repost])
    amp_rows = np.setdiff1d(np.unique(authors[m & repost]), part_rows)

    tag_posts: dict[str, int] = {}
    tag_authors: dict[str, set[int]] = {}
    first_with: dict[str, int] = {}  # in the window
    response_posts, response_authors = 0, set()
    author_list = authors.tolist()
    stored_list = stored.tolist()
    for i in range(n):
        if not stored_list[i]:
            continue
        for t in tags[i]:
            tag_posts[t] = tag_posts.get(t, 0) + 1
            tag_authors.setdefault(t, set()).add(author_list[i])
            if in_window[i] and t not in first_with:
                first_with[t] = i  # rows are in time order
        if in_window[i] and RESPONSE_TAGS[0] in tags[i]:
            response_posts += 1
            response_authors.add(author_list[i])
    ms = camp.ms
    reply_origin = window & (camp.kind == REPLY) & (camp.parent == origin)
    with_phrase = sum(1 for i in np.flatnonzero(reply_origin).tolist()
                      if PHRASE_RE.search(texts[i]))

    notable = []
    seen: set[int] = set()
    for i in np.flatnonzero(m).tolist():
        a = author_list[i]
        if a in seen:
            continue
        seen.add(a)
        if acc.followers[a] >= PUBLIC_FIGURE_FOLLOWERS or acc.verified[a]:
            notable.append({"author_id": user_ids[a], "handle": acc.handles[a],
                            "followers": int(acc.followers[a]),
                            "first_post_at": iso_z(int(ms[i]))})

    def first(tag: str) -> str | None:
        return iso_z(int(ms[first_with[tag]])) if tag in first_with else None

    st = np.flatnonzero(stored)
    return {
        "seed": seed,
        "format": fmt,
        "posts": int(stored.sum()),
        "posts_by_kind": {k: int((stored & (camp.kind == j)).sum())
                          for j, k in enumerate(KIND_NAMES)},
        "accounts": int(np.unique(authors[stored]).size),
        "first_post": iso_z(int(ms[st[0]])) if st.size else None,
        "last_post": iso_z(int(ms[st[-1]])) if st.size else None,
        "campaign": {
            "name": MAIN_TAG,
            "main_tag": MAIN_TAG,
            "variants": dict(VARIANTS),
            "response_tags": list(RESPONSE_TAGS),
            "phrase": PHRASE,
            "origin_post_ids": [str(int(camp.ids[origin]))],
            "origin_tags": sorted(tags[origin]),
            "public_figure_followers": PUBLIC_FIGURE_FOLLOWERS,
            "window": {"start": iso_z(start_ms), "end": iso_z(end_ms)},
        },
        "matched_posts": int(m.sum()),
        "matched_posts_by_kind": {k: int((m & (camp.kind == j)).sum())
                                  for j, k in enumerate(KIND_NAMES)},
        "participants": int(part_rows.size),
        "participant_ids": sorted(user_ids[a] for a in part_rows.tolist()),
        "amplifiers": int(amp_rows.size),
        "amplifier_ids": sorted(user_ids[a] for a in amp_rows.tolist()),
        "tag_posts": tag_posts,
        "tag_accounts": {t: len(s) for t, s in tag_authors.items()},
        "replies_to_origin": int(reply_origin.sum()),
        "replies_to_origin_with_phrase": int(with_phrase),
        "notable_joiners": notable,
        "variant_starts": {t: first(t) for t in VARIANTS},
        "response_tag_start": first(RESPONSE_TAGS[0]),
        "response_tag_posts": response_posts,
        "response_tag_accounts": len(response_authors),
        "deleted": int(camp.deleted.sum()),
        "malformed_lines": int(malformed),
        "lines": int(lines),
    }


def campaign_toml(truth: dict[str, Any], command: str) -> str:
    """The planted campaign as a campaign file (``groundswell report --campaign FILE``)."""
    planted = truth["campaign"]
    variants = "".join(f'\n[[tags.variants]]\ntag = "{tag}"\nlang = "{lang}"\n'
                       for tag, lang in planted["variants"].items())
    ids = ", ".join(f'"{i}"' for i in planted["origin_post_ids"])
    response = ", ".join(f'"{t}"' for t in planted["response_tags"])
    return f"""# The campaign planted by `{command}`.
# Measure it: groundswell report --campaign <this file>

name = "MeToo (simulated)"

[tags]
main = "{planted['main_tag']}"
response = [{response}]
{variants}
[phrases]
match = ["{planted['phrase']}"]
only_in_replies_to_origin = true

[origin]
platform = "twitter"
post_ids = [{ids}]

[window]
# From {WINDOW_HOURS_BEFORE} hours before the call to action to {WINDOW_DAYS} days after it
# (the data runs from a day before it to 9.5 days after).
start = {planted['window']['start']}
end = {planted['window']['end']}

[public_figures]
min_followers = {planted['public_figure_followers']}
verified = true
"""
