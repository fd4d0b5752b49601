"""The common twarc2 line — a response page of tweets — decoded straight into typed records.

Why a second path for one shape: decoding a 1.7 KB page into dicts builds every field the API
returned (metrics, image URLs, edit histories...) and the v2 parser then pays a dict lookup and
a type test per field it reads; that Python work was most of a parsing worker's time. msgspec
decodes the page into the structs below instead, skipping unread fields in C and checking the
types of the read ones as it goes. Measured on a 128 MiB chunk of a simulated archive: 1.65 s
→ 1.3 s of parsing, the same rows (docs/benchmarks.md).

The structs accept only the ordinary shape: ids are non-empty strings, ``text`` a string,
every list a list of objects of the expected kind, no flattened (inlined) tweets or users, and
none of the keys that make the v1.1 source claim a record first. Anything else fails to decode
and the line takes the general path (:mod:`groundswell.sources.twitter_v2.general`), which
owns every rule for unusual records; what this path emits for an ordinary page is exactly
what that one emits (``tests/sources/twitter_v2/test_typed.py`` checks it on real and
damaged lines).

Two guards keep the paths' verdicts on *validity* equal too: lines with non-ASCII bytes go the
general way (msgspec does not check UTF-8 inside strings it skips; twarc2 writes ASCII), and a
number beyond double range, which msgspec skips and orjson refuses, reads as null on the
general path as well (:func:`groundswell.ingest.dispatch.decode`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from groundswell.sources.base import INT64, Emitter
from groundswell.sources.bounded_decoder import BoundedDecoder
from groundswell.sources.twitter_v1.general import CLAIM_KEYS as V1_CLAIM_KEYS
from groundswell.sources.twitter_v2.general import (
    PLATFORM,
    each,
    extract_hashtags,
    kind_of,
    newest_time,
    observed_time,
    time_of,
)

Id = Annotated[str, Meta(min_length=1)]
#: How twarc2 (and compact writers) start a page line: a cheap test before decoding.
_PREFIXES = (b'{"data": [', b'{"data":[')


# A field that may be null defaults to None: missing and null read alike, as on the general
# path, and reading it is an attribute access (the calls testing for UNSET cost ~5 % of a
# chunk). UNSET stays where absence itself is the answer: markers that send a line the
# general way, and lists that may be missing but not null.
class _Metrics(Struct):
    followers_count: int | None = None


class _User(Struct):
    id: Id
    username: str | None = None
    name: str | None = None
    verified: bool | None = None
    created_at: str | None = None
    public_metrics: _Metrics | None = None


class _Hashtag(Struct):
    tag: str


class _Mention(Struct):
    username: str
    id: str | None = None


class _Entities(Struct):
    hashtags: list[_Hashtag] | UnsetType = UNSET
    mentions: list[_Mention] | UnsetType = UNSET


class _Reference(Struct):
    type: str
    id: Id
    text: UnsetType = UNSET  # an inlined (flattened) tweet: the general path


class _Tweet(Struct):
    id: Id
    text: str
    author_id: Id | None = None
    created_at: str | None = None
    lang: str | None = None
    conversation_id: Id | None = None
    in_reply_to_user_id: Id | None = None
    entities: _Entities | None = None
    referenced_tweets: list[_Reference] | None = None
    author: UnsetType = UNSET  # flattened lines inline users: the general path
    in_reply_to_user: UnsetType = UNSET


class _Includes(Struct):
    users: list[_User] | UnsetType = UNSET
    tweets: list[_Tweet] | UnsetType = UNSET


class _Twarc(Struct):
    retrieved_at: str | None = None


# A page has ``data`` (a list of tweets) and none of the keys the v1.1 source claims on.
_Page = msgspec.defstruct("_Page", [
    ("data", list[_Tweet]),
    ("includes", _Includes | UnsetType, UNSET),
    ("twarc", _Twarc | UnsetType, msgspec.field(default=UNSET, name="__twarc")),
    *((key, UnsetType, UNSET) for key in V1_CLAIM_KEYS),
])
_decode_page = BoundedDecoder(_Page, shell=b'"data":[],')


def parse_line(raw: bytes, emit: Emitter) -> bool:
    """Parse one raw line if it is an ordinary page; False (having emitted nothing) if not."""
    if not raw.startswith(_PREFIXES) or not raw.isascii() or not _decode_page.agrees:
        return False
    try:
        page = _decode_page(raw)
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return False
    items = page.data
    if not items:
        return False  # an empty page: the general path says how it was skipped
    twarc = page.twarc
    observed = None if twarc is UNSET else observed_time(twarc.retrieved_at)
    if observed is None:
        observed = newest_time(item.created_at for item in items)
    each(items, "data", lambda tweet: _tweet(tweet, emit, observed), emit)
    includes = page.includes
    if includes is not UNSET:
        if includes.users is not UNSET:
            each(includes.users, "includes.users", lambda user: _user(user, emit, observed),
                 emit)
        if includes.tweets is not UNSET:
            each(includes.tweets, "includes.tweets",
                 lambda tweet: _tweet(tweet, emit, observed), emit)
    return True


def _user(user: _User, emit: Emitter, observed: datetime | None) -> None:
    if emit.known_account(PLATFORM, user.id, observed):
        return
    metrics = user.public_metrics
    followers = None if metrics is None else metrics.followers_count
    emit.account(
        PLATFORM,
        user.id,
        user.username,
        user.name,
        followers if followers is None or followers in INT64 else None,
        user.verified,
        time_of(user.created_at),
        observed,
    )


def _tweet(tweet: _Tweet, emit: Emitter, observed: datetime | None) -> None:
    if emit.known_post(PLATFORM, tweet.id):
        return
    refs: dict[str, str | None] = {}
    if tweet.referenced_tweets:
        for ref in tweet.referenced_tweets:
            refs.setdefault(ref.type, ref.id)
    text = tweet.text
    entities = tweet.entities
    if entities is None:  # v2 omits empty entities, as the general path
        tags = extract_hashtags(text) if text else []
        mentions = []
    else:
        found = entities.hashtags
        tags = [] if found is UNSET else [h.tag for h in found]
        named = entities.mentions
        mentions = [] if named is UNSET else [(m.username, m.id) for m in named]
    emit.post(
        PLATFORM,
        tweet.id,
        tweet.author_id,
        time_of(tweet.created_at),
        text,
        tweet.lang,
        kind_of(refs),
        refs.get("replied_to"),
        tweet.in_reply_to_user_id,
        refs.get("retweeted"),
        refs.get("quoted"),
        tweet.conversation_id,
        tags,
        mentions,
    )

