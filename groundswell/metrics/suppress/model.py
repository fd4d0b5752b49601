"""The data model of suppression: a published count (:class:`Cell`), a way published counts
add up (:class:`Relation`, :class:`Series`), the table they stand in (:class:`Table`), and all
of them for one set of results (:class:`Graph`). Kept apart from the rules so that the walk,
the local rules and the exact audit read one vocabulary and import nothing of each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from groundswell.metrics.cells import Cells, get
from groundswell.policy import Policy

#: A cell's states: shown as it is; suppressed as small (``"<k"``); withheld as a complement
#: (``null``); its row left out (``drop``); the unlisted rest of a top-n list (never shown).
SHOWN, SMALL, WITHHELD, DROPPED, REST = "shown", "small", "withheld", "dropped", "rest"


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


class Graph:
    """Every table, cell and relation of a set of results, and the policy they are suppressed
    under. The walk (:mod:`.walk`) builds it; the rules (:mod:`.rules`) change its cells'
    states until the exact audit (:mod:`.audit`) finds nothing; :mod:`.write` puts the states
    into the rows."""

    def __init__(self, scopes: Mapping[str, Mapping[str, Any]], policy: Policy):
        self.scopes, self.policy = scopes, policy
        self.tables: list[Table] = []
        self.by_name: dict[tuple[str, str, str, tuple], Table] = {}
        self.relations: list[Relation | Series] = []
        #: each table's series, by ``(id(table), count field)``
        self.series: dict[tuple[int, str], Series] = {}
        self._order = 0

    def next_order(self) -> int:
        """The next cell's place in the order ties are broken by (the order cells are made)."""
        self._order += 1
        return self._order
