"""Everything Bluesky-specific about a simulated campaign except its serialisation: who is which
DID and handle, each record's key and CID, when Jetstream saw each event, which clients wrote
odd ``createdAt`` values or no facets, which accounts changed handle, and what a store then
holds (:class:`~groundswell.simulate.view.StoreView`).

Why plan first: the ground truth must know the store's time of every post before a line is
written (a post with an absurd ``createdAt`` is ordered by when it was seen), and the event
order (posts, deletes and identity changes merged by ``time_us``) must be fixed to write the
firehose in time order. All of it is numpy over the campaign's rows.

Times, as the source reads them: ``createdAt`` is the client's claim (to the millisecond: the
model's time of the post), the record key a TID of the same moment with the client's
microseconds, ``time_us`` when Jetstream emitted the commit, 0.1–2.5 s later (less than the
shortest gap between a post and an answer to it, so every record comes after the records it
names). The store orders a post by ``createdAt`` unless it is before Bluesky opened to the
public (2023-02-01) or more than 10 minutes after ``time_us``; then by ``time_us``
(:data:`BLUESKY_PUBLIC_MS`, :data:`MAX_SKEW_US`, the rule of ``sources/bluesky/richtext.py``,
restated here so that the truth does not take it from the code it checks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.simulate import atproto
from groundswell.simulate.accounts import Accounts
from groundswell.simulate.model import ORDINARY, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered, body
from groundswell.simulate.view import StoreView, content_parent, post_tags

POST, REPOST_COLLECTION = "app.bsky.feed.post", "app.bsky.feed.repost"
BLUESKY_PUBLIC_MS = 1675209600000  # 2023-02-01T00:00:00Z
MAX_SKEW_US = 10 * 60 * 1_000_000
#: Share of posts whose client wrote an odd ``createdAt`` (at least one of each kind from
#: 1000 posts): the Unix epoch, year 1, ten years ahead, hours ahead (a wrong time zone), and
#: a few minutes ahead, which is still believed.
ODD_SHARE = 0.0005
ODD_KINDS = ("epoch", "year-1", "next-decade", "time-zone", "believed-skew")
#: Share of posts with tags or mentions written without facets (clients that omit them).
FACETLESS_SHARE = 0.05
#: Share of replies that name their parent's author in the text (a mention facet).
MENTION_SHARE = 0.2
#: One handle change per this many posting accounts (at least one from 1000 posts).
ACCOUNTS_PER_HANDLE_CHANGE = 2000
EVENT_POST, EVENT_DELETE, EVENT_IDENTITY = 0, 1, 2


@dataclass
class Plan:
    """The Bluesky names and times of every account and post row, and the firehose's order."""

    did: list[str]  # per account
    handle: list[str]  # per account, before any change
    changes: list[tuple[int, str]]  # (account, new handle), one identity event each
    rkey: np.ndarray  # S13 per row
    cid: np.ndarray  # S59 per row
    claim: dict[int, str]  # rows whose createdAt is not their time, → what the client wrote
    store_us: np.ndarray  # int64 per row: the time the store orders the post by
    facetless: np.ndarray  # bool per row
    mention: np.ndarray  # bool per row: a reply that names its parent's author
    via: np.ndarray  # int64 per row: the repost a repost was made from, -1 if none
    # the firehose, in time order: kind, row (or change index), time_us, rev TID (or b"")
    ev_kind: np.ndarray
    ev_ref: np.ndarray
    ev_us: np.ndarray
    ev_rev: np.ndarray

    def uri(self, camp: Campaign, i: int) -> str:
        collection = REPOST_COLLECTION if camp.kind[i] == REPOST else POST
        return f"at://{self.did[camp.author[i]]}/{collection}/{self.rkey[i].decode()}"


def iso_ms(ms: int) -> str:
    return str(np.datetime64(int(ms), "ms")) + "Z"


def _handles(acc: Accounts) -> list[str]:
    """The origin and public figures use their own domains, as organisations do."""
    return [atproto.handle_base(h) + (".com" if a <= acc.n_public else ".bsky.social")
            for a, h in enumerate(acc.handles)]


def _odd_claims(rng: np.random.Generator, camp: Campaign) -> dict[int, str]:
    n = int(round(ODD_SHARE * camp.size))
    if camp.size >= 1000:
        n = max(n, len(ODD_KINDS))
    pool = np.flatnonzero((camp.special == ORDINARY) & ~camp.deleted)
    rows = np.sort(rng.choice(pool, min(n, pool.size), replace=False)).tolist()
    ahead_h = rng.integers(1, 10, len(rows)).tolist()
    ahead_s = rng.integers(120, 480, len(rows)).tolist()
    out = {}
    for k, row in enumerate(rows):
        ms = int(camp.ms[row])
        out[row] = (
            "1970-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z",
            iso_ms(ms + 3652 * 86_400_000), iso_ms(ms + ahead_h[k] * 3_600_000),
            iso_ms(ms + ahead_s[k] * 1000))[k % len(ODD_KINDS)]
    return out


def _claim_us(claim: str) -> int:
    return int((np.datetime64(claim.removesuffix("Z"), "us")
                - np.datetime64(0, "us")).astype(np.int64))


def make_plan(rng: np.random.Generator, camp: Campaign, acc: Accounts,
              rendered: Rendered) -> Plan:
    n = camp.size
    did = atproto.dids(rng, acc.size)
    tid_us = atproto.distinct_micros(rng, camp.ms)
    rkey = atproto.tids(tid_us, rng.integers(0, 1024, n))
    cid = atproto.cids(rng, n)
    seen = tid_us + np.clip(rng.gamma(2.0, 350_000.0, n), 100_000, 2_500_000).astype(np.int64)
    chained = (camp.kind == REPOST) & (camp.parent >= 0)
    chained[chained] = camp.kind[camp.parent[chained]] == REPOST
    via = np.where(chained, camp.parent, -1)
    for r in np.flatnonzero(chained).tolist():  # reposted from a repost: after it
        seen[r] = max(seen[r], seen[via[r]] + 1)
    claim = _odd_claims(rng, camp)
    has_words = (camp.kind != REPOST) & np.array([bool(r[1]) for r in rendered.records])
    mention = (camp.kind == REPLY) & (rng.random(n) < MENTION_SHARE)
    facetless = (has_words | mention) & (rng.random(n) < FACETLESS_SHARE)

    deleted = np.flatnonzero(camp.deleted)
    del_us = camp.delete_ms[deleted] * 1000 + rng.integers(50_000, 2_000_000, deleted.size)
    changed, change_us = _handle_changes(rng, camp, acc, mention & ~facetless)
    handle = _handles(acc)
    changes = [(a, atproto.handle_base(acc.handles[a]) + (".net" if k % 2 else ".social"))
               for k, a in enumerate(changed)]

    ev_us = np.concatenate((seen, del_us, change_us)).astype(np.int64)
    ev_kind = np.repeat(np.array([EVENT_POST, EVENT_DELETE, EVENT_IDENTITY], np.int8),
                        [n, deleted.size, len(changed)])
    ev_ref = np.concatenate((np.arange(n), deleted, np.arange(len(changed)))).astype(np.int64)
    order = np.lexsort((ev_ref, ev_kind, ev_us))
    ev_us, ev_kind, ev_ref = ev_us[order], ev_kind[order], ev_ref[order]
    steps = np.arange(ev_us.size, dtype=np.int64)  # a firehose's times strictly increase
    ev_us = np.maximum.accumulate(ev_us - steps) + steps
    seen = np.empty(n, np.int64)
    posts = ev_kind == EVENT_POST
    seen[ev_ref[posts]] = ev_us[posts]

    ev_author = np.where(ev_kind == EVENT_IDENTITY, 0,
                         camp.author[np.where(ev_kind == EVENT_IDENTITY, 0, ev_ref)])
    ev_rev = _revisions(rng, ev_us, ev_author, ev_kind != EVENT_IDENTITY, acc.size)

    claimed = camp.ms * 1000
    for row, text in claim.items():
        claimed[row] = _claim_us(text)
    plausible = (claimed >= BLUESKY_PUBLIC_MS * 1000) & (claimed - seen <= MAX_SKEW_US)
    return Plan(did=did, handle=handle, changes=changes, rkey=rkey, cid=cid, claim=claim,
                store_us=np.where(plausible, claimed, seen), facetless=facetless,
                mention=mention, via=via, ev_kind=ev_kind, ev_ref=ev_ref, ev_us=ev_us,
                ev_rev=ev_rev)


def _handle_changes(rng: np.random.Generator, camp: Campaign, acc: Accounts,
                    mention: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Which ordinary accounts change handle, and when (Unix microseconds): preferably
    accounts that replies name both before and after the change, so that the text shows
    the old handle, then the new one; else any account that posted."""
    authors = np.unique(camp.author[~camp.deleted])
    authors = authors[authors >= acc.ordinary_start]
    n = max(1, authors.size // ACCOUNTS_PER_HANDLE_CHANGE) if camp.size >= 1000 else 0
    rows = np.flatnonzero(mention & ~camp.deleted)
    named = camp.author[camp.parent[rows]]
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for a, ms in zip(named.tolist(), camp.ms[rows].tolist(), strict=True):
        first.setdefault(a, ms)
        last[a] = ms
    # the change falls between two replies naming the account, clear of Jetstream's delay
    span = {a: (first[a] + 3_000, last[a] - 1) for a in first
            if a >= acc.ordinary_start and last[a] - first[a] > 4_000}
    pick = sorted(span)
    chosen = rng.choice(pick, min(n, len(pick)), replace=False).tolist() if pick else []
    others = np.setdiff1d(authors, chosen)
    chosen += rng.choice(others, min(n - len(chosen), others.size), replace=False).tolist()
    lo = [span[a][0] if a in span else int(camp.ms.min()) for a in chosen]
    hi = [span[a][1] if a in span else int(camp.ms.max()) for a in chosen]
    at_ms = [int(rng.integers(a, b)) for a, b in zip(lo, hi, strict=True)]
    return chosen, np.array(at_ms, np.int64) * 1000


def _revisions(rng: np.random.Generator, ev_us: np.ndarray, author: np.ndarray,
               commits: np.ndarray, n_accounts: int) -> np.ndarray:
    """Each commit's repository revision: a TID of when the PDS committed it (a few ms to a
    second before Jetstream saw it), strictly increasing per repository, with the PDS's
    clock id."""
    rev_us = ev_us - rng.integers(5_000, 900_000, ev_us.size)
    last = np.full(n_accounts, -1, np.int64)
    rows = np.flatnonzero(commits)
    who = author[rows].tolist()
    at = rev_us[rows].tolist()
    prev = last.tolist()
    for k, a in enumerate(who):
        if at[k] <= prev[a]:
            at[k] = prev[a] + 1
        prev[a] = at[k]
    rev_us[rows] = at
    clock = rng.integers(0, 1024, n_accounts)[author]
    revs = atproto.tids(rev_us, clock)
    revs[~commits] = b""
    return revs


def store_view(plan: Plan, camp: Campaign, rendered: Rendered) -> StoreView:
    """What a store holds after ingesting the plan's lines (see :mod:`.view`); Jetstream
    carries no profiles, so no follower counts and no badges: nobody is a public figure."""
    records = rendered.records
    origin = camp.origin
    empty: frozenset[str] = frozenset()
    tags = [empty if k == REPOST else t
            for k, t in zip(camp.kind.tolist(), post_tags(rendered), strict=True)]

    def text(i: int) -> str:
        words = body(records[i], i == origin)[0]
        if plan.mention[i]:  # an origin reply names the origin's account, whose handle stays
            words = "@" + plan.handle[camp.author[camp.parent[i]]] + " " + words
        return words

    odd = sorted(((_odd(plan, camp, r), plan.store_us[r] == _claim_us(plan.claim[r]))
                  for r in plan.claim), key=lambda o: o[0]["post_id"])
    extra = {
        "absurd_created_at": [o for o, believed in odd if not believed],
        "skewed_created_at": [o for o, believed in odd if believed],
        "handle_changes": [{"author_id": plan.did[a], "old": plan.handle[a], "handle": new,
                            "at": _iso_us(int(plan.ev_us[k]))}
                           for k, (a, new) in _change_events(plan)],
        "facetless_posts": int((plan.facetless & ~camp.deleted).sum()),
    }
    return StoreView(platform="bluesky", post_id=lambda i: plan.uri(camp, i),
                     author_ids=plan.did, handles=plan.handle, times_us=plan.store_us,
                     tags=tags, parent=content_parent(camp), text=text, followers=None,
                     verified=None, extra=extra)


def _change_events(plan: Plan) -> list[tuple[int, tuple[int, str]]]:
    """(event index, change) of every identity event, in time order."""
    return [(k, plan.changes[int(plan.ev_ref[k])])
            for k in np.flatnonzero(plan.ev_kind == EVENT_IDENTITY).tolist()]


def _odd(plan: Plan, camp: Campaign, row: int) -> dict[str, str]:
    return {"post_id": plan.uri(camp, row), "claimed": plan.claim[row],
            "created_at": _iso_us(int(plan.store_us[row]))}


def _iso_us(us: int) -> str:
    """Microsecond timestamps (the store keeps ``time_us`` whole): ``…T20:21:00.123456Z``."""
    return str(np.datetime64(us, "us")) + "Z"


__all__ = ["Plan", "make_plan", "store_view", "iso_ms", "POST", "REPOST_COLLECTION",
           "EVENT_POST", "EVENT_DELETE", "EVENT_IDENTITY"]
