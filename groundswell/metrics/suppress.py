"""Small-cell suppression: what any output may show of a report's counts (issue 26).

Why: a count describes people. "3 posts in Basque on 17 October" describes three people, whom
anyone who knows the campaign can look for; the policy (:mod:`.policy`) says a count describing
fewer than ``k`` people is shown as ``"<k"``. Hiding the small count is not enough: the day's
total is published, and so are the other languages, so subtraction gives it back. This module
therefore withholds (shows as ``null``) as few other counts as it takes so that whatever
subtraction recovers always includes a group of at least ``k`` people — complementary
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
"""

from __future__ import annotations

import copy
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from groundswell.metrics.cells import Cells, Persons, Ref, Spec, get, has, put, remove, tables
from groundswell.policy import Policy

if TYPE_CHECKING:
    from groundswell.metrics import Metric
    from groundswell.metrics.page import Panel

#: The largest set of linked unknown counts the exact audit solves; a larger one keeps the
#: local rules' guarantee only (docs/privacy.md#small-cells).
MAX_AUDIT = 20_000
#: Rounds of the exact audit and its repairs.
MAX_REPAIRS = 50

#: A cell's states: shown as it is; suppressed as small (``"<k"``); withheld as a complement
#: (``null``); its row left out (``drop``); the unlisted rest of a top-n list (never shown).
SHOWN, SMALL, WITHHELD, DROPPED, REST = "shown", "small", "withheld", "dropped", "rest"
PLATFORMS = "platforms"


class Cell:
    """One published count: where it is, its value, how many people it describes, its state."""

    __slots__ = ("big", "field", "neighbours", "order", "relations", "row", "series", "size",
                 "small", "state", "table", "value")

    def __init__(self, table: Table | None, row: int, field: str, value: Any, order: int):
        self.table, self.row, self.field, self.order = table, row, field, order
        if isinstance(value, float) and value == value:
            value = round(value)  # an estimate of a count (roles with a model)
        self.value = value if isinstance(value, int) and not isinstance(value, bool) else None
        self.state = SHOWN if self.value is not None else (SMALL if isinstance(value, str)
                                                          else WITHHELD)
        self.size: int | None = self.value  # the people it describes (set from the declaration)
        self.small = self.big = False
        self.relations: list[Relation | Series] = []
        self.series: Series | None = None  # the series it is a count of
        self.neighbours: tuple[Cell | None, Cell | None] | None = None  # in that series

    def classify(self, policy: Policy) -> None:
        if self.state == SMALL:
            self.small = True
        elif self.state == WITHHELD:
            self.big = True
        else:
            self.small = policy.small(self.size)
            self.big = self.size is not None and self.size >= policy.k

    @property
    def known(self) -> bool:
        return self.state == SHOWN

    def floor(self, k: int) -> int:
        """The least value a reader can be sure of: ``"<k"`` means at least one person, a
        withheld count at least ``k``; a dropped row or an unlisted rest may be nothing."""
        if self.state == WITHHELD:
            return k if self.big else 0  # a zero withheld to join two runs
        return 1 if self.state == SMALL else 0

    def __repr__(self) -> str:  # pragma: no cover - debugging
        where = f"{self.table.metric}:{self.table.decl.path}" if self.table else "rest"
        scope = self.table.scope if self.table else ""
        return f"<{scope}/{where}[{self.row}].{self.field}={self.value} {self.state}>"


class Relation:
    """``Σ coefficient·cell`` is known to a reader (a published total, or zero). ``local``:
    checked on its own too; a series adding up to its total is not (its :class:`Series`
    does that, cheaply), only in the exact audit."""

    __slots__ = ("local", "terms")

    def __init__(self, terms: list[tuple[Cell, int]], local: bool = True):
        self.terms = terms
        self.local = local


class Series:
    """A time series' count column with a running total: around every run of cells that are
    not shown, the running totals give the run's sum (from zero at the start, up to the
    published total at the end). ``anchors``: where another series gives the running total
    away too, while the anchor cell is shown — the daily running total is the hourly one at
    each day's end (so a day's shown total splits a run of hours at midnight), and the hourly
    one at a day's last hour is the daily one. ``total``: the count the whole series adds up
    to (the last running total is it): while it is withheld, so must the last count be, and
    a run at the end then has no known end."""

    __slots__ = ("anchors", "cells", "total")

    def __init__(self, cells: list[Cell]):
        self.cells = cells
        self.anchors: dict[int, Cell] = {}
        self.total: Cell | None = None

    @property
    def open_end(self) -> bool:
        """The series' total is declared and not shown: its end is unknown."""
        return self.total is not None and not self.total.known

    def bounded(self, after: int) -> bool:
        """Whether the running total after cell ``after`` is known through another series."""
        anchor = self.anchors.get(after)
        return anchor is not None and anchor.known


class Table:
    """One table of one metric's result in one scope (the combined results, or a platform's)."""

    def __init__(self, scope: str, metric: str, decl: Cells, inst: tuple, rows: list[dict],
                 container: list | None):
        self.scope, self.metric, self.decl, self.inst = scope, metric, decl, inst
        self.rows, self.container = rows, container
        self.cells: dict[tuple[int, str], Cell] = {}
        self.index = {self.key(r): i for i, r in enumerate(rows)}
        self.dropped: set[int] = set()

    def key(self, row: Mapping) -> tuple:
        return tuple(get(row, f) for f in self.decl.key)

    def cell(self, row: int, field: str) -> Cell | None:
        return self.cells.get((row, field))


class Suppression:
    """The cells and relations of a set of results, suppressed to a fixed point."""

    def __init__(self, scopes: Mapping[str, Mapping[str, Any]],
                 declared: Mapping[str, Sequence[Cells]], policy: Policy):
        self.policy, self.k = policy, policy.k
        self.scopes = scopes
        self.tables: list[Table] = []
        self.by_name: dict[tuple[str, str, str, tuple], Table] = {}
        self.relations: list[Relation | Series] = []
        #: small counts the exact audit could solve for and nothing was left to withhold
        #: around (none in the tests; see docs/privacy.md#small-cells)
        self.unrepaired: list[Cell] = []
        self._order = 0
        for scope, results in scopes.items():
            for metric, decls in declared.items():
                if metric in results:
                    for decl in decls:
                        for inst, rows, container in tables(results[metric], decl.path):
                            self._add_table(Table(scope, metric, decl, inst, rows, container))
        for table in self.tables:
            self._people(table)
        for table in self.tables:
            self._drop(table)
        self._series: dict[tuple[int, str], Series] = {}
        for table in self.tables:
            self._relate(table)
        for table in self.tables:
            self._anchor(table)
        self._margins()

    # -- building -----------------------------------------------------------------------------
    def _add_table(self, table: Table) -> None:
        self.tables.append(table)
        self.by_name.setdefault((table.scope, table.metric, table.decl.path, table.inst), table)
        for i, row in enumerate(table.rows):
            for name in table.decl.counts:
                if has(row, name):
                    table.cells[(i, name)] = Cell(table, i, name, get(row, name), self._next())

    def _next(self) -> int:
        self._order += 1
        return self._order

    def _people(self, table: Table) -> None:
        for (i, name), cell in table.cells.items():
            spec = table.decl.counts[name]
            people = cell.value if spec is None else self._value(table, spec, table.rows[i])
            if isinstance(people, str):
                cell.state, cell.value = SMALL, None  # already published as "<k"
            cell.size = people if isinstance(people, int) else cell.value
            cell.classify(self.policy)
            if cell.small and cell.state == SHOWN:
                cell.state = SMALL

    def _drop(self, table: Table) -> None:
        if table.decl.drop is None:
            return
        for i in range(len(table.rows)):
            decider = table.cell(i, table.decl.drop)
            if decider is not None and decider.small:
                table.dropped.add(i)
        for (i, _), cell in table.cells.items():
            if i in table.dropped:
                cell.state = DROPPED

    def _value(self, table: Table, spec: Spec, row: Mapping) -> Any:
        if isinstance(spec, str):
            return get(row, spec)
        target = self._target(table, spec, row)
        return None if target is None else get(target[0].rows[target[1]], spec.field)

    def _target(self, table: Table, ref: Ref, context: Mapping) -> tuple[Table, int] | None:
        """The table and row a reference names, seen from a row (or group) of ``table``."""
        scope = table.scope
        if ref.scope is not None:
            named = context.get(ref.scope)
            if named in self.scopes and named != "":
                scope = named
            elif len(table.rows) != 1:
                return None  # several platforms' rows, but not their results: nothing to match
        target = self.by_name.get((scope, ref.metric, ref.path, ()))
        if target is None:
            return None
        key = tuple(context.get(ref.match.get(f, f)) for f in target.decl.key)
        i = target.index.get(key)
        return None if i is None else (target, i)

    def _cell(self, table: Table, spec: Spec, row: int, context: Mapping) -> Cell | None:
        if isinstance(spec, str):
            return table.cell(row, spec)
        target = self._target(table, spec, context)
        return None if target is None else target[0].cell(target[1], spec.field)

    def _relation(self, terms: Iterable[tuple[Cell | None, int]], local: bool = True) -> None:
        kept = [(c, s) for c, s in terms if c is not None]
        if len(kept) < 1:
            return
        relation = Relation(kept, local)
        self.relations.append(relation)
        for cell, _ in kept:
            cell.relations.append(relation)

    def _relate(self, table: Table) -> None:
        decl = table.decl
        for i, row in enumerate(table.rows):
            for rule in decl.sums:
                total = (None if rule.total is None
                         else self._cell(table, rule.total, i, row))
                if rule.total is not None and total is None:
                    continue
                parts = [self._cell(table, p, i, row) for p in rule.parts]
                if rule.total is None and any(p is None for p in parts):
                    continue  # a part not published here: nothing to subtract from
                self._relation([(total, 1), *((p, -1) for p in parts)])
            for name, ref in decl.same.items():
                mine, theirs = table.cell(i, name), self._cell(table, ref, i, row)
                if mine is not None and theirs is not None and theirs is not mine:
                    self._relation([(mine, 1), (theirs, -1)])
        if decl.groups is not None:
            groups: dict[tuple, list[int]] = {}
            contexts: dict[tuple, dict] = {}
            for i, row in enumerate(table.rows):
                context = decl.group_of(row)
                key = tuple(sorted(context.items(), key=lambda kv: kv[0]))
                groups.setdefault(key, []).append(i)
                contexts[key] = context
            for key, members in groups.items():
                for name, total in decl.adds_up.items():
                    parent = None if total is None else self._cell(table, total, -1,
                                                                   contexts[key])
                    whole = decl.series and decl.groups == () and parent is not None
                    self._relation([(parent, 1), *((table.cell(i, name), -1)
                                                   for i in members)], local=not whole)
        if decl.series:
            for name in dict.fromkeys(decl.cumulative.values()):
                cells = [table.cell(i, name) for i in range(len(table.rows))]
                present = [c for c in cells if c is not None]
                if len(present) != len(cells):
                    continue
                series = Series(present)
                self.relations.append(series)
                self._series[(id(table), name)] = series
                total = decl.adds_up.get(name) if decl.groups == () else None
                if isinstance(total, Ref):
                    series.total = self._cell(table, total, -1, {})
                    if series.total is not None:
                        series.total.relations.append(series)
                for j, cell in enumerate(present):
                    cell.relations.append(series)
                    cell.series = series
                    cell.neighbours = (present[j - 1] if j else None,
                                       present[j + 1] if j + 1 < len(present) else None)

    def _anchor(self, table: Table) -> None:
        """A series whose consecutive groups add up to the rows of a coarser series (hours to
        days): each one's running total at a group's end is the other's (see :class:`Series`).
        """
        decl = table.decl
        if not decl.series or decl.groups is None:
            return
        for name, total in decl.adds_up.items():
            fine = self._series.get((id(table), name))
            if fine is None or not isinstance(total, Ref):
                continue
            coarse: Series | None = None
            ends: dict[tuple, tuple[int, dict]] = {}
            for i, row in enumerate(table.rows):
                context = decl.group_of(row)
                ends[tuple(sorted(context.items()))] = (i, context)
            for last, context in ends.values():
                target = self._target(table, total, context)
                if target is None:
                    return
                coarse = self._series.get((id(target[0]), total.field))
                day = target[0].cell(target[1], total.field)
                if coarse is None or day is None:
                    return
                fine.anchors[last] = day
                day.relations.append(fine)
                hour = table.cell(last, name)
                if hour is not None:
                    coarse.anchors[target[1]] = hour
                    hour.relations.append(coarse)
            if coarse is not None and coarse.total is not None and fine.total is None:
                fine.total = coarse.total  # the hours add up to the days' total
                coarse.total.relations.append(fine)

    def _margins(self) -> None:
        """The combined results' counts are the sums of the platforms' (accounts are never
        merged across platforms): each is a relation, and a top-n list's unlisted rest is an
        unknown of its own."""
        platforms = [s for s in self.scopes if s != ""]
        if not platforms:
            return
        for table in [t for t in self.tables if t.scope == ""]:
            decl = table.decl
            if decl.platforms is False:
                continue
            parts = {p: self.by_name.get((p, table.metric, decl.path, table.inst))
                     for p in platforms}
            for i, row in enumerate(table.rows):
                key = table.key(row)
                for name in decl.counts:
                    whole = table.cell(i, name)
                    if whole is None or not decl.additive(name):
                        continue
                    terms: list[tuple[Cell | None, int]] = [(whole, 1)]
                    listed = 0
                    missing = False
                    for part in parts.values():
                        j = None if part is None else part.index.get(key)
                        cell = None if j is None else part.cell(j, name)
                        if cell is None:
                            missing = True
                            continue
                        terms.append((cell, -1))
                        listed += cell.value or 0
                    if missing and not decl.complete:
                        rest = self._rest(whole, terms, listed)
                        if rest is False:
                            continue
                        if rest is not None:
                            terms.append((rest, -1))
                    self._relation(terms)

    def _rest(self, whole: Cell, terms: list, listed: int) -> Cell | None | bool:
        """The unlisted platforms' share of a top-n row (None when it is zero; False when it
        cannot be known here)."""
        if whole.value is None or any(c.value is None for c, _ in terms):
            return False
        value = whole.value - listed
        if value < 0:
            return False
        if value == 0:
            return None
        rest = Cell(None, -1, whole.field, value, self._next())
        rest.state = REST
        rest.size = value
        rest.small = self.policy.small(value)
        rest.big = value >= self.k
        return rest

    # -- settling -------------------------------------------------------------------------------
    def settle(self) -> None:
        """Withhold complements until no relation lets a reader solve for a small cell: each
        relation on its own (:meth:`_fix`), then all of them together (:meth:`audit`), until
        neither finds anything."""
        if not self.policy.suppressing:
            return
        self._settle(self.relations)
        for _ in range(MAX_REPAIRS):
            solved = self._solved()
            solved_ids = {id(c) for c in solved}
            self.unrepaired = [c for c in solved if c.small]
            # a small count is solved through its neighbours: repair those solved with it
            # (complements that failed) first, then the count itself
            mates = {id(c): c for cell in self.unrepaired for relation in cell.relations
                     if isinstance(relation, Relation) for c, _ in relation.terms
                     if id(c) in solved_ids and c.state == WITHHELD}
            withheld = [c for cell in [*mates.values(), *self.unrepaired]
                        for c in self._repair(cell)]
            if not withheld:
                return
            self._settle({id(r): r for c in withheld for r in c.relations}.values())
        self.unrepaired = self.audit()

    def _settle(self, relations: Iterable[Relation | Series]) -> None:
        queue: deque[Relation | Series] = deque(
            r for r in relations if isinstance(r, Series) or r.local)
        queued = {id(r) for r in queue}
        while queue:
            relation = queue.popleft()
            queued.discard(id(relation))
            withheld = self._fix(relation)
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

    def _fix(self, relation: Relation | Series) -> list[Cell]:
        if isinstance(relation, Series):
            return self._fix_series(relation)
        unknown = [(c, s) for c, s in relation.terms if not c.known]
        shown = [(c, s) for c, s in relation.terms if c.known and c.value]
        if not self._open(unknown, shown):
            return []
        candidates = [(c, ()) for c, _ in relation.terms if c.known and c.big]
        # no count of k people left to withhold: withhold every other non-zero one (else the
        # zeros), and subtraction gives back only the relation's total
        return (self._withhold(relation, unknown, candidates)
                or self._mark(c for c, _ in shown)
                or self._mark(c for c, _ in relation.terms if c.known))

    def _fix_series(self, series: Series) -> list[Cell]:
        """Close every run that needs it, in one pass along the series (runs are found again
        after each change, from where it was made)."""
        cells = series.cells
        if series.open_end and cells and cells[-1].known:
            return self._mark(cells[-1:])  # its running total would show the total
        withheld: list[Cell] = []
        start = 0
        while True:
            pending = next(((i, j) for i, j in self._runs(series, start)
                            if not self._safe_run(series, i, j)), None)
            if pending is None:
                return withheld
            i, j = pending
            changed = self._close_run(series, i, j, [(c, 1) for c in cells[i:j + 1]])
            if not changed:
                start = j + 1
                continue
            withheld += changed
            start = max(0, i - 1)
            while start > 0 and not cells[start].known:
                start -= 1

    def _safe_run(self, series: Series, i: int, j: int) -> bool:
        """A run whose sum no reader knows (it ends a series whose total is withheld), or
        that needs no complement."""
        if j == len(series.cells) - 1 and series.open_end:
            return True
        return (self._whole(series, i, j)
                or not self._open([(c, 1) for c in series.cells[i:j + 1]], None))

    @staticmethod
    def _runs(series: Series, start: int = 0) -> list[tuple[int, int]]:
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

    def _whole(self, series: Series, i: int, j: int) -> bool:
        """A run that needs no complement: it ends the series, every count before it is a
        zero, and its sum — the series' total — is small, so the total is suppressed wherever
        it is published and nothing gives the run's sum away. (Zeros after a run would show
        the total in their running totals.)"""
        cells = series.cells
        if j != len(cells) - 1 or not all(c.known and c.value == 0 for c in cells[:i]):
            return False
        values = [c.value for c in cells[i:]]
        return None in values or self.policy.small(sum(values))

    def _close_run(self, series: Series, i: int, j: int,
                   run: list[tuple[Cell, int]]) -> list[Cell]:
        """Join the run to a neighbour run across zeros if that closes it (it costs no
        count); else withhold the nearest large cell shown (and the zeros on the way); else
        join anyway (fewer, longer runs). Only if none of that is possible within the run's
        bounds, the same across another series' running total (whose cell is then withheld
        too)."""
        for cross in (False, True):
            found = [self._scan(series, i, j, step, cross) for step in (-1, 1)]
            joins = [(between, beyond) for kind, between, beyond in filter(None, found)
                     if kind == "join"]
            for between, beyond in joins:
                if not self._open(run + [(c, 1) for c in (*between, *beyond)], None):
                    return self._mark(between)
            candidates = [(beyond[0], tuple(between)) for kind, between, beyond
                          in filter(None, found) if kind == "big"]
            chosen = self._withhold(series, run, candidates)
            if chosen:
                return chosen
            if joins:
                return self._mark(joins[0][0])
        # no count of k people anywhere to withhold: the whole series is one run, whose sum is
        # the series' total
        return self._mark(c for c in series.cells if c.known)

    @staticmethod
    def _scan(series: Series, i: int, j: int, step: int, cross: bool
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

    @staticmethod
    def _mark(cells: Iterable[Cell]) -> list[Cell]:
        out = list(cells)
        for c in out:
            c.state = WITHHELD
        return out

    def _open(self, unknown: list[tuple[Cell, int]],
              shown: list[tuple[Cell, int]] | None) -> bool:
        """Whether a reader could solve these unknowns (all a relation leaves unknown) for
        something describing fewer than ``k`` people, or for a withheld count (which would
        let another relation solve a small one): a single unknown (but a large unlisted
        rest); unknowns added together (same signs) whose sum leaves each at its least
        (``"<k"`` is at least one, a withheld count at least ``k``), whose sum is of small
        ones only, or whose sum leaves too little room (:meth:`_slack`). ``shown``: the
        relation's non-zero published terms (None: a partial sum of a series is known). A
        sum of small ones is no news when there are none (it is a total published, and
        protected, as a count of its own) or when the only one is a large total."""
        if not unknown:
            return False
        if len(unknown) == 1:
            cell = unknown[0][0]
            return not (cell.state == REST and not cell.small)
        slack = self._slack(unknown)
        if len({s for _, s in unknown}) > 1:
            return False  # a difference of unknowns: none of them follows
        if slack is not None and slack[0] <= 0:
            return True  # each one at its least: all known
        if not any(c.big for c, _ in unknown):
            if not any(c.small for c, _ in unknown):
                return False
            if shown is not None and not shown:
                return False
            sign = unknown[0][1]
            return not (shown is not None and len(shown) == 1 and shown[0][0].big
                        and shown[0][1] != sign)
        return slack is not None and slack[0] < slack[1]

    def _slack(self, unknown: list[tuple[Cell, int]]) -> tuple[int, int] | None:
        """``(room, needed)``: how far the unknowns' sum exceeds the least a reader knows it
        to be, and how far it must (``k - 2`` with a small cell among them: then the sum
        leaves each small cell at least the ``k - 1`` values ``"<k"`` allows; else 1: no
        withheld count pinned to its least). None when the signs are mixed."""
        signs = {s for _, s in unknown}
        if len(signs) != 1 or any(c.value is None for c, _ in unknown):
            return None
        total = sum(c.value for c, _ in unknown)
        least = sum(c.floor(self.k) for c, _ in unknown)
        needed = self.k - 2 if any(c.small for c, _ in unknown) else 1
        return total - least, needed

    # -- the exact audit ------------------------------------------------------------------------
    def audit(self) -> list[Cell]:
        """The small counts a reader could solve for by combining everything published:
        those whose unit vector lies in the row space of all the relations' equations in the
        unknown counts (:func:`solvable`; each set of linked unknowns at most
        :data:`MAX_AUDIT` large)."""
        return [c for c in self._solved() if c.small]

    def _solved(self) -> list[Cell]:
        """Every count not shown that a reader could solve for (see :meth:`audit`)."""
        equations = self._equations()
        index: dict[int, int] = {}
        cells: list[Cell] = []
        rows = []
        for terms in equations:
            row: dict[int, int] = {}
            for cell, sign in terms:
                if id(cell) not in index:
                    index[id(cell)] = len(cells)
                    cells.append(cell)
                column = index[id(cell)]
                row[column] = row.get(column, 0) + sign
            rows.append({c: v for c, v in row.items() if v})
        solved = solvable(rows, len(cells), MAX_AUDIT)
        return sorted((cells[i] for i in solved), key=lambda c: c.order)

    def _equations(self) -> list[list[tuple[Cell, int]]]:
        """What a reader knows, in the unknown counts: each relation's unknown terms, and
        each run of a series whose sum the running totals give."""
        out = []
        for relation in self.relations:
            if isinstance(relation, Series):
                for i, j in self._runs(relation):
                    ends = j == len(relation.cells) - 1
                    if not ((ends and relation.open_end) or self._whole(relation, i, j)):
                        out.append([(c, 1) for c in relation.cells[i:j + 1]])
            else:
                terms = [(c, s) for c, s in relation.terms if not c.known]
                if terms:
                    out.append(terms)
        return out

    def _repair(self, cell: Cell) -> list[Cell]:
        """Withhold one more count next to a small one the audit solved for: the cheapest
        large count shown in a relation it is in (a new unknown in one of its own
        equations), else the nearest one shown beside its run."""
        direct = [(c, ()) for relation in cell.relations if isinstance(relation, Relation)
                  for c, _ in relation.terms if c.known and c.big]
        beside: list[tuple[Cell, tuple[Cell, ...]]] = []
        series = cell.series
        if series is not None:
            index = series.cells.index(cell)
            for i, j in self._runs(series):
                if i <= index <= j:
                    for step in (-1, 1):
                        found = self._scan(series, i, j, step, True)
                        if found and found[0] == "big":
                            beside.append((found[2][0], tuple(found[1])))
        # every one of them: a certificate runs through several, and each round of the audit
        # costs a solve of the whole system
        return self._mark([c for cell, between in direct + beside for c in (cell, *between)
                           if c.known])

    def open_relations(self) -> list[Relation | Series]:
        """The relations a reader could still solve for a small cell: none after
        :meth:`settle`, but those no complement could close (every cell in them small,
        withheld or zero). What they give away is a sum of cells describing fewer than ``k``
        people each — tests and docs/privacy.md#small-cells say when that happens."""
        found: list[Relation | Series] = []
        for relation in self.relations:
            if isinstance(relation, Series):
                if self._runs_open(relation):
                    found.append(relation)
            elif relation.local:
                unknown = [(c, s) for c, s in relation.terms if not c.known]
                shown = [(c, s) for c, s in relation.terms if c.known and c.value]
                if self._open(unknown, shown):
                    found.append(relation)
        return found

    def _runs_open(self, series: Series) -> bool:
        if series.open_end and series.cells and series.cells[-1].known:
            return True
        return any(not self._safe_run(series, i, j) for i, j in self._runs(series))

    def _withhold(self, relation: Relation | Series, unknown: list[tuple[Cell, int]],
                  candidates: list[tuple[Cell, tuple[Cell, ...]]]) -> list[Cell]:
        if not candidates:
            return []
        slack = self._slack(unknown)
        if slack is not None and all(c.value is not None for c, _ in candidates):
            room, needed = slack
            enough = [c for c in candidates if room + c[0].value - self.k >= needed]
            if enough:
                chosen = min(enough, key=lambda c: (self._cost(c[0]), c[0].value, c[0].order))
            else:
                chosen = max(candidates, key=lambda c: (c[0].value, -c[0].order))
        else:
            chosen = min(candidates, key=lambda c: (self._cost(c[0]), c[0].value or 0,
                                                    c[0].order))
        cell, between = chosen
        return self._mark([cell, *between])

    def _cost(self, cell: Cell) -> int:
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

    # -- writing --------------------------------------------------------------------------------
    def write(self) -> None:
        """Put each cell's state into its row: ``"<k"``, null, left out; and what follows from
        it: running totals, derived values and pinpointing times nulled, hidden fields gone."""
        small = self.policy.shown_small
        for table in self.tables:
            decl = table.decl
            for (i, name), cell in table.cells.items():
                if cell.state == SMALL:
                    put(table.rows[i], name, small)
                elif cell.state == WITHHELD:
                    put(table.rows[i], name, None)
            for i, row in enumerate(table.rows):
                for column, name in decl.cumulative.items():
                    cell = table.cell(i, name)
                    if cell is not None and not cell.known and has(row, column):
                        put(row, column, None)
                for column, sources in decl.derived.items():
                    cells = [table.cell(i, s) for s in sources]
                    if has(row, column) and any(c is not None and not c.known for c in cells):
                        put(row, column, None)
                for column, name in decl.times.items():
                    cell = table.cell(i, name)
                    if cell is not None and cell.small and has(row, column):
                        put(row, column, None)
            if table.dropped and table.container is not None:
                gone = {id(table.rows[i]) for i in table.dropped}
                table.container[:] = [r for r in table.container if id(r) not in gone]
        for table in self.tables:  # after every table read its people
            for name in table.decl.hidden:
                for row in table.rows:
                    remove(row, name)


def solvable(rows: list[dict[int, int]], columns: int, limit: int | None = None) -> set[int]:
    """The unknowns a system of linear equations determines: column ``i`` such that the unit
    vector ``e_i`` is a combination of the rows (whatever the right-hand sides). Exact
    (fractions) and sparse: an incremental Gauss–Jordan elimination keeps every basis row free
    of the other rows' pivots, choosing as pivot the column that disturbs the fewest rows; at
    the end an unknown is determined if and only if its pivot row is its unit vector.
    ``limit``: a set of linked unknowns larger than that is not solved (left out)."""
    from fractions import Fraction

    linked = _components(rows, columns)
    basis: dict[int, dict[int, Fraction]] = {}  # pivot column → its row
    holding: dict[int, set[int]] = defaultdict(set)  # column → pivots whose row holds it
    for raw in sorted(rows, key=len):  # the short ones first: they fill in least
        if not raw or (limit is not None and linked[next(iter(raw))] > limit):
            continue
        row = {c: Fraction(v) for c, v in raw.items()}
        for column in [c for c in row if c in basis]:
            factor = row.get(column)
            if factor:
                _subtract(row, basis[column], factor)
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        pivot = min(row, key=lambda c: (len(holding[c]), c))
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        for other in list(holding[pivot]):
            target = basis[other]
            factor = target[pivot]
            for c, v in row.items():
                value = target.get(c, 0) - factor * v
                if value:
                    if c not in target:
                        holding[c].add(other)
                    target[c] = value
                else:
                    target.pop(c, None)
                    holding[c].discard(other)
        basis[pivot] = row
        for c in row:
            holding[c].add(pivot)
    return {pivot for pivot, row in basis.items() if len(row) == 1}


def _subtract(row: dict, other: dict, factor) -> None:
    for c, v in other.items():
        row[c] = row.get(c, 0) - factor * v


def _components(rows: list[dict[int, int]], columns: int) -> list[int]:
    """For each column, the size of the set of unknowns linked to it through the rows."""
    parent = list(range(columns))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        first = next(iter(row), None)
        for c in row:
            parent[root(c)] = root(first)
    size: dict[int, int] = defaultdict(int)
    for i in range(columns):
        size[root(i)] += 1
    return [size[root(i)] for i in range(columns)]


# -- private rows ---------------------------------------------------------------------------------
def coarsen(rows: list[dict], persons: Persons, origin: str | None) -> None:
    """A private account's row as the policy allows it: no follower count, times to the hour,
    hours since the origin as whole hours from the origin's hour (rounding the exact hours
    instead would narrow the hour back down to minutes)."""
    if origin is None:  # no magnitude result to read it from: what the first row implies,
        origin = next((_origin(r.get(t), r.get(h)) for r in rows  # once for all rows
                       for h, t in persons.hours.items() if _origin(r.get(t), r.get(h))),
                      None)
    for row in rows:
        if row.get(persons.public):
            continue
        exact = {name: row.get(name) for name in persons.times}
        for name in persons.hide:
            if name in row:
                row[name] = None
        for name in persons.times:
            if isinstance(row.get(name), str):
                row[name] = _hour(row[name])
        for name, time_field in persons.hours.items():
            if name not in row or row[name] is None:
                continue
            at = exact.get(time_field)
            row[name] = _whole_hours(at, origin) if at and origin else None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z"))


def _hour(value: str) -> str:
    try:
        at = _parse(value)
    except ValueError:
        return value
    return at.replace(minute=0, second=0, microsecond=0).isoformat(timespec="seconds") + "Z"


def _whole_hours(at: str, origin: str) -> int | None:
    try:
        a = _parse(_hour(at))
        o = _parse(_hour(origin))
    except ValueError:
        return None
    return int((a - o).total_seconds() // 3600)


def _origin(at: Any, hours: Any) -> str | None:
    """The origin a row's exact time and hours since the origin imply."""
    if not isinstance(at, str) or not isinstance(hours, int | float):
        return None
    try:
        start = _parse(at) - timedelta(hours=float(hours))
    except ValueError:
        return None
    return start.isoformat(timespec="seconds") + "Z"


# -- entry points ---------------------------------------------------------------------------------
def publish(results: Mapping[str, Any], policy: Policy,
            metrics: Mapping[str, Metric] | Iterable[Metric] | None = None) -> dict[str, Any]:
    """``results`` (what :func:`groundswell.api.report` returns, per-platform results under
    ``"platforms"`` included) as any output may show them under ``policy``: counts describing
    fewer than ``k`` people as ``"<k"``, complements withheld (null) so that no subtraction gives
    a small one back, running totals, shares and pinpointing times nulled where they would,
    rows of rare tags left out, private accounts' rows coarsened (unless ``policy.reveal``).
    A deep copy: ``results`` is left as it is. ``metrics``: where the declarations come from
    (the registry by default); a metric that declares nothing is published as it is."""
    registered = _metrics(metrics)
    out = copy.deepcopy(dict(results))
    scopes = _scopes(out)
    declared = {name: m.cells for name, m in registered.items() if m.cells}
    suppression = Suppression(scopes, declared, policy)
    suppression.settle()
    suppression.write()
    for results_here in scopes.values():
        origin = get(results_here.get("magnitude") or {}, "origin_at")
        for name, metric in registered.items():
            if name not in results_here:
                continue
            if not policy.reveal:
                for persons in metric.persons:
                    for _, rows, _ in tables(results_here[name], persons.path):
                        coarsen(rows, persons, origin if isinstance(origin, str) else None)
            if metric.reword is not None:
                results_here[name] = metric.reword(results_here[name])
    return out


def published_panels(values: Mapping[str, Any], policy: Policy,
                     panels: Mapping[str, Panel] | Iterable[Panel] | None = None
                     ) -> dict[str, Any]:
    """The live dashboard's panels (``{panel name: its JSON}``) under ``policy``, suppressed
    together as :func:`publish` suppresses a report (the counter, the curve and the platforms
    add up to each other). A deep copy."""
    if panels is None:
        from groundswell.metrics import registry

        panels = [p for m in registry().values() for p in m.panels]
    found = dict(panels) if isinstance(panels, Mapping) else {p.name: p for p in panels}
    out = copy.deepcopy(dict(values))
    declared = {name: p.cells for name, p in found.items() if p.cells and name in out}
    suppression = Suppression({"": out}, declared, policy)
    suppression.settle()
    suppression.write()
    return out


def suppress_rows(rows: list[dict], cells: Cells, policy: Policy) -> list[dict]:
    """A table only an output computes (a chart's series on the HTML page), suppressed by its
    own declaration (totals it adds up to are taken as published). A new list."""
    out = {"rows": copy.deepcopy(list(rows))}
    suppression = Suppression({"": out}, {"rows": (cells,)}, policy)
    suppression.settle()
    suppression.write()
    return out["rows"]


def _metrics(metrics: Mapping[str, Metric] | Iterable[Metric] | None) -> dict[str, Metric]:
    if metrics is None:
        from groundswell.metrics import registry

        return dict(registry())
    if isinstance(metrics, Mapping):
        return dict(metrics)
    return {m.name: m for m in metrics}


def _scopes(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The combined results (``""``) and each platform's."""
    scopes: dict[str, dict[str, Any]] = {"": results}
    for platform, part in (results.get(PLATFORMS) or {}).items():
        if isinstance(part, dict) and platform != "":
            scopes[platform] = part
    return scopes


def is_suppressed(value: Any) -> bool:
    """Whether a published count was suppressed or withheld (``"<k"`` or null)."""
    return value is None or isinstance(value, str)


__all__ = ["Suppression", "coarsen", "is_suppressed", "publish", "published_panels",
           "suppress_rows"]
