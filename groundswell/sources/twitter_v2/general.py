"""Twitter API v2 as twarc2 writes it.

Handles every line shape twarc2 produces: response pages (``data`` + ``includes``), flattened
tweets (``twarc2 flatten``: one tweet per line with ``author`` and referenced tweets inlined),
filtered-stream lines (``{"data": {...}, "matching_rules": [...]}``), ``errors`` blocks, and
compliance notices: job results (``{"id", "action": "delete", ...}``) and stream events
(``{"data": {"user_delete": ...}}``), read by :mod:`.compliance`. Records that are not tweets
(users, lists, tweet counts) are recognised and skipped with a reason so they are never
mistaken for posts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from groundswell.sources.base import (
    INT64,
    Emitter,
    RecordError,
    as_dict,
    as_int,
    as_list,
    as_str,
    id_str,
    utc_naive,
)
from groundswell.sources.twitter_v2 import compliance
from groundswell.text import extract_hashtags

PLATFORM = "twitter"
_MAX_DEPTH = 8  # flattened tweets inline referenced tweets; real data nests 2-3 deep


def parse_time(value: object) -> datetime | None:
    """v2 timestamps are ISO 8601 with a ``Z``; users-compliance lines use ``+00:00``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"created_at is not a string: {type(value).__name__}")
    return _parse_iso(value)


def _iso(value: str) -> datetime:
    """ISO 8601 → naive UTC, or RecordError."""
    try:
        if value.endswith("Z"):  # the common case: already UTC, no zone arithmetic needed
            return datetime.fromisoformat(value[:-1])
        return utc_naive(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved to UTC
        raise RecordError(f"created_at is not an ISO timestamp: {value[:40]!r}") from None


#: Cached for the collection time, which repeats on every flattened line of a page (and is
#: parsed once per page otherwise); compliance events go through it too. Not for
#: tweets' or users' own times: parsing costs 160-230 ns, a cache lookup that misses 400-750 ns,
#: and a chunk's users are too many and too rarely near their previous sighting for a bounded
#: cache to hit (126k users per 128 MiB chunk, 68k of them distinct; measured).
_parse_iso = lru_cache(maxsize=4096)(_iso)


def observed_time(value: object) -> datetime | None:
    """When a page or line was collected. Metadata: a bad value means unknown, and must not
    cost the page's tweets (each tweet's own ``created_at`` is checked where it is used)."""
    try:
        return parse_time(value)
    except RecordError:
        return None


def newest_time(created: Iterable[object]) -> datetime | None:
    """A page without its collection time: the newest tweet on it is our best proxy."""
    times = {t for t in created if t and type(t) is str}
    newest = (observed_time(t) for t in sorted(times, reverse=True))
    return next((t for t in newest if t is not None), None)


def claims(obj: dict) -> bool:
    """Pages/stream lines, compliance events, or flattened tweets (v2 has no ``id_str``)."""
    if "data" in obj or "errors" in obj:
        return True
    if "action" in obj and "id" in obj:
        return True
    return "id" in obj and "id_str" not in obj and "user" not in obj


def parse(obj: dict, emit: Emitter) -> None:
    if "action" in obj and "id" in obj and "data" not in obj:
        compliance.parse_job_line(obj, emit, PLATFORM, parse_time)
    elif "data" in obj or "errors" in obj:
        _page(obj, emit)
    else:
        observed = observed_time(as_dict(obj.get("__twarc")).get("retrieved_at"))
        _item(obj, emit, observed, where="line")


def _page(obj: dict, emit: Emitter) -> None:
    observed = observed_time(as_dict(obj.get("__twarc")).get("retrieved_at"))
    data = obj.get("data")
    if compliance.is_stream_event(data):
        compliance.parse_stream_event(data, emit, PLATFORM, parse_time)
        return
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    includes = as_dict(obj.get("includes"))
    if data is not None and not isinstance(data, (list, dict)):
        raise RecordError(f"'data' is a {type(data).__name__}, expected a list or object")
    if not items and not includes:
        emit.skip("API errors block" if obj.get("errors") else "empty response page")
        return
    if observed is None:
        observed = newest_time(as_dict(i).get("created_at") for i in items)
    each(items, "data", lambda item: _item(item, emit, observed, where="data"), emit)
    each(as_list(includes.get("users")), "includes.users",
         lambda user: _user(user, emit, observed), emit)
    each(as_list(includes.get("tweets")), "includes.tweets",
         lambda tweet: _tweet(tweet, emit, observed, 0), emit)


_ITEM_ERRORS = (RecordError, LookupError, TypeError, ValueError, AttributeError, ArithmeticError)


def each(items: list, where: str, parse_one: Callable[[Any], None], emit: Emitter) -> None:
    """Parse a page's list item by item: one bad tweet in a page of 100 must not cost the
    other 99, so each failure is a problem of its own (``data[3]: ...``)."""
    for i, item in enumerate(items):
        try:
            parse_one(item)
        except _ITEM_ERRORS as exc:
            emit.problem(f"{where}[{i}]: {exc}")


def kind_of(refs: dict[str, str | None]) -> str:
    """A tweet's kind from its referenced tweets' types (see ``schema.KINDS`` for the order)."""
    if not refs:
        return "original"
    if "retweeted" in refs:
        return "repost"
    if "replied_to" in refs:
        return "reply"
    if "quoted" in refs:
        return "quote"
    return "original"


def _item(item: object, emit: Emitter, observed: datetime | None, where: str) -> None:
    """A record in ``data``: usually a tweet, but twarc2 also writes users, lists and counts."""
    if not isinstance(item, dict):
        raise RecordError(f"{where} item is a {type(item).__name__}, not an object")
    if "text" in item or "edit_history_tweet_ids" in item:
        _tweet(item, emit, observed, 0)
    elif "tweet_count" in item:
        emit.skip("tweet counts (not posts)")
    elif "member_count" in item or "owner_id" in item:
        emit.skip("list (not a post)")
    elif "username" in item:
        _user(item, emit, observed)
        emit.skip("user (not a post)")
    else:
        raise RecordError(f"{where} item of unknown shape (keys: {', '.join(list(item)[:6])})")


def time_of(value: object) -> datetime | None:
    """A tweet's or user's ``created_at`` (not cached: see :data:`_parse_iso`)."""
    return _iso(value) if type(value) is str else parse_time(value)


# _user and _tweet run for every object of every page (hundreds of millions in a big
# archive), so the common case is spelled out inline: exact type tests, one dict lookup per
# field, no helper call unless a value is unusual. Behaviour is that of the helpers.

def _user(user: dict, emit: Emitter, observed: datetime | None) -> None:
    get = user.get
    author_id = id_str(get("id"))
    if author_id is None:
        raise RecordError("user without id")
    if emit.known_account(PLATFORM, author_id, observed):
        return
    metrics = get("public_metrics")
    followers = metrics.get("followers_count") if type(metrics) is dict else None
    if followers is not None and (type(followers) is not int or followers not in INT64):
        followers = as_int(followers)
    handle, name, verified = get("username"), get("name"), get("verified")
    emit.account(
        PLATFORM,
        author_id,
        handle if type(handle) is str else None,
        name if type(name) is str else None,
        followers,
        verified if type(verified) is bool else None,
        time_of(get("created_at")),
        observed,
    )


def _tweet(tweet: dict, emit: Emitter, observed: datetime | None, depth: int) -> None:
    if type(tweet) is not dict:
        raise RecordError(f"tweet is a {type(tweet).__name__}, not an object")
    if depth > _MAX_DEPTH:
        raise RecordError("referenced tweets nested too deeply")
    get = tweet.get
    post_id = id_str(get("id"))
    if post_id is None:
        raise RecordError("tweet without id")
    if "author" not in tweet and emit.known_post(PLATFORM, post_id):
        return  # already parsed in this batch (a flattened line's author may be newer: parse)
    text = get("text")
    if text is not None and type(text) is not str:
        raise RecordError(f"text is a {type(text).__name__}")
    refs: dict[str, str | None] = {}
    inlined: list[dict] = []
    referenced = get("referenced_tweets")
    if referenced and type(referenced) is list:
        for ref in referenced:
            if type(ref) is dict and type(ref.get("type")) is str:
                refs.setdefault(ref["type"], id_str(ref.get("id")))
                if "text" in ref:  # twarc2 flatten inlines the whole referenced tweet
                    inlined.append(ref)
    kind = kind_of(refs)
    entities = get("entities")
    if type(entities) is dict:
        found = entities.get("hashtags")
        tags = [h["tag"] for h in found if type(h) is dict and type(h.get("tag")) is str] \
            if type(found) is list else []
        found = entities.get("mentions")
        mentions = [(m["username"], as_str(m.get("id"))) for m in found
                    if type(m) is dict and type(m.get("username")) is str] \
            if type(found) is list else []
    else:  # v2 omits empty entities; twitter-text extraction gives the same answer
        tags = extract_hashtags(text) if text else []
        mentions = []
    lang = get("lang")
    reply_to_author = get("in_reply_to_user_id")
    conversation = get("conversation_id")
    emit.post(
        PLATFORM,
        post_id,
        id_str(get("author_id")),
        time_of(get("created_at")),
        text,
        lang if type(lang) is str else None,
        kind,
        refs.get("replied_to"),
        None if reply_to_author is None else id_str(reply_to_author),
        refs.get("retweeted"),
        refs.get("quoted"),
        None if conversation is None else id_str(conversation),
        tags,
        mentions,
    )
    if "author" in tweet or "in_reply_to_user" in tweet:
        for key in ("author", "in_reply_to_user"):  # flattened lines inline these users
            if isinstance(tweet.get(key), dict):
                _user(tweet[key], emit, observed)
    for ref in inlined:
        _tweet(ref, emit, observed, depth + 1)
