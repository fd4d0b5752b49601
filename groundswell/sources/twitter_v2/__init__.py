"""Twitter API v2 as twarc2 writes it: :mod:`~groundswell.sources.twitter_v2.general` reads
every line shape twarc2 produces; :mod:`~groundswell.sources.twitter_v2.typed` is its fast path
for the ordinary response page."""

from groundswell.sources.base import Source
from groundswell.sources.twitter_v2 import general, typed

SOURCE = Source(name="twitter-v2", platform=general.PLATFORM, claims=general.claims,
                parse=general.parse, parse_line=typed.parse_line,
                description="Twitter API v2 (twarc2 pages, flattened and streaming lines, "
                            "compliance)")
