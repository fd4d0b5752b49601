"""Live collection: Groundswell connects to a platform's stream itself (``groundswell watch``).

- :mod:`~groundswell.watch.writer` — events into the store, committed at least every second,
  each commit with the stream's cursor, so a restart resumes where the store is;
- :mod:`~groundswell.watch.cursors` — the cursors, one row per stream, in the store;
- :mod:`~groundswell.watch.backoff` — reconnecting without hammering a server;
- :mod:`~groundswell.watch.status` — the live status line (events/s, kept/s, lag, reconnects).

The clients (one module per platform) read the network and decide what to keep; everything
they keep goes through :func:`groundswell.ingest.dispatch.handle_line`, the same parsing as a
one-shot ingest, so the store of a watch equals a straight ingest of the events it kept.
docs/live.md explains endpoints, tokens, resuming and what "kept" means.
"""
