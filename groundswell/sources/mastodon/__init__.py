"""Mastodon: statuses from the REST API (timelines, threads, searches, notifications) and the
streaming API (server-sent events and WebSocket messages), each post keyed by its ``uri``.
:mod:`~groundswell.sources.mastodon.records` reads decoded records,
:mod:`~groundswell.sources.mastodon.sse` the server-sent lines."""

from groundswell.sources.base import Source
from groundswell.sources.mastodon import records, sse
from groundswell.sources.mastodon.accounts import PLATFORM

SOURCE = Source(name="mastodon", platform=PLATFORM, claims=records.claims,
                parse=records.parse, parse_line=sse.parse_line,
                description="Mastodon API statuses (timelines, threads, search, "
                            "notifications) and streaming events (server-sent, WebSocket)")
