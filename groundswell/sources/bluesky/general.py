"""Which Bluesky shape a decoded record is, and who reads it.

Claims look at top-level keys only, and at shapes no other format writes: Jetstream events
have ``kind`` with ``did`` or ``time_us``; Tap events an ``id`` and a ``type`` of record or
identity holding that object; post views an ``at://`` uri with a record or an author; feed
items a ``post`` whose uri is an at-uri; pages ``posts``, ``feed`` or ``thread`` holding
those. A tweet has no ``kind`` and no at-uri; a Mastodon status's ``uri`` is an ``https://``
URL and its author is an ``account``.
"""

from __future__ import annotations

from groundswell.sources.base import Emitter
from groundswell.sources.bluesky import events, views


def claims(obj: dict) -> bool:
    return (events.claims_jetstream(obj) or views.claims_view(obj) or views.claims_page(obj)
            or events.claims_tap(obj))


def parse(obj: dict, emit: Emitter) -> None:
    if events.claims_jetstream(obj):
        events.parse_jetstream(obj, emit)
    elif views.claims_view(obj):
        views.parse_view(obj, emit)
    elif views.claims_page(obj):
        views.parse_page(obj, emit)
    else:
        events.parse_tap(obj, emit)
