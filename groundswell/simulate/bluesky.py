"""Writer for Bluesky as Jetstream (v1) streams it: one event per line, in time order.

Each line is what ``websocat wss://jetstream2.us-east.bsky.network/subscribe`` prints: compact
JSON as Go's encoder writes it (``&``, ``<``, ``>`` as ``\\u0026``…, other characters as
UTF-8), the envelope ``{"did", "time_us", "kind", ...}`` in that order, records with their keys
sorted as Jetstream re-encodes them from CBOR:

* a post: ``{"did", "time_us", "kind": "commit", "commit": {"rev", "operation": "create",
  "collection": "app.bsky.feed.post", "rkey", "record": {"$type", "createdAt", "embed"?,
  "facets"?, "langs"?, "reply"?, "text"}, "cid"}}``. A reply names its parent and its
  thread's root (``{"cid", "uri"}`` each); a quote embeds ``app.bsky.embed.record``.
  Hashtags are ``#tag`` facets and names ``#mention`` facets with the account's DID, over the
  UTF-8 *byte* range of ``#tag`` / ``@handle`` in the text; 5 % of posts come from clients
  that write no facets (the source then finds the tags by atproto's rules). A reply names its
  parent's author in the text one time in five (with the handle the author had then);
* a repost: an ``app.bsky.feed.repost`` record ``{"$type", "createdAt", "subject", "via"?}``
  with its own at-uri. Reposts always name the original post; a planted repost of a repost
  (:mod:`.edges`) is Bluesky's "repost via": ``subject`` the original, ``via`` the repost it
  was made from;
* a delete: ``"operation": "delete"`` with no record, when the author deleted the post;
* a handle change: an ``identity`` event ``{"did", "handle", "seq", "time"}``.

Ids: ``did:plc:`` + 24 base32 characters per account, record keys are TIDs of the moment of
posting, CIDs ``bafyrei…`` (:mod:`.atproto`). Handles: ``name.bsky.social``; the call to action
and public figures use their own domain. The same seed plants the same campaign as in the
Twitter formats; by default it is dated 2922 days (eight years to the day) later, 2025-10-15,
because Bluesky did not exist in 2017 (the model runs at the Twitter date and every time is
shifted, so the timeline is identical).

What the truth can know, and so says: Jetstream carries no profiles, hence no follower counts
and no verified badges, so nobody is a public figure by the rule (followers ≥ threshold or
verified) and ``notable_joiners`` is empty. Reposts carry no tags. Times are the store's
(:mod:`.bluesky_plan`): ``absurd_created_at`` lists the posts ordered by ``time_us`` because
their ``createdAt`` was implausible, ``skewed_created_at`` those whose slightly-ahead clock was
believed, ``handle_changes`` the identity events, ``facetless_posts`` how many posts carry no
facets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import orjson

from groundswell.simulate.bluesky_plan import (
    EVENT_DELETE,
    EVENT_POST,
    POST,
    REPOST_COLLECTION,
    Plan,
)
from groundswell.simulate.derived import Derived
from groundswell.simulate.model import QUOTE, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered, body
from groundswell.simulate.sink import Malformer, Sink

TAG = "app.bsky.richtext.facet#tag"
MENTION = "app.bsky.richtext.facet#mention"
_GO_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
               ("\u2029", "\\u2029"))


def go_json(obj: dict) -> str:
    """Compact JSON as Go's ``encoding/json`` writes it (HTML-safe escapes)."""
    s = orjson.dumps(obj).decode()
    if "&" in s or "<" in s or ">" in s or "\u2028" in s or "\u2029" in s:
        for raw, escaped in _GO_ESCAPES:
            s = s.replace(raw, escaped)
    return s


def _utf8(text: str, index: int) -> int:
    return index if text.isascii() else len(text[:index].encode("utf-8"))


class _Writer:
    """Builds each event's JSON; holds the few lookups every event needs."""

    def __init__(self, camp: Campaign, plan: Plan, rendered: Rendered, d: Derived) -> None:
        self.camp, self.plan, self.records = camp, plan, rendered.records
        self.kind = camp.kind.tolist()
        self.author = camp.author.tolist()
        self.parent = camp.parent.tolist()
        self.conv = d.conversation
        self.created = np.datetime_as_string(camp.ms.astype("datetime64[ms]"),
                                             unit="ms").astype("S23")
        self.handle = list(plan.handle)  # as of the event being written

    def ref(self, i: int) -> dict[str, str]:
        return {"cid": self.plan.cid[i].decode(), "uri": self.plan.uri(self.camp, i)}

    def created_at(self, i: int) -> str:
        claim = self.plan.claim.get(i)
        return claim if claim is not None else self.created[i].decode() + "Z"

    def post(self, i: int) -> dict:
        k = self.kind[i]
        if k == REPOST:
            via = int(self.plan.via[i])
            record = {"$type": REPOST_COLLECTION, "createdAt": self.created_at(i),
                      "subject": self.ref(self.parent[i] if via < 0 else self.parent[via])}
            if via >= 0:
                record["via"] = self.ref(via)
            return record
        rec = self.records[i]
        text, tags = body(rec, i == self.camp.origin)
        facets = []
        if self.plan.mention[i]:
            who = self.author[self.parent[i]]
            name = "@" + self.handle[who]
            text = name + " " + text
            tags = tuple((s + len(name) + 1, e + len(name) + 1, g) for s, e, g in tags)
            facets.append({"features": [{"$type": MENTION, "did": self.plan.did[who]}],
                           "index": {"byteEnd": _utf8(text, len(name)), "byteStart": 0}})
        for s, e, g in tags:
            facets.append({"features": [{"$type": TAG, "tag": g}],
                           "index": {"byteEnd": _utf8(text, e), "byteStart": _utf8(text, s)}})
        record: dict = {"$type": POST, "createdAt": self.created_at(i)}
        if k == QUOTE:
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": self.ref(self.parent[i])}
        if facets and not self.plan.facetless[i]:
            record["facets"] = facets
        if rec[4] != "und":
            record["langs"] = [rec[4]]
        if k == REPLY:
            record["reply"] = {"parent": self.ref(self.parent[i]),
                               "root": self.ref(self.conv[i])}
        record["text"] = text
        return record


def write(sink: Sink, camp: Campaign, plan: Plan, rendered: Rendered, d: Derived,
          rng: np.random.Generator, progress: Callable[[int], None] | None) -> int:
    """Write every event in time order; returns the number of malformed lines."""
    w = _Writer(camp, plan, rendered, d)
    kinds, refs, times = plan.ev_kind.tolist(), plan.ev_ref.tolist(), plan.ev_us.tolist()
    revs = plan.ev_rev
    did, author, deleted = plan.did, w.author, camp.deleted.tolist()
    malformer = Malformer(rng, len(kinds), camp.size - int(camp.deleted.sum()))
    pending = 0
    seq0 = 24_000_000_000 + int(rng.integers(0, 10**9))
    for k, (kind, ref, t) in enumerate(zip(kinds, refs, times, strict=True)):
        if kind == EVENT_POST:
            collection = REPOST_COLLECTION if w.kind[ref] == REPOST else POST
            event = {"did": did[author[ref]], "time_us": t, "kind": "commit",
                     "commit": {"rev": revs[k].decode(), "operation": "create",
                                "collection": collection, "rkey": plan.rkey[ref].decode(),
                                "record": w.post(ref), "cid": plan.cid[ref].decode()}}
            if not deleted[ref]:
                pending += 1
        elif kind == EVENT_DELETE:
            event = {"did": did[author[ref]], "time_us": t, "kind": "commit",
                     "commit": {"rev": revs[k].decode(), "operation": "delete",
                                "collection": POST, "rkey": plan.rkey[ref].decode()}}
        else:
            account, new = plan.changes[ref]
            w.handle[account] = new
            event = {"did": did[account], "time_us": t, "kind": "identity",
                     "identity": {"did": did[account], "handle": new, "seq": seq0 + k,
                                  "time": str(np.datetime64(t // 1000 - 3, "ms")) + "Z"}}
        line = go_json(event)
        sink.line(line)
        malformer.after(k, line, sink)
        if progress is not None and pending >= 20_000:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    return malformer.count
