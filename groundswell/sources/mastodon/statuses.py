"""One Mastodon status → the canonical rows: its post, its author, its local id, its edit.

Why a post is named by its ``uri``: a status's ``id`` is the serving server's own number, so
the same post has a different id on every server that shows it, while its ``uri`` (the
ActivityPub id) is the same everywhere. The local id is still recorded
(``emit.local_id``), because the API names a reply's parent and a stream's delete by it:
a reply points at ``local:SERVER/ID``, which the store resolves to the parent's uri once the
parent is seen, in this ingest or another. With the server unknown (see
:mod:`~groundswell.sources.mastodon.accounts`) no local id is recorded and a reply's parent
is left unnamed rather than guessed.

A status may carry others: a boost (``reblog``) is a repost of the wrapped status and a
quote (Mastodon 4.4+ ``quote``: ``{"state", "quoted_status"}``, or a status itself on servers
that inline it) quotes one; the carried statuses are posts of their own and are emitted too.
An edited status (``edited_at``) is also an edit named by its ``edited_at``, so the stored
text is the latest one read and each version is counted once.
"""

from __future__ import annotations

from typing import Any

from groundswell.sources.base import Emitter, RecordError, id_str
from groundswell.sources.mastodon.accounts import (
    MAX_DEPTH,
    PLATFORM,
    author_key,
    mentions,
    parse_time,
    snapshot,
)
from groundswell.sources.mastodon.content import hashtags, text_and_tag_text

#: What a bad status raises; one bad carried status is a problem of its own, not a crash.
ITEM_ERRORS = (RecordError, LookupError, TypeError, ValueError, AttributeError,
               ArithmeticError, RecursionError)


def is_status(obj: dict[str, Any]) -> bool:
    """A status's shape: ``uri`` and ``account``, or a key only Mastodon statuses have
    (so that a status missing its ``uri`` or ``account`` is recognised and refused with
    that reason instead of passing for an unknown shape)."""
    return ("uri" in obj and "account" in obj) or "in_reply_to_account_id" in obj \
        or "spoiler_text" in obj


def emit_status(status: object, emit: Emitter, server: str | None, depth: int = 0) -> None:
    """Emit ``status`` (served by ``server``, None if unknown) and the statuses it carries.

    Everything is checked before anything is emitted, so a refused status leaves no rows.
    """
    if type(status) is not dict:
        raise RecordError(f"status is a {type(status).__name__}, not an object")
    if depth > MAX_DEPTH:
        raise RecordError("statuses nested too deeply")
    get = status.get
    uri = _uri(status)
    account = get("account")
    if type(account) is not dict:
        raise RecordError(f"status {uri[:100]} has no account")
    author = author_key(account, server, uri)
    created_at = parse_time(get("created_at"))
    content = get("content")
    if content is not None and type(content) is not str:
        raise RecordError(f"content is a {type(content).__name__}, not a string")
    local = id_str(get("id"))
    reblog = get("reblog")
    if reblog is not None and type(reblog) is not dict:
        raise RecordError(f"reblog is a {type(reblog).__name__}, not a status")
    repost_of = _uri(reblog) if reblog is not None else None
    quote = get("quote")
    quoted, quote_of = _quoted(quote, server)
    edited = get("edited_at")
    if edited is None and emit.known_post(PLATFORM, uri):
        # the batch read this status already (a boosted status comes again with every boost,
        # a reply's parent with its replies): its text, tags and mentions, the HTML parse that
        # is most of a status's time, are not read twice; what may be newer still is
        _also(emit, uri, author, local, account, server, reblog, quoted, depth)
        return
    in_reply_to = id_str(get("in_reply_to_id"))
    mentioned, by_id = mentions(status, server)
    reply_to_author = None
    if in_reply_to is not None:
        target = id_str(get("in_reply_to_account_id"))
        if target is not None:  # ids of the same response: comparing them needs no server
            reply_to_author = by_id.get(target) or (
                author if id_str(account.get("id")) == target else None)
    if repost_of is not None:
        kind = "repost"
    elif in_reply_to is not None:
        kind = "reply"
    elif type(quote) is dict and quote:
        kind = "quote"
    else:
        kind = "original"
    text, tag_text = text_and_tag_text(content)
    tags = hashtags(status, tag_text)
    lang = get("language")

    emit.post(PLATFORM, uri, author, created_at, text,
              lang if type(lang) is str and lang else None, kind,
              f"local:{server}/{in_reply_to}" if in_reply_to and server else None,
              reply_to_author, repost_of, quote_of, None,
              tags, mentioned)
    if edited is not None:
        _edit(emit, uri, edited, text, tags, mentioned)
    _also(emit, uri, author, local, account, server, reblog, quoted, depth)


def _also(emit: Emitter, uri: str, author: str, local: str | None,
          account: dict[str, Any], server: str | None, reblog: dict | None,
          quoted: dict | None, depth: int) -> None:
    """What a status says besides its post: its local id on ``server``, its author's
    snapshot, and the statuses it carries."""
    if server is not None and local is not None:
        emit.local_id(PLATFORM, server, local, uri)
    snapshot(account, author, emit)
    for where, carried in (("reblog", reblog), ("quoted status", quoted)):
        if carried is not None:
            try:
                emit_status(carried, emit, server, depth + 1)
            except ITEM_ERRORS as exc:  # the carrying status is kept; the line says why
                emit.problem(f"{where} of {uri[:100]}: {exc}")


def _uri(status: dict[str, Any]) -> str:
    uri = status.get("uri")
    if type(uri) is not str or not uri:
        raise RecordError("status without uri")
    return uri


def _quoted(quote: object, server: str | None) -> tuple[dict | None, str | None]:
    """``(quoted status to emit, quote_of_post_id)`` of a status's ``quote``.

    Mastodon 4.4+ gives ``{"state", "quoted_status": Status | null}``, or, in a status
    nested in another, a shallow ``{"state", "quoted_status_id"}`` naming the quoted status
    by its local id (kept as ``local:SERVER/ID``); other servers inline the status itself.
    A quote whose status is hidden (pending, revoked, deleted) quotes no known post.
    """
    if quote is None:
        return None, None
    if type(quote) is not dict:
        raise RecordError(f"quote is a {type(quote).__name__}, not an object")
    if "uri" in quote and "account" in quote:
        return quote, _uri(quote)
    quoted = quote.get("quoted_status")
    if type(quoted) is dict:
        return quoted, _uri(quoted)
    if quoted is not None:
        raise RecordError(f"quote.quoted_status is a {type(quoted).__name__}, not a status")
    shallow = id_str(quote.get("quoted_status_id"))
    return None, (f"local:{server}/{shallow}" if shallow and server else None)


def _edit(emit: Emitter, uri: str, edited: object, text: str, tags: list[str],
          mentioned: list[tuple[str, str | None]]) -> None:
    """The status's current version, named by its ``edited_at`` as written."""
    if type(edited) is not str or not edited:
        emit.problem(f"edited_at is a {type(edited).__name__}, not a timestamp")
        return
    try:
        edited_at = parse_time(edited, "edited_at")
    except RecordError as exc:  # the version is still named: keep it, say what was wrong
        emit.problem(str(exc))
        edited_at = None
    emit.edit(PLATFORM, uri, edited, edited_at, text, tags, mentioned)
