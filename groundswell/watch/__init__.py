"""Live collection: Groundswell connects to a platform's stream itself (``groundswell watch``).

What every watcher shares:

- :mod:`~groundswell.watch.writer` — events into the store, committed at least every second,
  each commit with the stream's cursor, so a restart resumes where the store is;
- :mod:`~groundswell.watch.cursors` — the cursors, one row per stream, in the store;
- :mod:`~groundswell.watch.backoff` — reconnecting without hammering a server;
- :mod:`~groundswell.watch.status` — the live status line (events/s, kept/s, lag, reconnects).

Bluesky: :mod:`~groundswell.watch.jetstream` (the client), :mod:`~groundswell.watch.keep` (the
campaign filter over the whole firehose), :mod:`~groundswell.watch.known` (what the store
already holds, as hashes), :mod:`~groundswell.watch.endpoints` (Jetstream's instances).

Mastodon: :mod:`~groundswell.watch.mastodon` (one follower per server and tag),
:mod:`~groundswell.watch.mastodon_sse` (the streaming API's events),
:mod:`~groundswell.watch.mastodon_poll` (tag timelines with ``min_id``: gaps and fallback),
:mod:`~groundswell.watch.mastodon_instances` (servers, tokens, streaming hosts),
:mod:`~groundswell.watch.mastodon_writers` (a writer per server: local ids are per server).

What a client keeps goes through :func:`groundswell.ingest.dispatch.handle_line`, the same
parsing as a one-shot ingest, so the store of a watch equals a straight ingest of the events it
kept. docs/live.md explains endpoints, tokens, resuming and what "kept" means.
"""
