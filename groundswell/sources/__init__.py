"""Input formats. Each module exposes ``SOURCE``; :func:`registry` lists them in the order
records are offered to them (most specific shape first).

Outside packages add formats through the ``groundswell.sources`` entry-point group: the entry
point names a module-level :class:`~groundswell.sources.base.Source`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points

from groundswell.sources import twitter_v1, twitter_v1_typed, twitter_v2, twitter_v2_typed
from groundswell.sources.base import Emitter, RecordError, Source

__all__ = ["Emitter", "RecordError", "Source", "registry", "detect", "line_parsers"]


@cache
def registry() -> tuple[Source, ...]:
    builtin = (twitter_v1.SOURCE, twitter_v2.SOURCE)
    plugins = tuple(ep.load() for ep in entry_points(group="groundswell.sources"))
    return plugins + builtin


def detect(obj: dict) -> Source | None:
    """The first source that recognises this record's shape, or None."""
    for source in registry():
        if source.claims(obj):
            return source
    return None


@cache
def line_parsers() -> tuple[Callable[[bytes, Emitter], bool], ...]:
    """Parsers offered each raw line before it is decoded in general: each takes the one
    common shape it knows (returning True) and leaves every other line alone. None while
    plugin sources are installed, because they are offered every record first. Each refuses
    the other's lines by their first bytes, before decoding: a twarc2 page starts with
    ``{"data"``, a v1.1 status with a key no twarc2 line starts with (or ``created_at``)."""
    if registry() != (twitter_v1.SOURCE, twitter_v2.SOURCE):
        return ()
    return (twitter_v2_typed.parse_line, twitter_v1_typed.parse_line)
