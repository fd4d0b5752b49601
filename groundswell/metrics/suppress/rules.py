"""The local rules: which complementary cells to withhold so that no relation, on its own,
lets a reader solve for a small count. Each open relation gets one more cell withheld — a
count of at least ``k`` people, chosen so as not to open another relation (the cheapest
such, :func:`_cost`) — and a series' runs are closed by joining them or withholding the
nearest large count. Withholding only grows, so settling ends. The exact audit
(:mod:`.audit`) checks all relations together; :func:`repair` answers what it finds."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from groundswell.metrics.suppress.model import WITHHELD, Cell, Relation, Series
from groundswell.metrics.suppress.reader import is_open, runs, safe_run, scan, slack
from groundswell.policy import Policy


def settle_locally(relations: Iterable[Relation | Series], policy: Policy) -> None:
    """Fix each local relation (and each series) until none is open, going back to every
    relation a newly withheld cell is in."""
    queue: deque[Relation | Series] = deque(
        r for r in relations if isinstance(r, Series) or r.local)
    queued = {id(r) for r in queue}
    while queue:
        relation = queue.popleft()
        queued.discard(id(relation))
        withheld = _fix(relation, policy)
        if not withheld:
            continue
        for cell in withheld:
            for other in cell.relations:
                if isinstance(other, Relation) and not other.local:
                    continue
                if id(other) not in queued:
                    queue.append(other)
                    queued.add(id(other))
        if id(relation) not in queued:
            queue.append(relation)
            queued.add(id(relation))


def open_relations(relations: Iterable[Relation | Series],
                   policy: Policy) -> list[Relation | Series]:
    """The relations a reader could still solve for a small cell: none after settling, but
    those no complement could close (every cell in them small, withheld or zero). What they
    give away is a sum of cells describing fewer than ``k`` people each — tests and
    docs/privacy.md#small-cells say when that happens."""
    found: list[Relation | Series] = []
    for relation in relations:
        if isinstance(relation, Series):
            if _runs_open(relation, policy):
                found.append(relation)
        elif relation.local and is_open(*_unknown_and_shown(relation), policy):
            found.append(relation)
    return found


def repair(cell: Cell) -> list[Cell]:
    """Withhold one more count next to a small one the audit solved for: the cheapest
    large count shown in a relation it is in (a new unknown in one of its own
    equations), else the nearest one shown beside its run."""
    direct = [(c, ()) for relation in cell.relations if isinstance(relation, Relation)
              for c, _ in relation.terms if c.known and c.big]
    beside: list[tuple[Cell, tuple[Cell, ...]]] = []
    series = cell.series
    if series is not None:
        index = series.cells.index(cell)
        for i, j in runs(series):
            if i <= index <= j:
                for step in (-1, 1):
                    found = scan(series, i, j, step, True)
                    if found and found[0] == "big":
                        beside.append((found[2][0], tuple(found[1])))
    # every one of them: a certificate runs through several, and each round of the audit
    # costs a solve of the whole system
    return _mark([c for cell, between in direct + beside for c in (cell, *between)
                  if c.known])


def _unknown_and_shown(relation: Relation
                       ) -> tuple[list[tuple[Cell, int]], list[tuple[Cell, int]]]:
    """A relation's terms not shown, and its non-zero terms shown."""
    unknown = [(c, s) for c, s in relation.terms if not c.known]
    shown = [(c, s) for c, s in relation.terms if c.known and c.value]
    return unknown, shown


def _fix(relation: Relation | Series, policy: Policy) -> list[Cell]:
    if isinstance(relation, Series):
        return _fix_series(relation, policy)
    unknown, shown = _unknown_and_shown(relation)
    if not is_open(unknown, shown, policy):
        return []
    candidates = [(c, ()) for c, _ in relation.terms if c.known and c.big]
    # no count of k people left to withhold: withhold every other non-zero one (else the
    # zeros), and subtraction gives back only the relation's total
    return (_withhold(unknown, candidates, policy)
            or _mark(c for c, _ in shown)
            or _mark(c for c, _ in relation.terms if c.known))


def _fix_series(series: Series, policy: Policy) -> list[Cell]:
    """Close every run that needs it, in one pass along the series (runs are found again
    after each change, from where it was made)."""
    cells = series.cells
    if series.open_end and cells and cells[-1].known:
        return _mark(cells[-1:])  # its running total would show the total
    withheld: list[Cell] = []
    start = 0
    while True:
        pending = next(((i, j) for i, j in runs(series, start)
                        if not safe_run(series, i, j, policy)), None)
        if pending is None:
            return withheld
        i, j = pending
        changed = _close_run(series, i, j, [(c, 1) for c in cells[i:j + 1]], policy)
        if not changed:
            start = j + 1
            continue
        withheld += changed
        start = max(0, i - 1)
        while start > 0 and not cells[start].known:
            start -= 1


def _runs_open(series: Series, policy: Policy) -> bool:
    if series.open_end and series.cells and series.cells[-1].known:
        return True
    return any(not safe_run(series, i, j, policy) for i, j in runs(series))


def _close_run(series: Series, i: int, j: int, run: list[tuple[Cell, int]],
               policy: Policy) -> list[Cell]:
    """Join the run to a neighbour run across zeros if that closes it (it costs no
    count); else withhold the nearest large cell shown (and the zeros on the way); else
    join anyway (fewer, longer runs). Only if none of that is possible within the run's
    bounds, the same across another series' running total (whose cell is then withheld
    too)."""
    for cross in (False, True):
        found = [scan(series, i, j, step, cross) for step in (-1, 1)]
        joins = [(between, beyond) for kind, between, beyond in filter(None, found)
                 if kind == "join"]
        for between, beyond in joins:
            if not is_open(run + [(c, 1) for c in (*between, *beyond)], None, policy):
                return _mark(between)
        candidates = [(beyond[0], tuple(between)) for kind, between, beyond
                      in filter(None, found) if kind == "big"]
        chosen = _withhold(run, candidates, policy)
        if chosen:
            return chosen
        if joins:
            return _mark(joins[0][0])
    # no count of k people anywhere to withhold: the whole series is one run, whose sum is
    # the series' total
    return _mark(c for c in series.cells if c.known)


def _withhold(unknown: list[tuple[Cell, int]], candidates: list[tuple[Cell, tuple[Cell, ...]]],
              policy: Policy) -> list[Cell]:
    """Withhold one of ``candidates`` (a large cell shown, and the cells on the way to it):
    the cheapest that leaves the unknowns' sum room enough, else the largest."""
    if not candidates:
        return []
    room_needed = slack(unknown, policy)
    if room_needed is not None and all(c.value is not None for c, _ in candidates):
        room, needed = room_needed
        enough = [c for c in candidates if room + c[0].value - policy.k >= needed]
        if enough:
            chosen = min(enough, key=lambda c: (_cost(c[0]), c[0].value, c[0].order))
        else:
            chosen = max(candidates, key=lambda c: (c[0].value, -c[0].order))
    else:
        chosen = min(candidates, key=lambda c: (_cost(c[0]), c[0].value or 0, c[0].order))
    cell, between = chosen
    return _mark([cell, *between])


def _cost(cell: Cell) -> int:
    """How many relations withholding ``cell`` would open: those with no unknown yet
    (a series gets a new run unless a neighbour is unknown already)."""
    opened = 0
    for relation in cell.relations:
        if isinstance(relation, Series):
            if cell is relation.total:  # its series would show it
                opened += bool(relation.cells and relation.cells[-1].known)
                continue
            if relation is not cell.series:
                continue  # an anchor: withholding it joins runs, opens none
            before, after = cell.neighbours or (None, None)
            if not ((before is not None and not before.known)
                    or (after is not None and not after.known)):
                opened += 1
        elif relation.local and all(c.known for c, _ in relation.terms if c is not cell):
            opened += 1
    return opened


def _mark(cells: Iterable[Cell]) -> list[Cell]:
    """Withhold ``cells``; they are what was withheld."""
    out = list(cells)
    for c in out:
        c.state = WITHHELD
    return out
