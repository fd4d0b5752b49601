"""The common v1.1 line — one status, as the streaming API and ``twarc`` write it — decoded
straight into typed records.

Why a second path for one shape: a v1.1 status is ~3 KB of JSON of which the parser reads a
few dozen fields (the rest is profile colours, image URLs, counts, places...). Decoding it
into dicts builds every one of them, frees them again, and the v1.1 parser then pays a dict
lookup and a type test per field it reads. msgspec decodes the line into the structs below
instead, skipping unread fields in C and checking the types of the read ones as it goes (the
design of :mod:`groundswell.sources.twitter_v2.typed`, for twarc2 pages). Measured on the
first 128 MiB of the simulated 1M-post v1.1 archive (46.6k lines), CPU time of a parsing
worker's chunk: 1.05 s → 0.84 s, the same Arrow tables.

The structs accept only the ordinary shape: ids are strings or integers, texts and timestamps
strings, ``user``, ``entities``, ``extended_tweet`` and the embedded statuses objects (or
null), every hashtag and mention an object with its text. Anything else fails to decode and
the line takes the general path (:mod:`groundswell.sources.twitter_v1.general`), which owns
every rule for unusual records; what this path emits for an ordinary status is exactly what that one
emits (``tests/sources/twitter_v1/test_typed.py`` checks it on real and damaged lines), through
the same functions for each rule (ids, timestamps, kinds, follower counts). Lines are tried
only if their first key is one a v1.1 status has (see ``_FIRST_KEYS``): twarc2 lines, which
the page parser before this one refuses by their first bytes, are not decoded twice.

Nothing is emitted until the whole status tree has been read without an error: an error the
general path would raise part-way (a bad timestamp in an embedded status) would leave rows
behind it, so the line is declined instead, and the general path records those rows and the
problem. The emitting pass then makes the general path's calls in its order (each status,
then its retweeted and quoted status). A post the batch holds already is not read again
(``Emitter.holds_post``), as the general path reads nothing of a post the batch knows.

Guards that keep the verdicts on *validity* equal: msgspec does not check UTF-8 inside the
strings it skips, so a line with non-ASCII bytes is first checked by Python's strict UTF-8
decoder, which refuses what orjson refuses (invalid sequences, surrogates, overlong forms).
twarc, the streaming API and Gnip write ``\\u`` escapes, so most lines are ASCII and skip
that check; it costs ~2 µs a line where it runs (the same chunk with raw UTF-8, 14.5k
non-ASCII lines: 0.91 s). msgspec reads integers of any size where orjson reads those beyond
64 bits as floats: read ids are limited to int64. A number beyond double range in a skipped
field reads as null on the general path as well (:func:`groundswell.ingest.dispatch.decode`), and
nesting is limited as orjson limits it (as in the v2 typed path).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from groundswell.sources.base import Emitter, RecordError, id_str
from groundswell.sources.bounded_decoder import BoundedDecoder
from groundswell.sources.twitter_v1.general import (
    _MAX_DEPTH,
    PLATFORM,
    _time,
    followers_of,
    kind_of,
)

#: An id as a JSON number: orjson reads integers of 64 bits as ints (beyond: floats, which
#: ``id_str`` refuses); msgspec reads any size, so the range is checked here (signed: msgspec
#: checks no wider bounds; a larger id is declined, and Twitter's ids are below 2**63).
_IdNumber = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
_Id = _IdNumber | str | None | UnsetType
_Str = str | None | UnsetType


class _User(Struct):
    id_str: _Str = UNSET
    id: _Id = UNSET
    screen_name: _Str = UNSET
    name: _Str = UNSET
    verified: bool | None | UnsetType = UNSET
    followers_count: int | str | None | UnsetType = UNSET  # as_int's rule: any size
    created_at: _Str = UNSET


class _Hashtag(Struct):
    text: str


class _Mention(Struct):
    screen_name: str
    id_str: _Str = UNSET
    id: _Id = UNSET


class _Entities(Struct):
    hashtags: list[_Hashtag] | None | UnsetType = UNSET
    user_mentions: list[_Mention] | None | UnsetType = UNSET


class _Extended(Struct):
    full_text: _Str = UNSET
    entities: _Entities | None | UnsetType = UNSET


class _Status(Struct):
    id_str: _Str = UNSET
    id: _Id = UNSET
    created_at: _Str = UNSET
    text: _Str = UNSET
    full_text: _Str = UNSET
    lang: _Str = UNSET
    user: _User | None | UnsetType = UNSET
    entities: _Entities | None | UnsetType = UNSET
    extended_tweet: _Extended | None | UnsetType = UNSET
    in_reply_to_status_id_str: _Str = UNSET
    in_reply_to_status_id: _Id = UNSET
    in_reply_to_user_id_str: _Str = UNSET
    in_reply_to_user_id: _Id = UNSET
    quoted_status_id_str: _Str = UNSET
    quoted_status_id: _Id = UNSET
    retweeted_status: _Status | None | UnsetType = UNSET
    quoted_status: _Status | None | UnsetType = UNSET


class _Line(_Status):
    """A line's status: the general path reads a line with ``delete`` as a delete notice."""

    delete: UnsetType = UNSET


_decode_line = BoundedDecoder(_Line)


#: A line is tried only if its first key is one a v1.1 status has and a twarc2 tweet lacks,
#: or ``created_at``, where Twitter's serializer (REST, streaming, twarc) puts it: a twarc2
#: line (a page, a flattened tweet) is refused without being decoded twice.
_FIRST_KEYS = frozenset(key.encode() for key in (
    "created_at", "id_str", "truncated", "display_text_range", "full_text",
    "in_reply_to_status_id", "in_reply_to_status_id_str", "in_reply_to_user_id_str",
    "in_reply_to_screen_name", "user", "coordinates", "place", "contributors",
    "retweeted_status", "quoted_status", "quoted_status_id", "quoted_status_id_str",
    "quoted_status_permalink", "is_quote_status", "extended_tweet", "extended_entities",
    "quote_count", "reply_count", "retweet_count", "favorite_count", "favorited", "retweeted",
    "filter_level", "timestamp_ms", "scopes", "metadata", "current_user_retweet",
))


def parse_line(raw: bytes, emit: Emitter) -> bool:
    """Parse one raw line if it is an ordinary status; False (having emitted nothing) if not."""
    if not raw.startswith(b'{"'):
        return False
    end = raw.find(b'"', 2, 40)
    if end < 0 or raw[2:end] not in _FIRST_KEYS:
        return False
    if not raw.isascii():
        try:
            raw.decode()
        except UnicodeDecodeError:
            return False
    if not _decode_line.agrees:
        return False
    try:
        line = _decode_line(raw)
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return False
    # what makes the general path read the line as a status: a "user" and an id key
    if line.user is UNSET or (line.id_str is UNSET and line.id is UNSET):
        return False
    rows: list[tuple] = []
    try:
        _read(line, rows, 0, emit)
    except RecordError:
        return False
    for post_id, post, account in rows:
        if not emit.known_post(PLATFORM, post_id):
            emit.post(*post)  # not None: a post the batch held, it holds still
            if account is not None:
                emit.account(*account)
    return True


def _read(status: _Status, rows: list[tuple], depth: int, emit: Emitter) -> None:
    """Append ``(post id, post row, account row)`` for a status and the statuses it embeds,
    in the general path's order; the rows are None for a post the batch holds (the general
    path reads nothing of it but its id: a popular tweet in every retweet of it). Raises
    RecordError where the general path would (or might, for a post it knows)."""
    if depth > _MAX_DEPTH:
        raise RecordError("embedded statuses nested too deeply")
    post_id = id_str(_first(status.id_str, status.id))
    if post_id is None:
        raise RecordError("status without id")
    retweeted, quoted = status.retweeted_status, status.quoted_status
    if emit.holds_post(PLATFORM, post_id):
        rows.append((post_id, None, None))
    else:
        rows.append((post_id, *_rows(status, post_id, retweeted, quoted)))
    if retweeted:  # a struct is true; None and UNSET are not
        _read(retweeted, rows, depth + 1, emit)
    if quoted:
        _read(quoted, rows, depth + 1, emit)


def _rows(status: _Status, post_id: str, retweeted: _Status | None | UnsetType,
          quoted: _Status | None | UnsetType) -> tuple[tuple, tuple | None]:
    """A status's post row and its author's account row, as ``twitter_v1._status`` makes
    them (where it reads a missing key as None, UNSET is read as None here)."""
    created = status.created_at
    created_at = None if created is UNSET else _time(created)
    user = status.user
    author_id = id_str(_first(user.id_str, user.id)) if user else None
    extended = status.extended_tweet
    if extended:  # streaming: text is cut at 140, the full post is here
        text = None if extended.full_text is UNSET else extended.full_text
        entities = extended.entities
    else:
        text = status.full_text or status.text
        text = None if text is UNSET else text
        entities = status.entities
    if entities:
        found = entities.hashtags
        tags = [h.text for h in found] if found else []
        named = entities.user_mentions
        mentions = [(m.screen_name, id_str(_first(m.id_str, m.id))) for m in named] \
            if named else []
    else:
        tags = []
        mentions = []
    reply_to = id_str(_first(status.in_reply_to_status_id_str, status.in_reply_to_status_id))
    reply_to_author = id_str(_first(status.in_reply_to_user_id_str, status.in_reply_to_user_id))
    quote_of = id_str(_first(status.quoted_status_id_str, status.quoted_status_id))
    if not quote_of and quoted:
        quote_of = id_str(_first(quoted.id_str, quoted.id))
    repost_of = id_str(_first(retweeted.id_str, retweeted.id)) if retweeted else None
    lang = status.lang
    post = (PLATFORM, post_id, author_id, created_at, text, None if lang is UNSET else lang,
            kind_of(repost_of, reply_to, quote_of), reply_to, reply_to_author, repost_of,
            quote_of, None, tags, mentions)
    if author_id is None:
        return post, None
    since = user.created_at
    handle, name, verified = user.screen_name, user.name, user.verified
    followers = user.followers_count
    return post, (
        PLATFORM, author_id, None if handle is UNSET else handle,
        None if name is UNSET else name,
        followers_of(None if followers is UNSET else followers),
        None if verified is UNSET else verified,
        _time(since) if since else None,
        created_at,
    )


def _first(first: object, second: object) -> object:
    """``get(first) or get(second)`` of the general path (UNSET is false, as None is)."""
    value = first or second
    return None if value is UNSET else value
