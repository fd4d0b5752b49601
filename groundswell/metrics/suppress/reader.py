"""What a reader can work out from what is published: the runs of a series' counts that are
not shown (whose sums the running totals give), the nearest cells beside a run, and whether
a set of unknowns lets a reader solve for a small count (:func:`is_open`). Questions only:
the rules (:mod:`.rules`) and the exact audit (:mod:`.audit`) ask them and decide."""

from __future__ import annotations

from groundswell.metrics.suppress.model import REST, SHOWN, Cell, Series
from groundswell.policy import Policy


def runs(series: Series, start: int = 0) -> list[tuple[int, int]]:
    """The runs of cells not shown (from ``start``), as ``(first, last)``, split where
    another series gives the running total away."""
    cells, anchors, found, i, n = series.cells, series.anchors, [], start, len(series.cells)
    while i < n:
        if cells[i].state == SHOWN:
            i += 1
            continue
        j = i
        while (j + 1 < n and cells[j + 1].state != SHOWN
               and not (j in anchors and anchors[j].state == SHOWN)):
            j += 1
        found.append((i, j))
        i = j + 1
    return found


def scan(series: Series, i: int, j: int, step: int, cross: bool
         ) -> tuple[str, list[Cell], list[Cell]] | None:
    """From the run outwards: ``("big", between, [cell])``, the nearest large cell shown,
    or ``("join", between, run)``, the next run; ``between``: the zeros (and, ``cross``ing,
    the other series' cells) to withhold on the way."""
    cells, between = series.cells, []
    at = i - 1 if step < 0 else j + 1
    while True:
        boundary = at if step < 0 else at - 1  # the running total between `at` and the run
        if 0 <= boundary < len(cells) and series.bounded(boundary):
            if not cross:
                return None
            between.append(series.anchors[boundary])
        if not 0 <= at < len(cells):
            return None
        cell = cells[at]
        if cell.known and cell.big:
            return "big", between, [cell]
        if not cell.known:
            beyond = []
            while 0 <= at < len(cells) and not cells[at].known:
                beyond.append(cells[at])
                at += step
            return "join", between, beyond
        between.append(cell)
        at += step


def whole(series: Series, i: int, j: int, policy: Policy) -> bool:
    """A run that needs no complement: it ends the series, every count before it is a
    zero, and its sum — the series' total — is small, so the total is suppressed wherever
    it is published and nothing gives the run's sum away. (Zeros after a run would show
    the total in their running totals.)"""
    cells = series.cells
    if j != len(cells) - 1 or not all(c.known and c.value == 0 for c in cells[:i]):
        return False
    values = [c.value for c in cells[i:]]
    return None in values or policy.small(sum(values))


def safe_run(series: Series, i: int, j: int, policy: Policy) -> bool:
    """A run whose sum no reader knows (it ends a series whose total is withheld), or
    that needs no complement."""
    if j == len(series.cells) - 1 and series.open_end:
        return True
    return (whole(series, i, j, policy)
            or not is_open([(c, 1) for c in series.cells[i:j + 1]], None, policy))


def is_open(unknown: list[tuple[Cell, int]], shown: list[tuple[Cell, int]] | None,
            policy: Policy) -> bool:
    """Whether a reader could solve these unknowns (all a relation leaves unknown) for
    something describing fewer than ``k`` people, or for a withheld count (which would
    let another relation solve a small one): a single unknown (but a large unlisted
    rest); unknowns added together (same signs) whose sum leaves each at its least
    (``"<k"`` is at least one, a withheld count at least ``k``), whose sum is of small
    ones only, or whose sum leaves too little room (:func:`slack`). ``shown``: the
    relation's non-zero published terms (None: a partial sum of a series is known). A
    sum of small ones is no news when there are none (it is a total published, and
    protected, as a count of its own) or when the only one is a large total."""
    if not unknown:
        return False
    if len(unknown) == 1:
        cell = unknown[0][0]
        return not (cell.state == REST and not cell.small)
    room = slack(unknown, policy)
    if len({s for _, s in unknown}) > 1:
        return False  # a difference of unknowns: none of them follows
    if room is not None and room[0] <= 0:
        return True  # each one at its least: all known
    if not any(c.big for c, _ in unknown):
        if not any(c.small for c, _ in unknown):
            return False
        if shown is not None and not shown:
            return False
        sign = unknown[0][1]
        return not (shown is not None and len(shown) == 1 and shown[0][0].big
                    and shown[0][1] != sign)
    return room is not None and room[0] < room[1]


def slack(unknown: list[tuple[Cell, int]], policy: Policy) -> tuple[int, int] | None:
    """``(room, needed)``: how far the unknowns' sum exceeds the least a reader knows it
    to be, and how far it must (``k - 2`` with a small cell among them: then the sum
    leaves each small cell at least the ``k - 1`` values ``"<k"`` allows; else 1: no
    withheld count pinned to its least). None when the signs are mixed."""
    signs = {s for _, s in unknown}
    if len(signs) != 1 or any(c.value is None for c, _ in unknown):
        return None
    total = sum(c.value for c, _ in unknown)
    least = sum(c.floor(policy.k) for c, _ in unknown)
    needed = policy.k - 2 if any(c.small for c, _ in unknown) else 1
    return total - least, needed
