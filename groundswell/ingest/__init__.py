"""Ingestion: files (or a file as it grows) → numbered lines → sources → batches → the store.

- :mod:`~groundswell.ingest.lines` — the one line reader (files, stdin, byte ranges, tails);
- :mod:`~groundswell.ingest.dispatch` — a line to the source that knows its shape;
- :mod:`~groundswell.ingest.batch` — the rows of a run of lines, as one transaction;
- :mod:`~groundswell.ingest.run` — one run, in file order; :mod:`~groundswell.ingest.parallel`
  parses big plain files on every core;
- :mod:`~groundswell.ingest.follow` — a growing file, like ``tail -F``;
- :mod:`~groundswell.ingest.summary` — what a run did, counted once for every way of running.
"""

from groundswell.ingest.follow import FollowSummary, follow
from groundswell.ingest.run import ingest
from groundswell.ingest.summary import IngestSummary

__all__ = ["FollowSummary", "IngestSummary", "follow", "ingest"]
