"""The one interface every input format implements.

A source recognises the JSON records of one format and turns them into canonical rows.
Ingestion (:mod:`groundswell.ingest`) owns files, lines, batching and the store; a source only
ever sees one record (or, on its fast path, one raw line) at a time and talks to an
:class:`Emitter`. That keeps adding a format to one new module plus its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class RecordError(ValueError):
    """A record of a known shape that cannot be used (missing id, wrong type...).

    Raised by sources; ingestion quarantines the line with the message as the reason.
    """


class Emitter(Protocol):
    """Where a source sends what it found in one record."""

    #: The server the input was collected from, when the user said so (``ingest --server``):
    #: a platform whose ids are local to a server (Mastodon) needs it to name posts.
    server: str | None

    def post(
        self,
        platform: str,
        post_id: str,
        author_id: str | None,
        created_at: datetime | None,
        text: str | None,
        lang: str | None,
        kind: str,
        reply_to_post_id: str | None,
        reply_to_author_id: str | None,
        repost_of_post_id: str | None,
        quote_of_post_id: str | None,
        conversation_id: str | None,
        hashtags: list[str],
        mentions: list[tuple[str, str | None]],
        claimed_at: datetime | None = None,
    ) -> None:
        """A post. ``created_at`` is the time metrics order it by; ``claimed_at`` the time a
        client wrote into it, where the platform lets clients set it (Bluesky's
        ``createdAt``), kept even when implausible. The first copy of a post wins."""
        ...

    def account(
        self,
        platform: str,
        author_id: str,
        handle: str | None,
        display_name: str | None,
        followers: int | None,
        verified: bool | None,
        created_at: datetime | None,
        observed_at: datetime | None,
    ) -> None: ...

    def delete(
        self, platform: str, post_id: str, deleted_at: datetime | None, reason: str | None
    ) -> None: ...

    def edit(self, platform: str, post_id: str, version: str, edited_at: datetime | None,
             text: str | None, hashtags: list[str],
             mentions: list[tuple[str, str | None]]) -> None:
        """A new version of a post: its text, tags and mentions replace the stored ones (the
        post must be stored, or emitted before in the same batch). ``version`` names it (a
        record's cid, an edit time), so re-reading the same edit counts it once."""

    def account_status(self, platform: str, author_id: str, active: bool, status: str | None,
                       at: datetime | None) -> None:
        """An account became inactive (``status``: deleted, takendown, suspended,
        deactivated, …) or active again: a deleted account's posts are removed for good,
        an inactive one's leave every metric until it returns (``schema.HIDING_STATUSES``)."""

    def handle(self, platform: str, author_id: str, handle: str,
               seen_at: datetime | None) -> None:
        """The account had this handle at ``seen_at`` (a Bluesky identity event, a post
        view's author): its history of handles, for handles change (``handles``)."""

    def local_id(self, platform: str, server: str, local_id: str, post_id: str) -> None:
        """``local_id`` is what ``server`` calls the post ``post_id`` (Mastodon's status ids
        are each server's own): deletes and replies naming the local id find the post."""

    def delete_local(self, platform: str, server: str, local_id: str,
                     deleted_at: datetime | None, reason: str | None) -> None:
        """A delete that names a post by ``server``'s local id (a Mastodon stream's delete)."""

    def known_post(self, platform: str, post_id: str) -> bool:
        """True (and counted as seen) if this post was already emitted in the current batch:
        twarc2 pages repeat referenced tweets constantly, so sources skip re-parsing them."""
        ...

    def holds_post(self, platform: str, post_id: str) -> bool:
        """True if this post was already emitted in the current batch, without counting it
        as seen (``known_post`` does, when the source meets the post): for a parser that reads
        a whole record before it emits any of it."""
        ...

    def known_account(self, platform: str, author_id: str, observed_at: datetime | None) -> bool:
        """True if the batch already holds a snapshot of the account at least this recent."""
        ...

    def skip(self, reason: str) -> None:
        """A record recognised as *not* a post (a user, a list, a count, a limit notice)."""

    def problem(self, reason: str) -> None:
        """Part of a record was unusable; the rest was kept. The line is quarantined."""


#: A decoded JSON object, as sources receive records.
Record = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """A registered input format.

    ``claims(record)`` is a cheap test of a decoded record's top-level keys; ``parse(record,
    emit)`` turns a claimed record into rows (raising :class:`RecordError`, or reporting
    ``emit.problem``, for what it cannot use). ``parse_line(raw, emit)``, where a format has
    one, is its fast path: offered every raw line before anything is decoded, it takes the
    ordinary shape of its own format (returning True, having emitted exactly what ``parse``
    would) and declines everything else (returning False, having emitted nothing).
    """

    name: str
    platform: str
    description: str
    claims: Callable[[Record], bool]
    parse: Callable[[Record, Emitter], None]
    parse_line: Callable[[bytes, Emitter], bool] | None = None


def utc_naive(dt: datetime) -> datetime:
    """Aware datetime → naive UTC, the store's one timestamp convention."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def id_str(value: Any) -> str | None:
    """Platform ids as strings: Twitter ids overflow JavaScript numbers, so strings are safe."""
    if type(value) is str and value:  # the common case first: called for every id parsed
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError(f"id is a boolean: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value:
        return value
    raise RecordError(f"id has the wrong type: {type(value).__name__}")


INT64 = range(-(2**63), 2**63)  # the store's BIGINT


def as_int(value: Any) -> int | None:
    """Counts such as followers; tolerate numeric strings, refuse garbage quietly as None.

    Values outside BIGINT are garbage too: one would otherwise fail the whole batch's write.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in INT64 else None
    if isinstance(value, float) and value == value and abs(value) < 2**63:
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        return number if number in INT64 else None
    return None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []
