"""Server-sent events as Mastodon's streaming API sends them: bytes in, events out.

Why a parser of our own (forty lines) rather than an SSE library: an event must reach the
store as the bytes the server sent, so that a malformed frame is quarantined verbatim (invalid
UTF-8 included) and a straight ingest of the same ``data:`` lines gives the same rows; the
libraries decode text first. What is read (the WHATWG rules Mastodon needs): ``event:`` and
``data:`` fields, one space after the colon dropped, several ``data:`` lines joined by a
newline, a blank line ending the event, ``:`` comments (Mastodon's ``:thump`` heartbeat)
counted and dropped, ``id:`` and ``retry:`` ignored (Mastodon sends neither), lines ended by
LF or CRLF.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A line longer than this is not an event of a Mastodon server (a status is a few KB): the
#: connection is treated as broken rather than buffered without end.
MAX_LINE = 8 << 20


class StreamError(ValueError):
    """The bytes are not a server-sent event stream (a line without end)."""


@dataclass(frozen=True)
class Event:
    """One dispatched event: its name (``message`` when none was given) and its data."""

    name: str
    data: bytes


class EventParser:
    """Feed it the stream's chunks as they arrive (:meth:`feed`); it returns the complete
    events. Keeps the unfinished line and event between chunks."""

    def __init__(self) -> None:
        self._rest = b""
        self._name: str | None = None
        self._data: list[bytes] = []
        #: comment lines seen (heartbeats): proof that a quiet connection is alive
        self.comments = 0

    def feed(self, chunk: bytes) -> list[Event]:
        lines = (self._rest + chunk).split(b"\n")
        self._rest = lines.pop()
        if len(self._rest) > MAX_LINE:
            raise StreamError(f"a server-sent line longer than {MAX_LINE:,} bytes")
        events: list[Event] = []
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data:
                    events.append(Event(self._name or "message", b"\n".join(self._data)))
                self._name, self._data = None, []
            elif line[0] == 0x3A:  # ':'
                self.comments += 1
            else:
                field, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if field == b"event":
                    self._name = value.decode("utf-8", "replace")
                elif field == b"data":
                    self._data.append(value)
        return events
