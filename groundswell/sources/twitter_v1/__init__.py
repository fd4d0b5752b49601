"""Twitter API v1.1 statuses, REST and streaming (and Gnip's original format, which shares it):
:mod:`~groundswell.sources.twitter_v1.general` reads any record of the format;
:mod:`~groundswell.sources.twitter_v1.typed` is its fast path for the ordinary status line."""

from groundswell.sources.base import Source
from groundswell.sources.twitter_v1 import general, typed

SOURCE = Source(name="twitter-v1", platform=general.PLATFORM, claims=general.claims,
                parse=general.parse, parse_line=typed.parse_line,
                description="Twitter API v1.1 statuses (REST, streaming, Gnip original format) "
                            "and deletes")
