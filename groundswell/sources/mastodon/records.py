"""Which decoded records are Mastodon's, and what each shape holds.

The REST API returns statuses bare (one per line, or a JSON array the dispatcher hands over
element by element: tag, home and account timelines), inside other objects (a notification's
or a collector's ``{"status": …}``, a conversation's ``last_status``, a thread's
``{"ancestors", "descendants"}``, a search's ``{"statuses", "accounts", "hashtags"}``), and
the streaming API as WebSocket messages ``{"event", "payload", "stream"}`` whose payload is
JSON in a string (or, for ``delete``, a status's local id). Server-sent events carry the same
payloads on ``data:`` lines (:mod:`~groundswell.sources.mastodon.sse`), read by
:func:`payload` here, so both transports give the same rows.

Why the claims are narrow: every decoded record of every file is offered to this source
before the Twitter ones, so it takes only what a Twitter (or Bluesky) record never is: a
status has ``uri`` *and* ``account``, or a key only Mastodon statuses have; a notification's
``account`` has an ``acct``; a Twitter record (``user``, ``data``, ``id_str``) is refused
first. Mastodon JSON recognised as holding no post (a follow notification, an announcement,
an account) is skipped with a reason; other answers (tags, instance information) are not
claimed, and dispatch quarantines them as of unknown shape.
Anything claimed but unusable raises :class:`RecordError`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from groundswell.sources.base import Emitter, RecordError, as_str
from groundswell.sources.mastodon.accounts import (
    PLATFORM,
    author_key,
    declared_server,
    serving_server,
    snapshot,
)
from groundswell.sources.mastodon.statuses import ITEM_ERRORS, emit_status, is_status

#: A status id as a delete names it: digits on Mastodon, letters too on Pleroma (FlakeId)
#: and GoToSocial (ULID).
STATUS_ID = re.compile(r"[0-9A-Za-z]{1,64}")
#: Streaming events that never carry a post, and why they are skipped.
_NOT_POSTS = {
    "filters_changed": "stream event filters_changed (not a post)",
    "announcement": "announcement (not a post)",
    "announcement.reaction": "announcement reaction (not a post)",
    "announcement.delete": "announcement deleted (not a post)",
    "encrypted_message": "stream event encrypted_message (not a post)",
    "notifications_merged": "stream event notifications_merged (not a post)",
}
#: Events whose payload is a JSON object holding statuses.
_OBJECT_EVENTS = ("update", "status.update", "notification", "conversation")


def claims(obj: dict[str, Any]) -> bool:
    """Mastodon statuses and the records that hold them (see the module docstring)."""
    if "user" in obj or "data" in obj or "id_str" in obj:
        return False  # Twitter v1.1 and v2 shapes, never a Mastodon one
    if is_status(obj):
        return True
    account = obj.get("account")
    if account is not None:  # a notification (Jetstream's account events have no acct)
        return type(account) is dict and "acct" in account
    status = obj.get("status")
    if type(status) is dict:
        return is_status(status)
    return (("last_status" in obj and "accounts" in obj)
            or ("ancestors" in obj and "descendants" in obj)
            or (type(obj.get("event")) is str and ("payload" in obj or "stream" in obj))
            or (type(obj.get("statuses")) is list and "accounts" in obj)
            or ("acct" in obj and "username" in obj))


def parse(obj: dict[str, Any], emit: Emitter) -> None:
    declared = declared_server(obj)
    if is_status(obj):
        emit_status(obj, emit, serving_server(emit, declared, (obj,)))
    elif type(obj.get("event")) is str:
        _message(obj, emit, declared)
    elif "ancestors" in obj and "descendants" in obj:
        ancestors, descendants = obj["ancestors"], obj["descendants"]
        if type(ancestors) is not list or type(descendants) is not list:
            raise RecordError("context: ancestors and descendants must be lists")
        _statuses({"ancestors": ancestors, "descendants": descendants}, emit, declared)
    elif type(obj.get("statuses")) is list:  # search results
        _statuses({"statuses": obj["statuses"]}, emit, declared, obj.get("accounts"))
        if not obj["statuses"]:
            emit.skip("search results without statuses")
    elif "acct" in obj and "username" in obj:
        snapshot(obj, author_key(obj, serving_server(emit, declared, ()), ""), emit)
        emit.skip("account (not a post)")
    else:
        payload(obj, emit, declared)


def payload(obj: dict[str, Any], emit: Emitter, declared: object = None) -> None:
    """An object as a stream event's payload carries it (or a REST response holds it):
    a status, a notification, a conversation, a wrapper ``{"status": …}``, an
    announcement. Read by its shape, so a server-sent ``data:`` line needs no event name."""
    if is_status(obj):
        server = serving_server(emit, declared, (obj,))
        emit_status(obj, emit, server)
    elif "status" in obj:  # a notification, or a collector's wrapper
        status = obj["status"]
        if status is None and "type" in obj:
            emit.skip(f"notification of type {str(obj['type'])[:30]!r} (no status)")
        elif type(status) is not dict:
            raise RecordError(f"'status' is a {type(status).__name__}, not a status")
        else:
            emit_status(status, emit, serving_server(emit, declared, (status,),
                                                     (obj.get("account"),)))
    elif "last_status" in obj:  # a conversation (direct messages)
        status = obj["last_status"]
        if status is None:
            emit.skip("conversation without statuses")
        else:
            accounts = obj.get("accounts")
            emit_status(status, emit, serving_server(
                emit, declared, (status,), accounts if type(accounts) is list else ()))
    elif "type" in obj and "account" in obj:
        emit.skip(f"notification of type {str(obj['type'])[:30]!r} (no status)")
    elif "announcement_id" in obj:
        emit.skip(_NOT_POSTS["announcement.reaction"])
    elif "all_day" in obj or "published_at" in obj:
        emit.skip(_NOT_POSTS["announcement"])
    else:
        keys = ", ".join(list(obj)[:6]) or "none"
        raise RecordError(f"Mastodon object of unknown shape (keys: {keys})")


def delete(local_id: object, emit: Emitter, declared: object = None) -> None:
    """A stream's delete: the status's id on the serving server, which must be known."""
    local = str(local_id) if type(local_id) is int else as_str(local_id)
    if local is None or not STATUS_ID.fullmatch(local):
        raise RecordError(f"delete without a status id: {str(local_id)[:40]!r}")
    server = serving_server(emit, declared, ())
    if server is None:
        raise RecordError(f"delete of status {local} names it by its server's own id, and "
                          "which server is unknown: ingest with --server HOST")
    emit.delete_local(PLATFORM, server, local, None, "deleted")


def _message(obj: dict[str, Any], emit: Emitter, declared: object) -> None:
    """A WebSocket message of the streaming API."""
    event, body = obj["event"], obj.get("payload")
    if event == "delete":
        delete(body, emit, declared)
    elif event in _OBJECT_EVENTS:
        if type(body) is str:
            try:
                body = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise RecordError(f"{event} payload is not valid JSON: {exc}") from None
        if type(body) is not dict:
            raise RecordError(f"{event} payload is a {type(body).__name__}, not an object")
        payload(body, emit, declared)
    else:
        emit.skip(_NOT_POSTS.get(event) or f"stream event {event[:30]!r} (not a post)")


def _statuses(lists: dict[str, list], emit: Emitter, declared: object,
              accounts: object = None) -> None:
    """The statuses of one response, all served by one server; one bad status is a problem
    of its own (``descendants[3]: …``), not the loss of the others."""
    server = serving_server(emit, declared, (s for items in lists.values() for s in items),
                            accounts if type(accounts) is list else ())
    for where, items in lists.items():
        for i, status in enumerate(items):
            try:
                emit_status(status, emit, server)
            except ITEM_ERRORS as exc:
                emit.problem(f"{where}[{i}]: {exc}")
