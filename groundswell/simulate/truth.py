"""The ground truth: what an ingester + metrics pipeline must recover from the written file.

It is computed from what a store will hold of the rendered records
(:class:`~groundswell.simulate.view.StoreView`: each platform's ids, tags, links and times)
with the ingester's counting rules, *not* from the model's intentions, so a rule subtlety
(a retweet whose #MeToo fell past the 140-character cut, a reply saying "Me. Too.", a
Bluesky post ordered by when it was seen because its client's clock said 1970) is
reflected exactly. Deleted posts are absent, as they are from a store that keeps
tombstones. Each platform adds its own keys (``view.extra``: Bluesky's odd times and handle
changes, Mastodon's server and edits).

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
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundswell.simulate import phrases as P
from groundswell.simulate.accounts import PUBLIC_FIGURE_FOLLOWERS
from groundswell.simulate.clock import DAY, iso_z
from groundswell.simulate.model import KIND_NAMES, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered
from groundswell.simulate.view import StoreView

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
DAY_US = 86_400_000_000


def matched(camp: Campaign, view: StoreView) -> np.ndarray:
    """Which rows the campaign counts (the module's rules 1-3, inside the window, stored)."""
    tags = view.tags
    n = camp.size
    kind = camp.kind.tolist()
    parent = view.parent.tolist()
    origin = camp.origin
    in_window = _window(camp, view).tolist()
    direct = [False] * n  # rules 1 and 2
    for i in range(n):
        if not in_window[i]:
            continue
        direct[i] = (not tags[i].isdisjoint(CAMPAIGN_TAGS)) or (
            kind[i] == REPLY and parent[i] == origin
            and PHRASE_RE.search(view.text(i)) is not None)
    return np.array([direct[i] or (kind[i] == REPOST and in_window[i] and direct[parent[i]]
                                   and kind[parent[i]] != REPOST) for i in range(n)],
                    dtype=bool)


def _window(camp: Campaign, view: StoreView) -> np.ndarray:
    t = view.times_us
    start_ms = camp.t0_ms - WINDOW_HOURS_BEFORE * 3600 * 1000
    end_ms = camp.t0_ms + int(WINDOW_DAYS * DAY * 1000)
    return (t >= start_ms * 1000) & (t < end_ms * 1000) & ~camp.deleted


def compute(camp: Campaign, view: StoreView, *, seed: int, fmt: str, lines: int = 0,
            malformed: int = 0, roles: Rendered | None = None,
            matched_rows: np.ndarray | None = None) -> dict[str, Any]:
    """The truth dict (JSON-ready, keys sorted when written), over what ``view`` says the
    store holds.

    ``lines``/``malformed`` are only known once the file is written; the caller may compute
    the rest first (to free its temporaries before the writer's caches grow) and fill them
    in afterwards. With ``roles`` (the rendering, which planted a role per post) the truth
    counts the roles of the matching authored posts (:func:`role_counts`);
    ``matched_rows`` is :func:`matched`, when the caller has it already.
    """
    tags = view.tags
    n = camp.size
    stored = ~camp.deleted
    origin = camp.origin
    t = view.times_us
    start_ms = camp.t0_ms - WINDOW_HOURS_BEFORE * 3600 * 1000
    end_ms = camp.t0_ms + int(WINDOW_DAYS * DAY * 1000)
    window = _window(camp, view)
    in_window = window.tolist()
    m = matched(camp, view) if matched_rows is None else matched_rows
    user_ids = view.author_ids
    authors = camp.author
    repost = camp.kind == REPOST
    part_rows = np.unique(authors[m & ~repost])
    amp_rows = np.setdiff1d(np.unique(authors[m & repost]), part_rows)

    tag_posts: dict[str, int] = {}
    tag_authors: dict[str, set[int]] = {}
    first_with: dict[str, int] = {}  # earliest time in the window, in microseconds
    response_posts, response_authors = 0, set()
    author_list = authors.tolist()
    stored_list = stored.tolist()
    times = t.tolist()
    for i in range(n):
        if not stored_list[i]:
            continue
        for tag in tags[i]:
            tag_posts[tag] = tag_posts.get(tag, 0) + 1
            tag_authors.setdefault(tag, set()).add(author_list[i])
            if in_window[i] and times[i] < first_with.get(tag, times[i] + 1):
                first_with[tag] = times[i]
        if in_window[i] and RESPONSE_TAGS[0] in tags[i]:
            response_posts += 1
            response_authors.add(author_list[i])
    reply_origin = window & (camp.kind == REPLY) & (view.parent == origin)
    with_phrase = sum(1 for i in np.flatnonzero(reply_origin).tolist()
                      if PHRASE_RE.search(view.text(i)))

    def first(tag: str) -> str | None:
        return iso_z(first_with[tag] // 1000) if tag in first_with else None

    st = t[stored]
    return {
        "seed": seed,
        "format": fmt,
        "platform": view.platform,
        "posts": int(stored.sum()),
        "posts_by_kind": {k: int((stored & (camp.kind == j)).sum())
                          for j, k in enumerate(KIND_NAMES)},
        "accounts": int(np.unique(authors[stored]).size),
        "first_post": iso_z(int(st.min()) // 1000) if st.size else None,
        "last_post": iso_z(int(st.max()) // 1000) if st.size else None,
        "campaign": {
            "name": MAIN_TAG,
            "main_tag": MAIN_TAG,
            "variants": dict(VARIANTS),
            "response_tags": list(RESPONSE_TAGS),
            "phrase": PHRASE,
            "origin_post_ids": [view.post_id(origin)],
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
        "tag_accounts": {tag: len(s) for tag, s in tag_authors.items()},
        "replies_to_origin": int(reply_origin.sum()),
        "replies_to_origin_with_phrase": int(with_phrase),
        "notable_joiners": _notable(view, np.flatnonzero(m), author_list, times),
        "variant_starts": {tag: first(tag) for tag in VARIANTS},
        "response_tag_start": first(RESPONSE_TAGS[0]),
        "response_tag_posts": response_posts,
        "response_tag_accounts": len(response_authors),
        "deleted": int(camp.deleted.sum()),
        "malformed_lines": int(malformed),
        "lines": int(lines),
        **(role_counts(camp, view, roles, m) if roles is not None else {}),
        **view.extra,
    }


def role_counts(camp: Campaign, view: StoreView, rendered: Rendered,
                m: np.ndarray) -> dict[str, Any]:
    """The planted roles of the campaign's matching authored posts (originals, replies,
    quotes; reposts have no words of their own): ``roles`` (posts per role, and accounts per
    role, an account counting for every role one of its matching authored posts has),
    ``roles_by_lang`` (posts per role per language the words were written in) and
    ``roles_by_day`` (posts per role per UTC day of the store's time). Every role is named,
    zeros included."""
    rows = np.flatnonzero(m & (camp.kind != REPOST))
    role = rendered.roles[rows].astype(np.int64)
    if (role < 0).any():
        raise AssertionError("an authored post without a planted role")
    n_roles = len(P.ROLES)

    def named(counts: np.ndarray) -> dict[str, int]:
        return {r: int(counts[j]) for j, r in enumerate(P.ROLES)}

    posts = np.bincount(role, minlength=n_roles)
    pairs = np.unique(camp.author[rows] * n_roles + role)
    accounts = np.bincount(pairs % n_roles, minlength=n_roles)
    lang = rendered.langs[rows].astype(np.int64)
    by_lang = {P.LANGS[k]: named(np.bincount(role[lang == k], minlength=n_roles))
               for k in np.unique(lang).tolist()}
    day = view.times_us[rows] // (DAY_US)
    by_day = {iso_z(int(d) * DAY_US // 1000)[:10]: named(
        np.bincount(role[day == d], minlength=n_roles)) for d in np.unique(day).tolist()}
    return {"roles": {"posts": named(posts), "accounts": named(accounts)},
            "roles_by_lang": by_lang, "roles_by_day": by_day}


ROLES_CSV_HEADER = "platform,post_id,role,lang,matching,ambiguous"


def roles_csv(camp: Campaign, view: StoreView, rendered: Rendered, m: np.ndarray) -> bytes:
    """The sidecar of planted roles: one row per stored authored post (time order), keyed by
    the post id the store keeps; ``matching`` 1 for the posts the truth's roles count,
    ``ambiguous`` 1 for posts whose words were planted ambiguous or noisy."""
    rows = np.flatnonzero((camp.kind != REPOST) & ~camp.deleted)
    post_id = view.post_id
    ids = [post_id(i) for i in rows.tolist()]
    if any("," in pid or '"' in pid for pid in ids):
        raise AssertionError("a post id that needs quoting in CSV")
    role = [P.ROLES[r] for r in rendered.roles[rows].tolist()]
    lang = [P.LANGS[k] for k in rendered.langs[rows].tolist()]
    flags = (m[rows].astype(np.int8) * 2 + rendered.ambiguous[rows]).tolist()
    tail = (",0,0", ",0,1", ",1,0", ",1,1")
    platform = view.platform + ","
    out = [ROLES_CSV_HEADER]
    out.extend(f"{platform}{pid},{r},{g}{tail[f]}"
               for pid, r, g, f in zip(ids, role, lang, flags, strict=True))
    return ("\n".join(out) + "\n").encode("utf-8")


def _notable(view: StoreView, matched: np.ndarray, author_list: list[int],
             times: list[int]) -> list[dict[str, Any]]:
    """Public figures (followers ≥ threshold, or verified where the platform has a badge) in
    order of their first matching post of any kind, then of their id, as a store orders
    them; none where the store never learns followers or badges (Bluesky's stream)."""
    followers, verified = view.followers, view.verified
    if followers is None and verified is None:
        return []
    first: dict[int, int] = {}
    for i in matched.tolist():
        a = author_list[i]
        if times[i] < first.get(a, times[i] + 1):
            first[a] = times[i]
    out = []
    for a, at in first.items():
        if (followers is not None and followers[a] >= PUBLIC_FIGURE_FOLLOWERS) or (
                verified is not None and verified[a]):
            out.append((at, view.author_ids[a], a))
    out.sort()
    return [{"author_id": uid, "handle": view.handles[a],
             "followers": int(followers[a]) if followers is not None else None,
             "first_post_at": iso_z(at // 1000)} for at, uid, a in out]


def campaign_toml(truth: dict[str, Any], command: str,
                  also: Sequence[dict[str, Any]] = ()) -> str:
    """The planted campaign as a campaign file (``groundswell report --campaign FILE``);
    with ``also`` (the truths of the same campaign simulated on other platforms), one
    campaign whose origin is the call to action on each platform."""
    planted = truth["campaign"]
    variants = "".join(f'\n[[tags.variants]]\ntag = "{tag}"\nlang = "{lang}"\n'
                       for tag, lang in planted["variants"].items())
    quoted = lambda ids: ", ".join(f'"{i}"' for i in ids)  # noqa: E731
    if also:
        origin = "".join(f"{t.get('platform', 'twitter')} = "
                         f"[{quoted(t['campaign']['origin_post_ids'])}]\n"
                         for t in (truth, *also))
    else:
        origin = (f"platform = \"{truth.get('platform', 'twitter')}\"\n"
                  f"post_ids = [{quoted(planted['origin_post_ids'])}]\n")
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
{origin}
[window]
# From {WINDOW_HOURS_BEFORE} hours before the call to action to {WINDOW_DAYS} days after it
# (the data runs from a day before it to 9.5 days after).
start = {planted['window']['start']}
end = {planted['window']['end']}

[public_figures]
min_followers = {planted['public_figure_followers']}
verified = true
"""
