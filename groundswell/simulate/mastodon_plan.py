"""Everything Mastodon-specific about a simulated campaign except its serialisation: which
server each account lives on, the ids the collecting server and the authors' servers give
statuses and accounts, when each status reached the collector, which statuses were edited
(and how they read before) or have no language, the stream's event order, and what a store
then holds (:class:`~groundswell.simulate.view.StoreView`).

Ids, as Mastodon makes them: a status's ``id`` is the collecting server's snowflake
(``milliseconds << 16 | 16 bits``) of when the status reached it (at once for its own
accounts, 0.3–2.8 s later for others': less than the shortest gap between a post and an
answer, so the stream always carries a status before what names it); its ``uri`` is the
author's server's own id, ``https://DOMAIN/users/NAME/statuses/ID`` (``…/activity`` for a
boost). ``created_at`` is to the millisecond for the collector's own statuses and to the
second for others' (ActivityPub's ``published``), which is what a store orders them by.
Accounts are keyed ``name@domain``; ``acct`` is bare for the collector's own accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.simulate.accounts import Accounts
from groundswell.simulate.model import ORDINARY, QUOTE, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered, body
from groundswell.simulate.view import StoreView, content_parent, post_tags

#: The server the collector's account is on, whose ids the file's ids are.
SERVER = "mastodon.social"
#: Where the other accounts live, by account language (en, fr, es, it), with weights.
REMOTE = (
    (("mastodon.online", 4), ("hachyderm.io", 2), ("mas.to", 2), ("mstdn.social", 2),
     ("mastodon.world", 1), ("infosec.exchange", 1)),
    (("piaille.fr", 3), ("mamot.fr", 2), ("mastodon.online", 1)),
    (("masto.es", 3), ("mastodon.online", 1)),
    (("mastodon.uno", 3), ("livellosegreto.it", 1)),
)
LOCAL_SHARE = 0.55
EDIT_SHARE = 0.001  # of posts; at least 3 from 1000 posts
NULL_LANGUAGE_SHARE = 0.04  # besides posts with no language to detect
EVENT_UPDATE, EVENT_EDIT, EVENT_DELETE = 0, 1, 2
_DAY_MS = 86_400_000
_MASTODON_BIRTH_MS = 1475280000000  # 2016-10-01


@dataclass
class Plan:
    """The Mastodon names, ids and times of every account and post row, and the stream's
    order."""

    server: str
    domain: list[str]  # per account
    local: list[bool]  # per account: on the collecting server
    account_id: list[str]  # per account: the collecting server's id
    account_created: list[str]  # per account: Mastodon gives the day only
    key: list[str]  # per account: name@domain
    user: list[str]  # per account: the user name
    status_id: list[str]  # per row: the collecting server's id
    uri_id: list[int]  # per row: the author's server's id
    author: list[int]  # per row: the campaign's author row
    boost: list[bool]  # per row: a boost (whose uri ends in /activity)
    store_us: np.ndarray  # int64 per row: created_at as written (ms, or s for remote)
    null_language: list[bool]  # per row
    edits: dict[int, tuple[int, str, tuple]]  # row → (edit ms, text before, its tags)
    ev_kind: np.ndarray  # the stream, in time order
    ev_ref: np.ndarray

    def uri(self, i: int) -> str:
        a = self.author[i]
        tail = "/activity" if self.boost[i] else ""
        return f"https://{self.domain[a]}/users/{self.user[a]}/statuses/{self.uri_id[i]}{tail}"

    def url(self, i: int) -> str:
        if self.boost[i]:
            return self.uri(i)
        a = self.author[i]
        return f"https://{self.domain[a]}/@{self.user[a]}/{self.uri_id[i]}"


def _snowflakes(rng: np.random.Generator, ms: np.ndarray) -> np.ndarray:
    """Distinct Mastodon ids of these milliseconds (a repeat draws its low bits again, so
    every id keeps its millisecond)."""
    ms = ms.astype(np.int64)
    ids = (ms << 16) | rng.integers(0, 1 << 16, ms.size)
    while True:
        order = np.argsort(ids, kind="stable")
        repeat = np.zeros(ids.size, bool)
        repeat[order[1:]] = ids[order][1:] == ids[order][:-1]
        if not repeat.any():
            return ids
        ids[repeat] = (ms[repeat] << 16) | rng.integers(0, 1 << 16, int(repeat.sum()))


def _servers(rng: np.random.Generator, acc: Accounts) -> list[str]:
    local = rng.random(acc.size) < LOCAL_SHARE
    local[0] = True  # the call to action is the collecting server's own
    out = [SERVER] * acc.size
    for lang, table in enumerate(REMOTE):
        rows = np.flatnonzero(~local & (acc.lang == lang))
        names = [name for name, _ in table]
        weight = np.array([w for _, w in table], float)
        pick = rng.choice(len(names), rows.size, p=weight / weight.sum())
        for r, k in zip(rows.tolist(), pick.tolist(), strict=True):
            out[r] = names[k]
    return out


def _account_days(acc: Accounts, t0_ms: int) -> np.ndarray:
    """Account creation days on Mastodon: the pool's order kept, squeezed between Mastodon's
    first year (or eight years before the campaign) and two months before the campaign."""
    lo = _MASTODON_BIRTH_MS if t0_ms - 60 * _DAY_MS > _MASTODON_BIRTH_MS + 365 * _DAY_MS \
        else t0_ms - 8 * 365 * _DAY_MS
    hi = t0_ms - 60 * _DAY_MS
    c = acc.created_ms.astype(float)
    span = max(float(c.max() - c.min()), 1.0)
    ms = lo + (c - c.min()) / span * (hi - lo)
    return (ms // _DAY_MS * _DAY_MS).astype(np.int64)


def _before_edit(text: str, tags: tuple) -> tuple[str, tuple] | None:
    """The post as first written: without its last hashtag (added by the edit), or None if
    nothing would be left."""
    s, e, _ = tags[-1]
    left, right = text[:s].rstrip(" "), text[e:]
    if not left:
        right = right.lstrip(" ")
    elif right and not right.startswith((" ", "\n")):
        right = " " + right
    before = left + right
    if not before.strip():
        return None
    return before, tags[:-1]


def make_plan(rng: np.random.Generator, camp: Campaign, acc: Accounts,
              rendered: Rendered) -> Plan:
    n = camp.size
    domain = _servers(rng, acc)
    local = [d == SERVER for d in domain]
    days = _account_days(acc, camp.t0_ms)
    account_id = _snowflakes(rng, days + rng.integers(0, _DAY_MS, acc.size))
    is_local = np.array(local)[camp.author]
    received = camp.ms + np.where(is_local, 0, rng.integers(300, 2800, n))
    status_id = _snowflakes(rng, received)
    uri_id = np.where(is_local, status_id, _snowflakes(rng, camp.ms))
    store_us = np.where(is_local, camp.ms, camp.ms // 1000 * 1000) * 1000
    lang_und = np.array([r[4] == "und" for r in rendered.records])
    null_language = (camp.kind != REPOST) & (lang_und | (rng.random(n) < NULL_LANGUAGE_SHARE))

    records = rendered.records
    pool = np.flatnonzero((camp.kind != REPOST) & (camp.special == ORDINARY) & ~camp.deleted)
    pool = [i for i in pool.tolist() if records[i][1]]
    want = max(int(round(EDIT_SHARE * n)), 3 if n >= 1000 else 0)
    edits: dict[int, tuple[int, str, tuple]] = {}
    delay = rng.integers(60_000, 25 * 60_000, len(pool)).tolist()
    for k, i in enumerate(rng.permutation(len(pool)).tolist()):
        if len(edits) >= want:
            break
        row = pool[i]
        before = _before_edit(*body(records[row]))
        if before is not None:
            edits[row] = (int(received[row]) + delay[k], *before)

    deleted = np.flatnonzero(camp.deleted)
    edit_rows = np.array(sorted(edits), np.int64)
    ev_ms = np.concatenate((received, [edits[r][0] for r in edit_rows.tolist()],
                            camp.delete_ms[deleted])).astype(np.int64)
    ev_kind = np.repeat(np.array([EVENT_UPDATE, EVENT_EDIT, EVENT_DELETE], np.int8),
                        [n, edit_rows.size, deleted.size])
    ev_ref = np.concatenate((np.arange(n), edit_rows, deleted)).astype(np.int64)
    order = np.lexsort((ev_ref, ev_kind, ev_ms))
    return Plan(server=SERVER, domain=domain, local=local,
                account_id=[str(x) for x in account_id.tolist()],
                account_created=[str(np.datetime64(int(d), "ms")) + "Z" for d in days.tolist()],
                key=[f"{h}@{d}" for h, d in zip(acc.handles, domain, strict=True)],
                user=acc.handles, status_id=[str(x) for x in status_id.tolist()],
                uri_id=uri_id.tolist(), author=camp.author.tolist(),
                boost=(camp.kind == REPOST).tolist(), store_us=store_us,
                null_language=null_language.tolist(), edits=edits, ev_kind=ev_kind[order],
                ev_ref=ev_ref[order])


def store_view(plan: Plan, camp: Campaign, acc: Accounts, rendered: Rendered) -> StoreView:
    """What a store holds after ingesting the plan's lines (see :mod:`.view`): the newest
    version of each edited status; no verified badge on Mastodon, so public figures by
    followers alone."""
    records = rendered.records
    empty: frozenset[str] = frozenset()
    kind = camp.kind.tolist()
    tags = [empty if k == REPOST else t for k, t in zip(kind, post_tags(rendered), strict=True)]

    def text(i: int) -> str:
        words = body(records[i], i == camp.origin)[0].replace("\uff03", "#")
        if kind[i] == REPLY:
            words = "@" + acc.handles[camp.author[camp.parent[i]]] + " " + words
        elif kind[i] == QUOTE:
            words = "RE: " + plan.url(int(camp.parent[i])) + "\n\n" + words
        return words

    stored = ~camp.deleted
    authors = np.unique(camp.author[stored]).tolist()
    extra = {
        "server": plan.server,
        "edits": len(plan.edits),
        "edited_post_ids": sorted(plan.uri(r) for r in plan.edits),
        "null_language_posts": int((stored & ((camp.kind == REPOST) | plan.null_language))
                                   .sum()),
        "remote_accounts": sum(1 for a in authors if not plan.local[a]),
    }
    return StoreView(platform="mastodon", post_id=plan.uri,
                     author_ids=plan.key, handles=plan.key, times_us=plan.store_us, tags=tags,
                     parent=content_parent(camp), text=text, followers=acc.followers,
                     verified=None, extra=extra)


__all__ = ["Plan", "make_plan", "store_view", "SERVER", "EVENT_UPDATE", "EVENT_EDIT",
           "EVENT_DELETE"]
