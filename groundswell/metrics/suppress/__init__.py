"""Small-cell suppression: what any output may show of a report's counts (issue 26).

Why: a count describes people. "3 posts in Basque on 17 October" describes three people, whom
anyone who knows the campaign can look for; the policy (:mod:`groundswell.policy`) says a count
describing fewer than ``k`` people is shown as ``"<k"``. Hiding the small count is not enough:
the day's total is published, and so are the other languages, so subtraction gives it back.
This package therefore withholds (shows as ``null``) as few other counts as it takes so that
whatever subtraction recovers always includes a group of at least ``k`` people — complementary
suppression — and it does so from what the metrics declare (:mod:`groundswell.metrics.cells`),
never from knowledge of any metric. docs/privacy.md#small-cells states the rules and their limits.

How, in short: every declared count is a *cell*; every way published numbers add up is a
*relation* (rows of a breakdown and their total; a row's parts and its total; the combined
results and the platforms'; a series' running totals around a gap). Cells describing
``0 < people < k`` are suppressed; then, until nothing changes, every relation whose unknown
cells could be solved for (a single unknown, or only small ones, or so few that their bounds
pin one down) gets one more cell withheld: a cell describing at least ``k`` people, chosen
so as not to open another relation (the smallest such, among those that keep the others
closed). Relations can combine where no single one gives anything away, so an exact audit
then solves all of them together (:func:`solvable`) and withholds more next to every small
count it can solve for, until it finds none. Suppression only grows, so this ends.

Entry points: :func:`publish` (every output of a report: terminal, ``--json``, HTML, PNG,
``frames``), :func:`published_panels` (the live dashboard) and :func:`suppress_rows` (a table
only an output computes, like the HTML page's charts).

Where, from the bottom up (each module imports only those above it in this list):
:mod:`.model` (cells, relations, series, tables), :mod:`.walk` (declarations to cells and
relations), :mod:`.reader` (what a reader can work out), :mod:`.rules` (the local rules) and
:mod:`.audit` (the exact audit), :mod:`.write` (states into rows), :mod:`.suppression` (the
order of it all), :mod:`.private` (private accounts' rows) and :mod:`.publishing` (the entry
points).
"""

from groundswell.metrics.suppress.audit import solvable
from groundswell.metrics.suppress.private import coarsen
from groundswell.metrics.suppress.publishing import (
    is_suppressed,
    publish,
    published_panels,
    suppress_rows,
)
from groundswell.metrics.suppress.suppression import Suppression

__all__ = ["Suppression", "coarsen", "is_suppressed", "publish", "published_panels", "solvable",
           "suppress_rows"]
