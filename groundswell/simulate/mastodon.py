"""Writer for Mastodon as a collector on one server saves its streaming API: one WebSocket
message per line, as ``websocat "wss://mastodon.social/api/v1/streaming?stream=user&
access_token=…"`` prints them.

Why the ``user`` stream (the collector account's home timeline, the collector following the
campaign's accounts): it is the stream that carries everything a campaign is made of. The
``public`` and ``hashtag`` streams leave boosts out, and the public one replies to others too
(Mastodon's ``FanOutOnWriteService`` only broadcasts public statuses that are not reblogs).
A simplification, said here: a real home feed skips a boost of a status already among its
last 40 entries; the collector here sees every boost.

Lines (Mastodon 4.4, as the streaming server sends them; ``payload`` is a JSON string):

* ``{"stream":["user"],"event":"update","payload":"{status}"}`` for every status as it
  reaches the server, in that order: its ``id`` is the server's own, its ``uri`` the author
  server's (:mod:`.mastodon_plan`); ``content`` is HTML (:mod:`.mastodon_html`); a reply
  carries ``in_reply_to_id`` / ``in_reply_to_account_id`` (the server's ids) and names the
  replied-to account in ``mentions`` and in its text; a boost is a status with empty
  ``content`` whose ``reblog`` is the boosted status, as it then reads; a quote has
  ``quote: {"state": "accepted", "quoted_status": {…}}`` (inside it, a quoted quote is named
  shallowly by ``quoted_status_id``). A planted repost of a repost is a boost of the original
  (boosting a boost boosts the original on Mastodon);
* ``{"stream":["user"],"event":"status.update","payload":"{status}"}`` for an edit
  (``edited_at`` set): the post first went out without its last hashtag, which the edit
  adds. Boosts written after the edit carry the edited status, those before the original;
* ``{"stream":["user"],"event":"delete","payload":"ID"}`` for a delete, by the server's id.

Statuses carry the fields of an authenticated Mastodon 4.4 response in its order; the
collector's own accounts have a bare ``acct``, others ``name@domain``. 4 % of statuses (and
those with nothing to detect a language in) have ``"language": null``.

Ingesting it needs the server the ids belong to: ``groundswell ingest --server
mastodon.social`` (``truth["server"]``). What the truth can know: Mastodon has no verified
badge, so public figures are accounts with at least the threshold of followers; a boost
carries no tags of its own; ``edits`` and ``edited_post_ids`` name the edited statuses (each
one version in ``post_versions``), ``null_language_posts`` the stored posts with no language
(boosts included), ``remote_accounts`` the authors on other servers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import orjson

from groundswell.simulate import mastodon_html as H
from groundswell.simulate.accounts import Accounts
from groundswell.simulate.derived import Derived
from groundswell.simulate.mastodon_plan import EVENT_EDIT, EVENT_UPDATE, Plan
from groundswell.simulate.model import QUOTE, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered, body
from groundswell.simulate.sink import Malformer, Sink

_APPS = ({"name": "Web", "website": None},
         {"name": "Mastodon for iOS", "website": "https://app.joinmastodon.org/ios"},
         {"name": "Mastodon for Android",
          "website": "https://play.google.com/store/apps/details?id=org.joinmastodon.android"},
         {"name": "Ivory for iOS", "website": "https://tapbots.com/ivory/"},
         {"name": "Phanpy", "website": "https://phanpy.social"},
         {"name": "Elk", "website": "https://elk.zone"})
_HEADER = "https://mastodon.social/headers/original/missing.png"
_MISSING_AVATAR = "https://mastodon.social/avatars/original/missing.png"


class _Statuses:
    """Builds status and account objects; remembers which edits have gone out."""

    def __init__(self, camp: Campaign, acc: Accounts, plan: Plan, rendered: Rendered,
                 d: Derived) -> None:
        self.camp, self.acc, self.plan, self.records = camp, acc, plan, rendered.records
        self.kind = camp.kind.tolist()
        self.author = camp.author.tolist()
        self.parent = camp.parent.tolist()
        self.running = d.running
        self.local = plan.local
        ms = camp.ms
        self.created = [s + "Z" for s in np.where(
            np.array(plan.local)[camp.author],
            np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms"),
            np.char.add(np.datetime_as_string((ms // 1000).astype("datetime64[s]"), unit="s"),
                        ".000")).tolist()]
        self.app = [_APPS[x % len(_APPS)] for x in acc.source.tolist()]
        self.edited: set[int] = set()
        self.account = lru_cache(maxsize=32_768)(self._account)

    def _account(self, a: int, day: str) -> dict:
        acc, plan = self.acc, self.plan
        user, domain, local = acc.handles[a], plan.domain[a], plan.local[a]
        z = plan.account_id[a].zfill(18)
        grouped = f"{z[:3]}/{z[3:6]}/{z[6:9]}/{z[9:12]}/{z[12:15]}/{z[15:]}"
        avatar = _MISSING_AVATAR if a % 7 == 3 else (
            f"https://files.mastodon.social/{'' if local else 'cache/'}accounts/avatars/"
            f"{grouped}/original/{(a * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}.png")
        bio = acc.BIOS[int(acc.bio[a])]
        out = {"id": plan.account_id[a], "username": user,
               "acct": user if local else plan.key[a], "display_name": acc.names[a],
               "locked": False, "bot": False, "discoverable": True if a % 5 else None,
               "indexable": a % 3 == 0, "group": False,
               "created_at": plan.account_created[a],
               "note": f"<p>{H.escape(bio)}</p>" if bio else "",
               "url": f"https://{domain}/@{user}", "uri": f"https://{domain}/users/{user}",
               "avatar": avatar, "avatar_static": avatar, "header": _HEADER,
               "header_static": _HEADER, "followers_count": int(acc.followers[a]),
               "following_count": int(acc.following[a]),
               "statuses_count": int(acc.statuses[a]), "last_status_at": day,
               "hide_collections": None if a % 4 else False}
        if local:
            out["noindex"] = False
        out["emojis"] = []
        if local:
            out["roles"] = []
        out["fields"] = []
        return out

    def edited_at(self, i: int) -> str | None:
        if i not in self.plan.edits or i not in self.edited:
            return None
        ms = self.plan.edits[i][0]
        if self.local[self.author[i]]:
            return str(np.datetime64(ms, "ms")) + "Z"
        return str(np.datetime64(ms // 1000, "s")) + ".000Z"

    def status(self, i: int, in_quote: bool = False, reblogs: int = 0) -> dict:
        """Status ``i`` as it reads now; ``in_quote`` inside a quote (which names a quote it
        carries shallowly), ``reblogs`` its boosts so far when a boost carries it."""
        camp, plan, acc = self.camp, self.plan, self.acc
        k, a = self.kind[i], self.author[i]
        local = self.local[a]
        p = self.parent[i]
        if k == REPOST and self.kind[p] == REPOST:
            p = self.parent[p]  # boosting a boost boosts the original
        words, tags = body(self.records[i], i == camp.origin) if k != REPOST else ("", ())
        if i in plan.edits and i not in self.edited:
            words, tags = plan.edits[i][1:]
        mentions = []
        reply_to = None
        if k == REPLY:
            b = self.author[p]
            reply_to = (f"https://{plan.domain[b]}/@{acc.handles[b]}", acc.handles[b])
            mentions = [{"id": plan.account_id[b], "username": acc.handles[b],
                         "url": reply_to[0],
                         "acct": acc.handles[b] if self.local[b] else plan.key[b]}]
        st = {"id": plan.status_id[i], "created_at": self.created[i],
              "in_reply_to_id": plan.status_id[p] if k == REPLY else None,
              "in_reply_to_account_id": plan.account_id[self.author[p]] if k == REPLY else None,
              "sensitive": False, "spoiler_text": "", "visibility": "public",
              "language": None if k == REPOST or plan.null_language[i] else self.records[i][4],
              "uri": plan.uri(i), "url": plan.url(i),
              "replies_count": 0, "reblogs_count": reblogs, "favourites_count": 2 * reblogs,
              "edited_at": self.edited_at(i), "favourited": False, "reblogged": False,
              "muted": False, "bookmarked": False,
              "content": "" if k == REPOST else H.content(
                  words, tags, plan.domain[a], local, reply_to,
                  plan.url(p) if k == QUOTE else None),
              "filtered": [],
              "reblog": self.status(p, reblogs=self.running[i]) if k == REPOST else None}
        if local:
            st["application"] = None if k == REPOST else self.app[a]
        st["account"] = self.account(a, self.created[i][:10])
        st["media_attachments"] = []
        st["mentions"] = mentions
        st["tags"] = H.tag_list(tags, plan.server)
        st["emojis"] = []
        st["quote"] = None
        if k == QUOTE:  # Mastodon names a quote inside a quote by its id only
            st["quote"] = ({"state": "accepted", "quoted_status_id": plan.status_id[p]}
                           if in_quote else
                           {"state": "accepted", "quoted_status": self.status(p, True)})
        st["card"] = None
        st["poll"] = None
        return st


def _message(event: str, payload: str) -> str:
    return f'{{"stream":["user"],"event":"{event}","payload":{orjson.dumps(payload).decode()}}}'


def write(sink: Sink, camp: Campaign, acc: Accounts, plan: Plan, rendered: Rendered,
          d: Derived, rng: np.random.Generator, progress: Callable[[int], None] | None) -> int:
    """Write the stream in time order; returns the number of malformed lines."""
    s = _Statuses(camp, acc, plan, rendered, d)
    kinds, refs = plan.ev_kind.tolist(), plan.ev_ref.tolist()
    deleted = camp.deleted.tolist()
    malformer = Malformer(rng, len(kinds), camp.size - int(camp.deleted.sum()))
    pending = 0
    for k, (kind, ref) in enumerate(zip(kinds, refs, strict=True)):
        if kind == EVENT_UPDATE:
            line = _message("update", orjson.dumps(s.status(ref)).decode())
            if not deleted[ref]:
                pending += 1
        elif kind == EVENT_EDIT:
            s.edited.add(ref)
            line = _message("status.update", orjson.dumps(s.status(ref)).decode())
        else:  # EVENT_DELETE
            line = _message("delete", plan.status_id[ref])
        sink.line(line)
        malformer.after(k, line, sink)
        if progress is not None and pending >= 20_000:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    s.account.cache_clear()
    return malformer.count
