"""Bluesky: the AT Protocol's posts and reposts, from Jetstream event lines (plain, .gz or
.zst), Tap's backfill and live records, and the AppView's post views (bare, in arrays, in
search and feed pages and threads). :mod:`.general` says which shape a record is;
:mod:`.events` reads the network's events, :mod:`.views` the API's views, :mod:`.records` the
post and repost records both carry, :mod:`.richtext` their hashtags, mentions and times;
:mod:`.typed` is the fast path of the ordinary Jetstream commit line."""

from groundswell.sources.base import Source
from groundswell.sources.bluesky import general, typed
from groundswell.sources.bluesky.names import PLATFORM

SOURCE = Source(name="bluesky", platform=PLATFORM, claims=general.claims, parse=general.parse,
                parse_line=typed.parse_line,
                description="Bluesky (Jetstream events, Tap records, post views: search and "
                            "feed pages, threads)")
