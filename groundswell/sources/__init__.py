"""Input formats. Each format is one module (or, with a fast path, one small package) that
exposes ``SOURCE``; :func:`registry` lists them in the order records are offered to them (most
specific shape first).

Outside packages add formats through the ``groundswell.sources`` entry-point group: the entry
point names a module-level :class:`~groundswell.sources.base.Source`. Plugins are offered
decoded records before the built-in formats (they may specialise an unusual shape), but every
format's fast line parser, built in or not, sees each raw line before any record is decoded
(:func:`line_parsers`): the ordinary lines of a format with a fast path are always its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points

from groundswell.sources import bluesky, mastodon, twitter_v1, twitter_v2
from groundswell.sources.base import Emitter, Record, RecordError, Source

__all__ = ["Emitter", "Record", "RecordError", "Source", "registry", "detect", "line_parsers"]

#: The built-in formats, most specific shape first.
BUILTIN: tuple[Source, ...] = (mastodon.SOURCE, bluesky.SOURCE, twitter_v1.SOURCE,
                                twitter_v2.SOURCE)


@cache
def registry() -> tuple[Source, ...]:
    plugins = tuple(ep.load() for ep in entry_points(group="groundswell.sources"))
    return plugins + BUILTIN


def detect(obj: Record) -> Source | None:
    """The first source that recognises this record's shape, or None."""
    for source in registry():
        if source.claims(obj):
            return source
    return None


@cache
def line_parsers() -> tuple[Callable[[bytes, Emitter], bool], ...]:
    """The fast line parsers of the registered formats, in registry order. Each takes only the
    ordinary shape of its own format, recognised by the line's first bytes before decoding,
    and leaves every other line alone, so installing a format never turns another's fast path
    off: a line none of them takes is decoded and offered to every format's ``claims``. A
    fast parser declines what a built-in format ahead of it would claim (the twarc2 page
    parser declines pages carrying v1.1 keys), so both paths give a line to the same format."""
    return tuple(s.parse_line for s in registry() if s.parse_line is not None)
