"""What the typed line parsers (``twitter_v2.typed``, ``twitter_v1.typed``) share: decoding
with msgspec no deeper than the general path's orjson would.

orjson refuses JSON nested deeper than ``ORJSON_DEPTH``; msgspec, which recurses, stops at
Python's recursion limit instead. The limit is pinned at most this while decoding (test runners
raise it: Hypothesis to 2048), so a line too deep for orjson is too deep here as well; and a
Python whose C recursion limit is not the recursion limit (3.12+) might let msgspec nest deeper
anyway, which :meth:`BoundedDecoder.agrees` detects once (then no typed path is taken).
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

import msgspec

ORJSON_DEPTH = 1024


class BoundedDecoder:
    """A msgspec decoder of ``struct`` that refuses what orjson refuses for depth.

    ``shell`` wraps the too-deep probe (``{shell"x": [[...]]}``) so that the probe is the
    struct's shape in every other respect, e.g. ``b'"data":[],'`` for a twarc2 page."""

    def __init__(self, struct: Any, shell: bytes = b"") -> None:
        self._decode = msgspec.json.Decoder(struct).decode
        self._shell = shell

    def __call__(self, raw: bytes) -> Any:
        limit = sys.getrecursionlimit()
        if limit <= ORJSON_DEPTH:
            return self._decode(raw)
        sys.setrecursionlimit(ORJSON_DEPTH)
        try:
            return self._decode(raw)
        finally:
            sys.setrecursionlimit(limit)

    @cached_property
    def agrees(self) -> bool:
        """Whether a line nested deeper than orjson allows is refused here too."""
        nesting = ORJSON_DEPTH + 8
        deep = b"{" + self._shell + b'"x":' + b"[" * nesting + b"]" * nesting + b"}"
        try:
            self(deep)
        except (msgspec.DecodeError, RecursionError):
            return True
        return False
