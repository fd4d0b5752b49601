"""Twitter API v1.1 statuses, REST and streaming (and Gnip's original format, which shares it).

A line is a status (with its author in ``user`` and any ``retweeted_status`` /
``quoted_status`` embedded in full), a delete notice (``{"delete": {"status": ...}}``) or
one of the streaming API's control notices, which are recognised and skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from groundswell.sources.base import (
    Emitter,
    RecordError,
    Source,
    as_dict,
    as_int,
    as_list,
    as_str,
    id_str,
)

PLATFORM = "twitter"
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
#: Stream messages that are not statuses (Twitter's "Streaming message types").
_NOTICES = ("limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning",
            "friends", "friends_str", "event", "control", "for_user")
_MAX_DEPTH = 4  # a retweet of a quote is the deepest real nesting


def parse_time(value: object) -> datetime | None:
    """``"Sun Oct 15 20:21:00 +0000 2017"`` → naive UTC, without strptime's per-call cost."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"created_at is not a v1.1 timestamp: {str(value)[:40]!r}")
    return _parse_v1(value)


@lru_cache(maxsize=65536)
def _parse_v1(value: str) -> datetime:
    try:
        _, mon, day, clock, offset, year = value.split()  # type: ignore[union-attr]
        hh, mm, ss = clock.split(":")
        dt = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss))
        sign = -1 if offset[0] == "-" else 1
        minutes = int(offset[1:3]) * 60 + int(offset[3:5])
        return dt - timedelta(minutes=sign * minutes)
    except (AttributeError, ValueError, KeyError, IndexError, OverflowError):
        raise RecordError(f"created_at is not a v1.1 timestamp: {str(value)[:40]!r}") from None


def claims(obj: dict) -> bool:
    if "delete" in obj:
        return True
    if "user" in obj and ("id_str" in obj or "id" in obj):
        return True
    return any(key in obj for key in _NOTICES)


def parse(obj: dict, emit: Emitter) -> None:
    if "delete" in obj:
        _delete(obj, emit)
    elif "user" in obj and ("id_str" in obj or "id" in obj):
        _status(obj, emit, 0)
    else:
        notice = next(key for key in _NOTICES if key in obj)
        emit.skip(f"stream notice '{notice}' (not a post)")


def _delete(obj: dict, emit: Emitter) -> None:
    status = as_dict(as_dict(obj.get("delete")).get("status"))
    post_id = id_str(status.get("id_str") or status.get("id"))
    if post_id is None:
        raise RecordError("delete notice without a status id")
    ms = as_int(as_dict(obj.get("delete")).get("timestamp_ms") or obj.get("timestamp_ms"))
    try:
        deleted_at = datetime(1970, 1, 1) + timedelta(milliseconds=ms) if ms else None
    except OverflowError:  # an impossible time: keep the delete, without its time
        deleted_at = None
    emit.delete(PLATFORM, post_id, deleted_at, "deleted")


def _status(status: dict, emit: Emitter, depth: int) -> None:
    if not isinstance(status, dict):
        raise RecordError(f"status is a {type(status).__name__}, not an object")
    if depth > _MAX_DEPTH:
        raise RecordError("embedded statuses nested too deeply")
    post_id = id_str(status.get("id_str") or status.get("id"))
    if post_id is None:
        raise RecordError("status without id")
    if emit.known_post(PLATFORM, post_id):
        # parsed in this batch already; an embedded copy may lack what this one embeds
        for nested in (status.get("retweeted_status"), status.get("quoted_status")):
            if isinstance(nested, dict):
                _status(nested, emit, depth + 1)
        return
    created_at = parse_time(status.get("created_at"))
    user = as_dict(status.get("user"))
    author_id = id_str(user.get("id_str") or user.get("id"))
    extended = status.get("extended_tweet")
    if isinstance(extended, dict):  # streaming: text is cut at 140, the full post is here
        text = extended.get("full_text")
        entities = as_dict(extended.get("entities"))
    else:
        text = status.get("full_text") or status.get("text")
        entities = as_dict(status.get("entities"))
    if text is not None and not isinstance(text, str):
        raise RecordError(f"text is a {type(text).__name__}")
    retweeted = status.get("retweeted_status")
    quoted = status.get("quoted_status")
    reply_to = id_str(
        status.get("in_reply_to_status_id_str") or status.get("in_reply_to_status_id"))
    reply_to_author = id_str(
        status.get("in_reply_to_user_id_str") or status.get("in_reply_to_user_id"))
    quote_of = id_str(status.get("quoted_status_id_str") or status.get("quoted_status_id")) or (
        id_str(quoted.get("id_str") or quoted.get("id")) if isinstance(quoted, dict) else None)
    repost_of = (id_str(retweeted.get("id_str") or retweeted.get("id"))
                 if isinstance(retweeted, dict) else None)
    if repost_of:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quote_of:
        kind = "quote"
    else:
        kind = "original"
    tags = [h["text"] for h in as_list(entities.get("hashtags"))
            if isinstance(h, dict) and isinstance(h.get("text"), str)]
    mentions = [(m["screen_name"], id_str(m.get("id_str") or m.get("id")))
                for m in as_list(entities.get("user_mentions"))
                if isinstance(m, dict) and isinstance(m.get("screen_name"), str)]
    emit.post(
        PLATFORM, post_id, author_id, created_at, text, as_str(status.get("lang")), kind,
        reply_to, reply_to_author,
        repost_of, quote_of, None, tags, mentions,
    )
    if author_id is not None:
        emit.account(
            PLATFORM, author_id, as_str(user.get("screen_name")), as_str(user.get("name")),
            as_int(user.get("followers_count")),
            user["verified"] if isinstance(user.get("verified"), bool) else None,
            parse_time(user.get("created_at")) if user.get("created_at") else None,
            created_at,  # a v1.1 user object is a snapshot taken when the status was posted
        )
    for nested in (retweeted, quoted):
        if isinstance(nested, dict):
            _status(nested, emit, depth + 1)


SOURCE = Source(
    name="twitter-v1",
    platform=PLATFORM,
    description="Twitter API v1.1 statuses (REST, streaming, Gnip original format) and deletes",
    claims=claims,
    parse=parse,
)
