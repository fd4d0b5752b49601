"""Names in the AT Protocol: the at-uris that identify records, and the times TIDs carry.

Why a module of its own: every Bluesky shape we read names posts the same way. A record lives
at ``at://{did}/{collection}/{rkey}``; that uri is the post's id everywhere (the stream's
commits are put together from their parts, views and references carry it whole), and its
first part is the DID of the account whose repository holds it, which is how a reply names the
author it answers. A TID (a record key, a repository revision) is a timestamp in base32: it is
the only time some records arrive with.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from groundswell.sources.bluesky.richtext import BLUESKY_PUBLIC

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"

_SCHEME = "at://"
#: atproto's record-key syntax: 1-512 of these characters, never ``.`` or ``..``.
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
#: atproto's DID syntax (``did:method:identifier``), which a record's at-uri starts with.
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2048}")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID_VALUE = {char: value for value, char in enumerate(_TID_ALPHABET)}
_EPOCH = datetime(1970, 1, 1)


def record_uri(did: str, collection: str, rkey: str) -> str:
    return f"{_SCHEME}{did}/{collection}/{rkey}"


def is_did(value: object) -> bool:
    """A DID as the stream and views write them (``did:plc:…``, ``did:web:…``): one that can
    name a repository in an at-uri."""
    return type(value) is str and _DID.fullmatch(value) is not None


def is_rkey(value: object) -> bool:
    return type(value) is str and _RKEY.fullmatch(value) is not None and value != "." \
        and value != ".."


def parts(uri: object) -> tuple[str, str, str] | None:
    """``(authority, collection, rkey)`` of a record's at-uri, or None if it names no record."""
    if type(uri) is not str or not uri.startswith(_SCHEME):
        return None
    found = uri[len(_SCHEME):].split("/")
    if len(found) != 3 or not all(found):
        return None
    return found[0], found[1], found[2]


def author_of(uri: object) -> str | None:
    """The DID whose repository holds the record (None where the uri names a handle)."""
    found = parts(uri)
    return found[0] if found is not None and is_did(found[0]) else None


def is_post_uri(uri: object) -> bool:
    found = parts(uri)
    return found is not None and found[1] == POST


def reposts_of(did: str, subject: str) -> str:
    """The id of ``did``'s repost of ``subject`` where the repost record's own uri is unknown
    (older feed pages give only who reposted and when): the reposts in ``did``'s repository
    whose subject is that post. Bluesky lets an account repost a post once, so the id is
    deterministic and names one repost; it is no record key, so it never collides with one."""
    return f"{_SCHEME}{did}/{REPOST}?subject={subject}"


def tid_time(tid: object) -> datetime | None:
    """The time a TID carries (microseconds since 1970 in its first 53 bits), naive UTC; None
    if ``tid`` is not a TID or its time is earlier than Bluesky's public opening (a record key
    chosen by hand, or a clock that was wrong)."""
    if type(tid) is not str or len(tid) != 13 or tid[0] not in "234567abcdefghij":
        return None
    value = 0
    for char in tid:
        digit = _TID_VALUE.get(char)
        if digit is None:
            return None
        value = value << 5 | digit
    try:
        moment = _EPOCH + timedelta(microseconds=value >> 10)
    except OverflowError:
        return None
    return moment if moment >= BLUESKY_PUBLIC else None


def microseconds_time(value: object) -> datetime | None:
    """Jetstream's ``time_us`` (microseconds since 1970) as naive UTC; None if it is not one."""
    if type(value) is not int and type(value) is not float:
        return None
    try:
        return _EPOCH + timedelta(microseconds=value)
    except (OverflowError, ValueError):
        return None
