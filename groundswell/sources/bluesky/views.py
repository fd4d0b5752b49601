"""Post views, as Bluesky's AppView API returns them and collectors save them.

A ``app.bsky.feed.defs#postView`` is a post as the API shows it: its ``uri``, its ``author``
(a profile: DID, handle, display name), its ``record`` (the post as written), when the
AppView indexed it (``indexedAt``), counts, and ``embed``, the hydrated view of what it embeds.
Collectors save them in a few containers, all read here:

* a bare post view, or a JSON array of them (twitwi's ``bluesky-posts.json``: one
  pretty-printed array, which the line reader hands over whole, one record per view);
* a search page (``searchPosts``, ``getPosts``, ``getQuotes``: ``{"posts": [...]}``);
* a feed page (``getAuthorFeed``, ``getTimeline``, ``getFeed``: ``{"feed": [item...]}``) or one
  of its items (``{"post", "reply", "reason"}``). An item's ``reply`` holds views of the
  parent and root; a ``reason`` of type ``reasonRepost`` is a repost of the item's post by
  ``reason.by`` at ``reason.indexedAt``. The repost's id is its record's uri
  (``reason.uri``) where the API gives it, else :func:`.names.reposts_of` (who reposted what);
* a thread (``getPostThread``: ``{"thread": {"post", "parent", "replies"}}``, walked up and
  down; ``getPostThreadV2``: ``{"thread": [{"value": {"post": ...}}, ...]}``).

Every post view inside is a post too: a quoted post (``app.bsky.embed.record#viewRecord``,
with the record under ``value``, and the views it embeds in turn), a feed item's parent and
root, a thread's every node. Views of what is not a post (a feed generator, a list, a post
that was deleted or is blocked) carry no post record and are passed over.

A view is dated by ``indexedAt``; where that is no datetime (the AppView copies absurd
``createdAt`` values into it: year 0000 is real), by its record key's TID, the time the
record was written (:func:`.names.tid_time`). Its author gives the account (handle, display
name, Bluesky's verification) and a sighting of the handle at that time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from groundswell.sources.base import Emitter, RecordError, as_int
from groundswell.sources.bluesky import records
from groundswell.sources.bluesky.events import INVALID_HANDLE
from groundswell.sources.bluesky.names import (
    PLATFORM,
    POST,
    is_did,
    parts,
    reposts_of,
    tid_time,
)
from groundswell.sources.bluesky.richtext import parse_datetime

REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
PAGE_KEYS = ("posts", "feed", "thread")
#: The AppView hydrates quotes two levels deep; anything deeper is not its output.
MAX_EMBED_DEPTH = 8
#: getPostThread returns at most 1,000 levels of replies and parents.
MAX_THREAD_DEPTH = 1000

_ITEM_ERRORS = (RecordError, LookupError, TypeError, ValueError, AttributeError, ArithmeticError)


def claims_view(obj: dict) -> bool:
    """A post view (``uri`` an at-uri, and a record or author), or a feed item."""
    uri = obj.get("uri")
    if type(uri) is str and uri.startswith("at://"):
        return "record" in obj or "author" in obj or "value" in obj or "post" in obj
    return "post" in obj and _has_at_uri(obj["post"])


def claims_page(obj: dict) -> bool:
    """A page of views: ``posts`` or ``feed`` a list of views or feed items, or ``thread``."""
    for key in PAGE_KEYS:
        if key in obj:
            value = obj[key]
            if type(value) is list:
                if not value:
                    return True
                first = value[0]
                if _has_at_uri(first) or (
                        type(first) is dict and ("post" in first or "value" in first)):
                    return True
            elif key == "thread" and type(value) is dict:
                return "post" in value or str(value.get("$type", "")).startswith("app.bsky.")
    return False


def parse_view(obj: dict, emit: Emitter) -> None:
    if "post" in obj and "record" not in obj and "value" not in obj:
        feed_item(obj, emit, "item")
        return
    found = parts(obj.get("uri"))
    if found is not None and found[1] != POST:
        emit.skip(f"bluesky {found[1][:80]} view (not a post)")
        return
    post_view(obj, emit, "view", 0)


def parse_page(obj: dict, emit: Emitter) -> None:
    parsed = False
    posts, feed, thread = obj.get("posts"), obj.get("feed"), obj.get("thread")
    if type(posts) is list and posts:
        each(posts, "posts", lambda view, where: post_view(view, emit, where, 0), emit)
        parsed = True
    if type(feed) is list and feed:
        each(feed, "feed", lambda item, where: feed_item(item, emit, where), emit)
        parsed = True
    if type(thread) is dict:
        if "post" in thread:
            walk_thread(thread, emit)
        else:
            emit.skip("bluesky thread without its post (not found or blocked)")
        parsed = True
    elif type(thread) is list and thread:
        each(thread, "thread", lambda item, where: _thread_item(item, emit, where), emit)
        parsed = True
    if not parsed:
        emit.skip("empty bluesky page")


def each(items: list, where: str, parse_one: Callable[[Any, str], None], emit: Emitter) -> None:
    """Parse a page's list item by item: one bad view in a page of 100 must not cost the
    other 99, so each failure is a problem of its own (``posts[3]: ...``)."""
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        try:
            parse_one(item, at)
        except RecursionError:
            emit.problem(f"bluesky: {at}: nested too deeply")
        except _ITEM_ERRORS as exc:
            message = str(exc)  # the source's own messages say where already
            emit.problem(f"bluesky: {message if message.startswith(at) else f'{at}: {message}'}")


def post_view(view: object, emit: Emitter, where: str, depth: int) -> None:
    """A ``postView`` (record under ``record``) or an embed's ``viewRecord`` (under
    ``value``), and the post views it embeds."""
    if type(view) is not dict:
        raise RecordError(f"{where} is a {type(view).__name__}, not a post view")
    uri = view.get("uri")
    found = parts(uri)
    if found is None:
        raise RecordError(f"{where} without an at-uri")
    if found[1] != POST:
        raise RecordError(f"{where} is a {found[1][:80]} view, not a post")
    author = view.get("author")
    did = author.get("did") if type(author) is dict else None
    if not is_did(did):
        did = found[0]
        if not is_did(did):
            raise RecordError(f"{where} without an author DID")
    record = view.get("record") if "record" in view else view.get("value")
    if type(record) is not dict:
        raise RecordError(f"{where} without a post record")
    seen = parse_datetime(view.get("indexedAt")) or tid_time(found[2])
    if not emit.known_post(PLATFORM, uri):  # views repeat: a thread's root in every item
        records.post(emit, uri, did, record, seen)
    if type(author) is dict:
        profile(author, emit, seen)
    # walked even for a known post: a quote seen two levels down came without its embeds
    if depth < MAX_EMBED_DEPTH:
        embeds = view.get("embeds") if "embed" not in view else [view.get("embed")]
        if type(embeds) is list:
            for i, embed in enumerate(embeds):
                inner = _embedded_view(embed)
                if inner is not None:
                    at = f"{where}.embed" if "embed" in view else f"{where}.embeds[{i}]"
                    try:
                        post_view(inner, emit, at, depth + 1)
                    except _ITEM_ERRORS as exc:
                        emit.problem(f"bluesky: {exc}")


def profile(author: dict, emit: Emitter, seen: datetime | None) -> None:
    """An author as a view shows it: a snapshot of the account and a sighting of its handle."""
    did = author.get("did")
    if not is_did(did):
        return
    handle = author.get("handle")
    if type(handle) is not str or not handle or handle == INVALID_HANDLE:
        handle = None
    if handle is not None:
        emit.handle(PLATFORM, did, handle, seen)
    if emit.known_account(PLATFORM, did, seen):
        return
    name = author.get("displayName")
    emit.account(PLATFORM, did, handle, name if type(name) is str and name else None,
                 as_int(author.get("followersCount")), verified(author),
                 parse_datetime(author.get("createdAt")), seen)


def verified(author: dict) -> bool | None:
    """Bluesky's blue check (2025): verified by a trusted verifier, or one itself. None where
    the view predates verification or leaves it out."""
    verification = author.get("verification")
    if type(verification) is not dict:
        return None
    return "valid" in (verification.get("verifiedStatus"),
                       verification.get("trustedVerifierStatus"))


def feed_item(item: object, emit: Emitter, where: str) -> None:
    """A ``feedViewPost``: the post, the views of what it replies to, and a repost reason."""
    if type(item) is not dict:
        raise RecordError(f"{where} is a {type(item).__name__}, not a feed item")
    view = item.get("post")
    post_view(view, emit, f"{where}.post", 0)
    reply = item.get("reply")
    if type(reply) is dict:
        for key in ("parent", "root"):
            context = reply.get(key)
            if type(context) is dict and ("record" in context or "value" in context):
                try:
                    post_view(context, emit, f"{where}.reply.{key}", 0)
                except _ITEM_ERRORS as exc:
                    emit.problem(f"bluesky: {exc}")
    reason = item.get("reason")
    if type(reason) is dict and reason.get("$type") == REASON_REPOST:
        _reposted(reason, view, emit, where)


def walk_thread(root: dict, emit: Emitter) -> None:
    """A ``threadViewPost`` and its parents and replies, without recursion: a long thread is
    as deep as JSON allows. Nodes without a post (not found, blocked) are passed over."""
    stack: list[tuple[object, str, int]] = [(root, "thread", 0)]
    while stack:
        node, where, depth = stack.pop()
        if type(node) is not dict or depth > MAX_THREAD_DEPTH:
            continue
        if "post" in node:
            try:
                post_view(node["post"], emit, f"{where}.post", 0)
            except _ITEM_ERRORS as exc:
                emit.problem(f"bluesky: {exc}")
        replies = node.get("replies")
        if type(replies) is list:
            stack.extend((reply, f"{where}.replies[{i}]", depth + 1)
                         for i, reply in reversed(list(enumerate(replies))))
        stack.append((node.get("parent"), f"{where}.parent", depth + 1))


def _thread_item(item: object, emit: Emitter, where: str) -> None:
    """An item of ``getPostThreadV2``: ``{"uri", "depth", "value": {"post": view}}``."""
    value = item.get("value") if type(item) is dict else None
    if type(value) is dict and "post" in value:
        post_view(value["post"], emit, f"{where}.value.post", 0)


def _reposted(reason: dict, view: dict, emit: Emitter, where: str) -> None:
    by = reason.get("by")
    did = by.get("did") if type(by) is dict else None
    if not is_did(did):
        emit.problem(f"bluesky: {where}.reason: a repost without the DID of who reposted")
        return
    subject = view["uri"]
    uri = reason.get("uri")
    if parts(uri) is None:
        uri = reposts_of(did, subject)
    seen = parse_datetime(reason.get("indexedAt"))
    emit.post(PLATFORM, uri, did, seen, None, None, "repost", None, None, subject, None, None,
              [], [], claimed_at=None)
    profile(by, emit, seen)


def _embedded_view(embed: object) -> dict | None:
    """The post view inside an embed's view: ``record#view`` holds it under ``record``,
    ``recordWithMedia#view`` one level deeper. None for media and for views of records that
    are not posts (the caller checks the uri)."""
    if type(embed) is not dict:
        return None
    inner = embed.get("record")
    if type(inner) is dict and "uri" not in inner and type(inner.get("record")) is dict:
        inner = inner["record"]  # recordWithMedia#view → record#view → viewRecord
    if type(inner) is not dict or "value" not in inner:
        return None
    found = parts(inner.get("uri"))
    return inner if found is not None and found[1] == POST else None


def _has_at_uri(value: object) -> bool:
    if type(value) is not dict:
        return False
    uri = value.get("uri")
    return type(uri) is str and uri.startswith("at://")
