"""Jetstream's public instances, and the subscribe URL the client connects to.

Bluesky runs four public Jetstream instances (the Jetstream README, "Public Instances");
their cursors are all wall-clock microseconds, so a watch can move from one to another and
resume with the same cursor, rewound a few seconds (the README's advice for gapless playback).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from groundswell.sources.bluesky.names import POST, REPOST

DEFAULT_ENDPOINT = "wss://jetstream2.us-east.bsky.network/subscribe"
#: The public instances operated by Bluesky.
PUBLIC_ENDPOINTS = (
    "wss://jetstream1.us-east.bsky.network/subscribe",
    "wss://jetstream2.us-east.bsky.network/subscribe",
    "wss://jetstream1.us-west.bsky.network/subscribe",
    "wss://jetstream2.us-west.bsky.network/subscribe",
)
#: What the watch asks for: posts and reposts (identity and account events always come).
COLLECTIONS = (POST, REPOST)
_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}
#: Query parameters the client sets itself (a user's own would contradict them).
_OURS = {"wantedCollections", "cursor", "compress"}


def subscribe_url(endpoint: str, cursor: int | None) -> str:
    """``endpoint`` (``wss://host/subscribe``; a bare ``wss://host`` gets ``/subscribe``,
    ``https://`` is read as ``wss://``) with the collections and, if given, the cursor. Other
    query parameters of ``endpoint`` (``wantedDids``...) are kept. ValueError if ``endpoint``
    is not a WebSocket URL."""
    parts = urlsplit(endpoint.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise ValueError(f"--endpoint {endpoint!r}: expected a Jetstream URL such as "
                         f"{DEFAULT_ENDPOINT}")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ValueError(f"--endpoint {endpoint!r}: the port is not a number") from None
    path = parts.path if parts.path not in ("", "/") else "/subscribe"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in _OURS]
    query += [("wantedCollections", collection) for collection in COLLECTIONS]
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))
