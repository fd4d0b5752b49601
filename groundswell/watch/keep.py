"""Which Jetstream events a campaign's watch keeps: the campaign filter, event by event.

Jetstream cannot filter by tag, so the client reads the whole firehose of posts and reposts
and keeps, in the order they arrive:

* a **post** (created or edited) whose tags include one of the campaign's tags, variants or
  response tags (computed as the Bluesky source computes ``post_hashtags``:
  :func:`~groundswell.sources.bluesky.records.tags_of`, normalised by
  :func:`~groundswell.text.normalize_tag`), or whose text holds one of the campaign's phrases
  as whole words, any case (only in replies to the origin post when the campaign says so:
  those are kept anyway, below);
* a post that is already kept (a later edit of it), and the campaign's origin posts;
* a **reply** whose parent or thread root is kept (the conversations under campaign posts and
  under the call to action, which the report's reply trees and call-to-action count read);
* a **repost** whose subject is kept, and a **delete** that names a kept post or repost;
* an **identity** or **account** event naming a DID that authored a kept event. Such events
  often come before the account's first campaign post (a handle change, then a post): the
  last few of each recent account are held in memory (:data:`HELD_ACCOUNTS` accounts) and
  kept, in their order, just before that first kept event.

What the filter cannot judge (not JSON, not an object, a commit without a valid DID, rkey or
record, an unknown operation on a post) is kept too: the writer parses it as an ingest would
and quarantines it with its reason, so a damaged event is evidence, never a silent loss. What
it can judge and is not about the campaign (any other collection, an unknown kind) is dropped.

Keeping more than the matching rule needs is harmless: a report applies
:mod:`groundswell.scope.matching` to whatever the store holds. So a report on a watched store
equals the report on a straight ingest of the whole stream, except what compares the campaign
with everything else (a response tag's ``lift`` divides by every stored post). The campaign's
time window is not applied here: a post's time in the store can depend on later events.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache

from groundswell.campaign import Campaign
from groundswell.sources.base import RecordError
from groundswell.sources.bluesky.names import POST, REPOST, is_did, is_rkey
from groundswell.sources.bluesky.records import tags_of, text_of
from groundswell.text import normalize_tag
from groundswell.watch.known import KnownSet

#: Accounts whose recent identity and account events are held (the oldest forgotten first),
#: and how many events each: ~50k x a few hundred bytes, tens of MB at most.
HELD_ACCOUNTS = 50_000
HELD_PER_ACCOUNT = 4

Kept = list[tuple[bytes, int]]
_tag_key = lru_cache(maxsize=1 << 16)(normalize_tag)


class KeepAll:
    """``--all``: every event is kept (the store equals a straight ingest of the stream)."""

    def take(self, event: object, raw: bytes, line: int) -> Kept:  # noqa: ARG002
        return [(raw, line)]


class Keep:
    """The campaign filter (see the module). :meth:`take` says what to store for one event."""

    def __init__(self, campaign: Campaign, posts: KnownSet | None = None,
                 dids: KnownSet | None = None, held_accounts: int = HELD_ACCOUNTS) -> None:
        self.campaign = campaign
        self.tags = frozenset((*campaign.tags, *campaign.response_tags))
        # in replies to the origin only: those replies are kept whatever they say
        self.phrases = () if campaign.phrases_only_in_replies_to_origin else tuple(
            phrase_regex(p) for p in campaign.phrases)
        #: the at-uris of kept posts and reposts; the DIDs of their authors
        self.posts = posts if posts is not None else KnownSet()
        self.dids = dids if dids is not None else KnownSet()
        # every platform's: the matching rule reads them all, and a Bluesky origin listed
        # without its platform (``post_ids``, Twitter's by default) is still an at-uri
        for uri in campaign.origin_post_ids:
            self.posts.add(uri)
        self.held_accounts = held_accounts
        self._held: OrderedDict[str, Kept] = OrderedDict()

    def take(self, event: object, raw: bytes, line: int) -> Kept:
        """What to store for ``event`` (decoded from ``raw``; anything else if ``raw`` is not
        JSON), in order: nothing, the event, or held events of its author and the event."""
        if type(event) is not dict:
            return [(raw, line)]  # not a JSON object: quarantined by the writer
        kind = event.get("kind")
        did = event.get("did")
        if kind == "commit":
            return self._commit(event.get("commit"), did, raw, line)
        if kind == "identity" or kind == "account":
            body = event.get(kind)
            if type(body) is not dict:
                return [(raw, line)]
            if did is None:
                did = body.get("did")
            if not is_did(did):
                return [(raw, line)]
            if did in self.dids:
                return [(raw, line)]
            self._hold(did, raw, line)
            return []
        if type(kind) is str:
            return []  # a kind this version does not know: nothing a campaign counts
        return [(raw, line)]

    def _commit(self, commit: object, did: object, raw: bytes, line: int) -> Kept:
        if type(commit) is not dict or not is_did(did):
            return [(raw, line)]
        collection = commit.get("collection")
        if collection != POST and collection != REPOST:
            # another app's record (Jetstream sends only what was asked; a server may not)
            return [] if type(collection) is str and collection else [(raw, line)]
        rkey = commit.get("rkey")
        if not is_rkey(rkey):
            return [(raw, line)]
        uri = f"at://{did}/{collection}/{rkey}"
        operation = commit.get("operation")
        if operation == "delete":
            return self._by(did, raw, line) if uri in self.posts else []
        if operation != "create" and operation != "update":
            return [(raw, line)]
        record = commit.get("record")
        if type(record) is not dict:
            return [(raw, line)]
        if uri not in self.posts:
            try:
                wanted = self._reposts_kept(record) if collection == REPOST \
                    else self._post_wanted(record)
            except (RecordError, LookupError, TypeError, ValueError, AttributeError):
                return [(raw, line)]  # what the source cannot read either: quarantined
            if not wanted:
                return []
            self.posts.add(uri)
        return self._by(did, raw, line)

    def matches(self, record: dict) -> bool:
        """Whether a post record carries one of the campaign's tags, or (when the campaign
        counts phrases beyond the replies to its origin) says one of its phrases. Raises
        :class:`RecordError` where the source would (a record without text)."""
        text = text_of(record)
        if self.tags:
            for tag in tags_of(record, text):
                if _tag_key(tag) in self.tags:
                    return True
        if self.phrases:
            lowered = text.lower()
            return any(phrase.search(lowered) for phrase in self.phrases)
        return False

    def _post_wanted(self, record: dict) -> bool:
        if self.matches(record):
            return True
        reply = record.get("reply")
        if type(reply) is dict:
            for end in ("parent", "root"):
                ref = reply.get(end)
                uri = ref.get("uri") if type(ref) is dict else None
                if type(uri) is str and uri in self.posts:
                    return True
        return False

    def _reposts_kept(self, record: dict) -> bool:
        subject = record.get("subject")
        uri = subject.get("uri") if type(subject) is dict else None
        if type(uri) is not str or not uri:
            raise RecordError("repost record without a subject uri")
        return uri in self.posts

    def _by(self, did: str, raw: bytes, line: int) -> Kept:
        """Keep an event of ``did``; the first time, with what was held of ``did`` before it."""
        if not self.dids.add(did):
            return [(raw, line)]
        held = self._held.pop(did, None)
        return [*held, (raw, line)] if held else [(raw, line)]

    def _hold(self, did: str, raw: bytes, line: int) -> None:
        held = self._held.get(did)
        if held is None:
            if self.held_accounts <= 0:
                return
            held = self._held[did] = []
            while len(self._held) > self.held_accounts:
                self._held.popitem(last=False)
        else:
            self._held.move_to_end(did)
        held.append((raw, line))
        if len(held) > HELD_PER_ACCOUNT:
            del held[0]


#: RE2's ``[\s\p{Z}]`` (what :func:`groundswell.scope.matching.phrase_pattern` puts between
#: words): its ``\s`` is ``[\t\n\f\r ]``, and every Zs, Zl and Zp character.
_SPACE = "[\t\n\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"


def phrase_regex(phrase: str) -> re.Pattern[str]:
    """:func:`groundswell.scope.matching.phrase_pattern` in Python's ``re``, for lowered text:
    the phrase's words with any run of spaces between them, neither preceded nor followed by
    a letter, a number or ``_`` (Python's ``\\w`` on text is RE2's ``[\\p{L}\\p{N}_]``, up to
    the two libraries' Unicode versions)."""
    words = [re.escape(word) for word in phrase.lower().split()]
    return re.compile(rf"(?:^|\W){_SPACE.join(words)}(?:\Z|\W)")
