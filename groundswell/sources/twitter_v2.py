"""Twitter API v2 as twarc2 writes it.

Handles every line shape twarc2 produces: response pages (``data`` + ``includes``), flattened
tweets (``twarc2 flatten``: one tweet per line with ``author`` and referenced tweets inlined),
filtered-stream lines (``{"data": {...}, "matching_rules": [...]}``), ``errors`` blocks, and
compliance events (``{"id", "action": "delete", ...}``). Records that are not tweets (users,
lists, tweet counts) are recognised and skipped with a reason so they are never mistaken for
posts.
"""

from __future__ import annotations

from datetime import datetime
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
    utc_naive,
)
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


@lru_cache(maxsize=65536)
def _parse_iso(value: str) -> datetime:
    """Cached: a user's ``created_at`` repeats on every page that includes them."""
    try:
        if value.endswith("Z"):  # the common case: already UTC, no zone arithmetic needed
            return datetime.fromisoformat(value[:-1])
        return utc_naive(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved to UTC
        raise RecordError(f"created_at is not an ISO timestamp: {value[:40]!r}") from None


def _observed_time(value: object) -> datetime | None:
    """When a page or line was collected. Metadata: a bad value means unknown, and must not
    cost the page's tweets (each tweet's own ``created_at`` is checked where it is used)."""
    try:
        return parse_time(value)
    except RecordError:
        return None


def claims(obj: dict) -> bool:
    """Pages/stream lines, compliance events, or flattened tweets (v2 has no ``id_str``)."""
    if "data" in obj or "errors" in obj:
        return True
    if "action" in obj and "id" in obj:
        return True
    return "id" in obj and "id_str" not in obj and "user" not in obj


def parse(obj: dict, emit: Emitter) -> None:
    if "action" in obj and "id" in obj and "data" not in obj:
        _compliance(obj, emit)
    elif "data" in obj or "errors" in obj:
        _page(obj, emit)
    else:
        observed = _observed_time(as_dict(obj.get("__twarc")).get("retrieved_at"))
        _item(obj, emit, observed, where="line")


def _compliance(obj: dict, emit: Emitter) -> None:
    action = obj.get("action")
    if action != "delete":
        emit.skip(f"compliance event {str(action)[:30]!r} (not a delete)")
        return
    post_id = id_str(obj.get("id"))
    if post_id is None:
        raise RecordError("compliance event without id")
    emit.delete(PLATFORM, post_id, parse_time(obj.get("created_at")), as_str(obj.get("reason")))


def _page(obj: dict, emit: Emitter) -> None:
    observed = _observed_time(as_dict(obj.get("__twarc")).get("retrieved_at"))
    data = obj.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    includes = as_dict(obj.get("includes"))
    if data is not None and not isinstance(data, (list, dict)):
        raise RecordError(f"'data' is a {type(data).__name__}, expected a list or object")
    if not items and not includes:
        emit.skip("API errors block" if obj.get("errors") else "empty response page")
        return
    if observed is None:  # no collection time: the newest tweet on the page is our best proxy
        times = {t for t in (as_str(as_dict(i).get("created_at")) for i in items) if t}
        newest = (_observed_time(t) for t in sorted(times, reverse=True))
        observed = next((t for t in newest if t is not None), None)
    for i, item in enumerate(items):
        _guarded(lambda item=item: _item(item, emit, observed, where="data"), emit, f"data[{i}]")
    for i, user in enumerate(as_list(includes.get("users"))):
        _guarded(lambda user=user: _user(user, emit, observed), emit, f"includes.users[{i}]")
    for i, tweet in enumerate(as_list(includes.get("tweets"))):
        _guarded(lambda t=tweet: _tweet(t, emit, observed, 0), emit, f"includes.tweets[{i}]")


def _guarded(fn, emit: Emitter, where: str) -> None:
    """One bad tweet in a page of 100 must not cost the other 99."""
    try:
        fn()
    except (RecordError, LookupError, TypeError, ValueError, AttributeError,
            ArithmeticError) as exc:
        emit.problem(f"{where}: {exc}")


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


def _user(user: dict, emit: Emitter, observed: datetime | None) -> None:
    author_id = id_str(user.get("id"))
    if author_id is None:
        raise RecordError("user without id")
    if emit.known_account(PLATFORM, author_id, observed):
        return
    metrics = as_dict(user.get("public_metrics"))
    verified = user.get("verified")
    emit.account(
        PLATFORM,
        author_id,
        as_str(user.get("username")),
        as_str(user.get("name")),
        as_int(metrics.get("followers_count")),
        verified if isinstance(verified, bool) else None,
        parse_time(user.get("created_at")),
        observed,
    )


def _tweet(tweet: dict, emit: Emitter, observed: datetime | None, depth: int) -> None:
    if not isinstance(tweet, dict):
        raise RecordError(f"tweet is a {type(tweet).__name__}, not an object")
    if depth > _MAX_DEPTH:
        raise RecordError("referenced tweets nested too deeply")
    post_id = id_str(tweet.get("id"))
    if post_id is None:
        raise RecordError("tweet without id")
    if "author" not in tweet and emit.known_post(PLATFORM, post_id):
        return  # already parsed in this batch (a flattened line's author may be newer: parse)
    text = tweet.get("text")
    if text is not None and not isinstance(text, str):
        raise RecordError(f"text is a {type(text).__name__}")
    refs: dict[str, str | None] = {}
    inlined: list[dict] = []
    for ref in as_list(tweet.get("referenced_tweets")):
        if isinstance(ref, dict) and isinstance(ref.get("type"), str):
            refs.setdefault(ref["type"], id_str(ref.get("id")))
            if "text" in ref:  # twarc2 flatten inlines the whole referenced tweet
                inlined.append(ref)
    if "retweeted" in refs:
        kind = "repost"
    elif "replied_to" in refs:
        kind = "reply"
    elif "quoted" in refs:
        kind = "quote"
    else:
        kind = "original"
    entities = tweet.get("entities")
    if isinstance(entities, dict):
        tags = [h["tag"] for h in as_list(entities.get("hashtags")) if isinstance(h, dict)
                and isinstance(h.get("tag"), str)]
        mentions = [(m["username"], as_str(m.get("id"))) for m in as_list(entities.get("mentions"))
                    if isinstance(m, dict) and isinstance(m.get("username"), str)]
    else:  # v2 omits empty entities; twitter-text extraction gives the same answer
        tags = extract_hashtags(text) if text else []
        mentions = []
    emit.post(
        PLATFORM,
        post_id,
        id_str(tweet.get("author_id")),
        parse_time(tweet.get("created_at")),
        text,
        as_str(tweet.get("lang")),
        kind,
        refs.get("replied_to"),
        id_str(tweet.get("in_reply_to_user_id")),
        refs.get("retweeted"),
        refs.get("quoted"),
        id_str(tweet.get("conversation_id")),
        tags,
        mentions,
    )
    for key in ("author", "in_reply_to_user"):  # flattened lines inline these users
        if isinstance(tweet.get(key), dict):
            _user(tweet[key], emit, observed)
    for ref in inlined:
        _tweet(ref, emit, observed, depth + 1)


SOURCE = Source(
    name="twitter-v2",
    platform=PLATFORM,
    description="Twitter API v2 (twarc2 pages, flattened and streaming lines, compliance)",
    claims=claims,
    parse=parse,
)
