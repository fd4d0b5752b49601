"""The streaming API's server-sent events, read line by line: the fast line parser.

Why a line parser: a saved server-sent stream (``curl …/api/v1/streaming/public``) is not
JSON lines but ``event: update`` / ``data: {…}`` pairs, ``:thump`` heartbeats and blank
lines, so no decoded record could reach this source. Each ``data:`` line is read on its own,
without the ``event:`` line before it: ingestion may cut a file between the two (parallel
chunks), and the payload's shape says what it is anyway. A JSON object is read as
:func:`~groundswell.sources.mastodon.records.payload` reads a WebSocket message's (a status,
from ``update`` or ``status.update``; a notification; a conversation; an announcement), a
bare id is a ``delete``, ``undefined`` is ``filters_changed``'s empty payload.

Known limit of that statelessness: ``announcement.delete`` also sends a bare id, and is read
as a status delete. It only joins a stored post on the same server with that very local id:
announcements are numbered 1, 2, 3…, statuses since 2017 by time (18 digits).

This parser is offered every raw line of every file first, so it declines anything that
does not start with ``event:``, ``data:`` or ``:`` after looking at one byte.
"""

from __future__ import annotations

import orjson

from groundswell.sources.base import Emitter, RecordError
from groundswell.sources.mastodon import records
from groundswell.sources.mastodon.statuses import ITEM_ERRORS

#: The first bytes of the lines this parser takes (``data:``, ``event:``, ``:``), as ints.
_FIRST = frozenset(b"de:")


def parse_line(raw: bytes, emit: Emitter) -> bool:
    """Take a server-sent event line (True), or decline any other line (False, nothing
    emitted). What cannot be used is reported as a problem: the line is quarantined."""
    if not raw or raw[0] not in _FIRST:  # a JSON line ('{', '['): declined in one test
        return False
    if raw.startswith(b"data:"):
        try:
            _data(raw[5:].strip(), emit)
        except ITEM_ERRORS as exc:
            emit.problem(f"mastodon: {exc}")
        return True
    if raw.startswith(b"event:"):
        emit.skip("server-sent event name (its data line is read on its own)")
        return True
    if raw[0] == 0x3A:  # ':'
        emit.skip("server-sent comment (heartbeat)")
        return True
    return False


def _data(data: bytes, emit: Emitter) -> None:
    if data[:1] == b"{":
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise RecordError(f"server-sent data is not valid JSON: {exc}") from None
        records.payload(obj, emit)
    elif data == b"undefined":
        emit.skip("stream event filters_changed (not a post)")
    elif records.STATUS_ID.fullmatch(data.decode("ascii", "replace")):
        records.delete(data.decode("ascii"), emit)
    else:
        raise RecordError(f"server-sent data is neither JSON nor a status id: {data[:40]!r}")
