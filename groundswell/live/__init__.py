"""Per-campaign live state in the store, so the dashboard keeps up with a live writer.

Why: the dashboard used to copy the posts the panels read out of the store and recompute every
panel on each refresh, a cost that grows with the store (seconds at a few million posts), while
``watch`` or ``ingest --follow`` writes thousands of posts a second. A writer that keeps each
campaign's matching set and running totals in the store, batch by batch, makes a refresh read
a few small tables instead: its cost follows what the totals hold, and an update's follows
what arrived.

- :class:`~groundswell.live.state.LiveState`: ``update(store)`` after each committed batch
  (the writer), ``read(store)`` (the dashboard: the panels, or None when the state is not
  current), ``current(store)``, ``rebuild(store)``, ``drop(store)``;
- :mod:`~groundswell.live.tables`: the tables and the state's id (a digest of the campaign's
  matching rule and the trend window);
- :mod:`~groundswell.live.marks`: how far a state has read, and the cheap currency check;
- :mod:`~groundswell.live.rule`: the matching rule in SQL, for the posts of one update;
- :mod:`~groundswell.live.rows`: the rows (matching set, rule 3 both ways) and the deltas;
- :mod:`~groundswell.live.totals`, :mod:`~groundswell.live.trending`: running totals;
- :mod:`~groundswell.live.panels`: the panels from the totals, shaped by the metrics' code.

Layering: it reads the store, the campaign, the scope's rule and the metrics' pure helpers;
nothing below it knows it exists (forgetting clears it by its tables' names). docs/dashboard.md
describes the tables, the marks, what invalidates a state and the dashboard's fallback.
"""

from groundswell.live.panels import PANELS
from groundswell.live.state import LiveState, UpdateStats
from groundswell.live.tables import state_id

__all__ = ["PANELS", "LiveState", "UpdateStats", "state_id"]
