"""The network's own events: Jetstream lines, and Tap's records and identities.

Jetstream (``{"did", "time_us", "kind", ...}``) is the firehose as JSON, one event a line:

* ``commit``: a record created, updated or deleted in ``did``'s repository. Posts and reposts
  become posts (``at://{did}/{collection}/{rkey}``); an update of a post is a new version of
  it (its text, tags and mentions replace the old, counted once per record ``cid``; a store
  that never saw the create gets the post as updated); a delete removes the post or repost and
  all derived from it for good. Every other collection (likes, follows, blocks, profiles,
  other apps' records) is skipped with its name.
* ``identity``: the account's handle, when the event carries one (handles change; the
  history is kept in ``handles``).
* ``account``: the account's hosting status (atproto's "Account Hosting" spec). Inactive with
  ``deleted``: its posts are removed for good and never stored again; ``takendown``,
  ``suspended`` (by its host or a moderator) or ``deactivated`` (by its owner, often while
  migrating): its posts leave every metric until an event says it is active again, and they
  return then. Other statuses (a relay's ``desynchronized``, ``throttled``) are recorded and
  change nothing (``schema.HIDING_STATUSES``).

Every event is dated by ``time_us``, when Jetstream saw it: the post's plausible time when
the client's ``createdAt`` is not (:mod:`.records`), the time of a delete, edit or status.

Tap (``{"id", "type": "record" | "identity", ...}``), Bluesky's backfill and sync tool, sends
the same commits in another envelope and with no time of its own. A live record (``live``:
true) is dated by its ``rev``, the revision the PDS wrote as it committed (a TID, so a time).
A backfilled record's ``rev`` is its repository's revision when it was fetched, often years
after the record: it has no time but its ``createdAt``. A Tap identity event carries the
handle and the status together.
"""

from __future__ import annotations

from datetime import datetime

from groundswell.sources.base import Emitter, RecordError
from groundswell.sources.bluesky import records
from groundswell.sources.bluesky.names import (
    PLATFORM,
    POST,
    REPOST,
    is_did,
    is_rkey,
    microseconds_time,
    record_uri,
    tid_time,
)
from groundswell.sources.bluesky.richtext import parse_datetime

#: What Jetstream calls its events, and what Tap calls its own.
JETSTREAM_KINDS = ("commit", "identity", "account")
TAP_TYPES = ("record", "identity", "account")
OPERATIONS = ("create", "update", "delete")
#: Collections skipped by name; any other app's records share one reason (a firehose holds
#: thousands of collections, and each reason is a row of the run's summary).
NAMED_NAMESPACES = ("app.bsky.", "chat.bsky.", "com.atproto.")
#: The handle atproto shows for an account whose handle does not verify: no handle.
INVALID_HANDLE = "handle.invalid"


def claims_jetstream(obj: dict) -> bool:
    return "kind" in obj and ("did" in obj or "time_us" in obj)


def claims_tap(obj: dict) -> bool:
    kind = obj.get("type")
    return "id" in obj and type(kind) is str and kind in TAP_TYPES and kind in obj


def parse_jetstream(event: dict, emit: Emitter) -> None:
    get = event.get
    kind = get("kind")
    if kind == "commit":
        commit = get("commit")
        if type(commit) is not dict:
            raise RecordError("commit event without a commit object")
        did = _did(get("did"))
        collection = commit.get("collection")
        if is_post(collection, emit):
            version = commit.get("cid")
            if type(version) is not str or not version:
                version = commit.get("rev")
            post_commit(emit, did, collection, commit.get("rkey"), commit.get("operation"),
                        commit.get("record"), version, microseconds_time(get("time_us")))
    elif kind in ("identity", "account"):
        body = get(kind)
        if type(body) is not dict:
            raise RecordError(f"{kind} event without an {kind} object")
        did = _did(get("did", body.get("did")))
        seen = microseconds_time(get("time_us"))
        if seen is None:
            seen = parse_datetime(body.get("time"))
        if kind == "identity":
            identity(emit, did, body.get("handle"), seen)
        else:
            account_status(emit, did, body.get("active"), body.get("status"), seen)
    elif type(kind) is str:
        emit.skip(f"bluesky {kind[:40]} event (not a post)")
    else:
        raise RecordError(f"jetstream event whose kind is a {type(kind).__name__}")


def parse_tap(event: dict, emit: Emitter) -> None:
    kind = event["type"]
    body = event[kind]
    if type(body) is not dict:
        raise RecordError(f"tap {kind} event without an object")
    get = body.get
    did = _did(get("did"))
    if kind == "record":
        collection = get("collection")
        if is_post(collection, emit):
            version = get("cid")
            if type(version) is not str or not version:
                version = get("rev")
            post_commit(emit, did, collection, get("rkey"), get("action"), get("record"),
                        version, tid_time(get("rev")) if get("live") is True else None)
        return
    active = get("active", get("is_active"))
    if kind == "identity":
        identity(emit, did, get("handle"), None)
        if active is None:
            return
    account_status(emit, did, active, get("status"), None)


def identity(emit: Emitter, did: str, handle: object, seen: datetime | None) -> None:
    """The account's handle at ``seen``; the account itself is known either way."""
    handle = handle if type(handle) is str and handle and handle != INVALID_HANDLE else None
    if handle is not None:
        emit.handle(PLATFORM, did, handle, seen)
    emit.account(PLATFORM, did, handle, None, None, None, None, seen)


def account_status(emit: Emitter, did: str, active: object, status: object,
                   seen: datetime | None) -> None:
    if type(active) is not bool:
        raise RecordError("account event without a boolean 'active'")
    if status is not None and type(status) is not str:
        raise RecordError(f"account status is a {type(status).__name__}")
    emit.account_status(PLATFORM, did, active, None if active else status, seen)


def is_post(collection: object, emit: Emitter) -> bool:
    """Whether a commit's records are posts or reposts; the others are skipped here, by name
    (a firehose is mostly likes: they are done with before anything else is read)."""
    if collection == POST or collection == REPOST:
        return True
    if type(collection) is not str or not collection:
        raise RecordError("commit without a collection")
    reason = SKIPS.get(collection)
    if reason is None:
        reason = skip_reason(collection)
        if len(SKIPS) < 4096:  # bounded: a hostile stream may invent collections
            SKIPS[collection] = reason
    emit.skip(reason)
    return False


#: The reason each collection seen so far is skipped with (never posts or reposts).
SKIPS: dict[str, str] = {}


def post_commit(emit: Emitter, did: str, collection: str, rkey: object, operation: object,
                record: object, version: object, seen: datetime | None) -> None:
    """One operation on a post or repost in ``did``'s repository (a Jetstream commit, a Tap
    record)."""
    if not is_rkey(rkey):
        raise RecordError(f"{collection} commit without a valid rkey")
    uri = record_uri(did, collection, rkey)
    if operation == "delete":
        emit.delete(PLATFORM, uri, seen, "deleted")
        return
    if operation != "create" and operation != "update":
        raise RecordError(f"unknown commit operation {str(operation)[:30]!r}")
    if type(record) is not dict:
        raise RecordError(f"{collection} {operation} without a record")
    if collection == REPOST:
        records.repost(emit, uri, did, record, seen)
        return
    records.post(emit, uri, did, record, seen)
    if operation == "update":
        if type(version) is not str or not version:
            emit.problem("bluesky: post update without a cid or rev (its version is unknown; "
                         "the post is kept as first seen)")
            return
        records.edit(emit, uri, record, version, seen)


def skip_reason(collection: str) -> str:
    if collection.startswith(NAMED_NAMESPACES):
        return f"bluesky {collection[:80]} (not a post)"
    return "bluesky record of another app (not a post)"


def _did(value: object) -> str:
    if not is_did(value):
        raise RecordError("event without a valid did" if value is None
                          else f"event's did is not a DID: {str(value)[:60]!r}")
    return value  # type: ignore[return-value]
