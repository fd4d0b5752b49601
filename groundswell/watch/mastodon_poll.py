"""A hashtag's timeline, read forward: ``GET /api/v1/timelines/tag/T?min_id=…&limit=40``.

Why ``min_id`` (not ``since_id``): with ``min_id`` the server answers with the statuses right
after the given id (at most ``limit``, newest first), so a client that is behind walks forward
page by page and misses nothing; ``since_id`` gives the newest ones and leaves a hole when more
than a page arrived. Each page is handed over oldest first, so the position saved after any
status never passes one not yet read. Ids are the server's own, numbered by arrival time
(Mastodon's snowflakes: milliseconds << 16), which is why a date can be turned into an id to
start from (:func:`snowflake`).

What the server answers decides what happens: 429 → wait ``Retry-After`` (at most
:data:`LONGEST_WAIT`) and ask again; 401/403/404/410 → :class:`Refused` (a token is missing,
timelines are closed to visitors, or this is no Mastodon server); other failures →
:class:`Unavailable` (try again later).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

TIMELINE = "/api/v1/timelines/tag/{tag}"
#: The most statuses a Mastodon timeline page holds.
LIMIT = 40
#: Answers that mean "not for you", not "not now".
REFUSALS = frozenset({401, 403, 404, 410})
#: The longest Retry-After obeyed (seconds); a longer one is capped, then asked again.
LONGEST_WAIT = 300.0


class Refused(Exception):
    """The server refuses the request (:data:`REFUSALS`)."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}")
        self.status = status


class Unavailable(Exception):
    """The request failed for now (network, 5xx, an answer that is not a timeline)."""


def snowflake(when: datetime) -> str:
    """The smallest status id a Mastodon server gives at ``when`` (a ``min_id`` to start from)."""
    return str(max(0, int(when.timestamp() * 1000)) << 16)


def id_key(local_id: str) -> tuple[int, str]:
    """Orders ids as the server does: numbers by value, other ids (Pleroma's, GoToSocial's,
    of fixed length) as text; a shorter id is an older one."""
    return (len(local_id), local_id)


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), capped."""
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value).timestamp()
                       - datetime.now().astimezone().timestamp())
        except (TypeError, ValueError, IndexError):
            seconds = default
    return min(max(0.0, seconds), LONGEST_WAIT)


async def get(client: httpx.AsyncClient, url: str, params: dict[str, Any],
              headers: dict[str, str], what: str,
              on_wait: Any = None) -> httpx.Response:
    """GET with the rules of the module; ``on_wait(seconds)`` hears each 429 wait."""
    while True:
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{what}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 429:
            seconds = retry_after(response, 60.0)
            if on_wait is not None:
                on_wait(seconds)
            await asyncio.sleep(seconds)
            continue
        if response.status_code in REFUSALS:
            raise Refused(response.status_code, what)
        if response.status_code >= 300:
            raise Unavailable(f"{what}: HTTP {response.status_code}")
        return response


async def newer(client: httpx.AsyncClient, base: str, tag: str, min_id: str | None,
                headers: dict[str, str], on_wait: Any = None) -> AsyncIterator[list[Any]]:
    """The pages of ``tag``'s timeline after ``min_id``, each oldest first, until the newest.
    Without ``min_id`` (a first look), only the newest page. Items that are not statuses with
    an id are handed over too (first in their page): the store quarantines them."""
    url = base + TIMELINE.format(tag=quote(tag, safe=""))
    while True:
        params: dict[str, Any] = {"limit": LIMIT}
        if min_id is not None:
            params["min_id"] = min_id
        response = await get(client, url, params, headers, f"#{tag}'s timeline", on_wait)
        try:
            page = response.json()
        except ValueError:
            raise Unavailable(f"#{tag}'s timeline: the answer is not JSON") from None
        if type(page) is not list:
            raise Unavailable(f"#{tag}'s timeline: the answer is a {type(page).__name__}, "
                              "not a list of statuses")
        page.sort(key=lambda s: id_key(status_id(s) or ""))
        if page:
            yield page
        newest = max((i for i in map(status_id, page) if i), key=id_key, default=None)
        following = _prev_min_id(response) or newest
        if (min_id is None or len(page) < LIMIT or following is None
                or id_key(following) <= id_key(min_id)):
            return
        min_id = following


def status_id(item: object) -> str | None:
    """A status's local id, None for anything else."""
    if type(item) is not dict:
        return None
    value = item.get("id")
    if type(value) is int:
        value = str(value)
    return value if type(value) is str and value.isalnum() and len(value) <= 64 else None


def _prev_min_id(response: httpx.Response) -> str | None:
    """The ``min_id`` of the ``Link: <…>; rel="prev"`` page (the newer one), if given. Only
    the id is taken from it: requests stay on our own URL (a token never follows a link)."""
    link = response.links.get("prev", {}).get("url")
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("min_id") or []
    return values[0] if values and values[0].isalnum() else None
