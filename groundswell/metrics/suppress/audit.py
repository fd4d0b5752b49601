"""The exact audit: relations can combine where no single one gives anything away, so every
equation a reader knows — each relation's unknown terms, each run of a series whose sum the
running totals give — is solved together, exactly, and every count not shown that the system
determines is found (:func:`solved`). The local rules (:mod:`.rules`) then withhold more next
to each small one, until none is left."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from groundswell.metrics.suppress.model import Cell, Relation, Series
from groundswell.metrics.suppress.reader import runs, whole
from groundswell.policy import Policy

#: The largest set of linked unknown counts the exact audit solves; a larger one keeps the
#: local rules' guarantee only (docs/privacy.md#small-cells).
MAX_AUDIT = 20_000


def solved(relations: Iterable[Relation | Series], policy: Policy) -> list[Cell]:
    """Every count not shown that a reader could solve for by combining everything
    published: those whose unit vector lies in the row space of all the relations' equations
    in the unknown counts (:func:`solvable`; each set of linked unknowns at most
    :data:`MAX_AUDIT` large), in the order the cells were made."""
    index: dict[int, int] = {}
    cells: list[Cell] = []
    rows = []
    for terms in _equations(relations, policy):
        row: dict[int, int] = {}
        for cell, sign in terms:
            if id(cell) not in index:
                index[id(cell)] = len(cells)
                cells.append(cell)
            column = index[id(cell)]
            row[column] = row.get(column, 0) + sign
        rows.append({c: v for c, v in row.items() if v})
    found = solvable(rows, len(cells), MAX_AUDIT)
    return sorted((cells[i] for i in found), key=lambda c: c.order)


def _equations(relations: Iterable[Relation | Series],
               policy: Policy) -> list[list[tuple[Cell, int]]]:
    """What a reader knows, in the unknown counts: each relation's unknown terms, and
    each run of a series whose sum the running totals give."""
    out = []
    for relation in relations:
        if isinstance(relation, Series):
            for i, j in runs(relation):
                ends = j == len(relation.cells) - 1
                if not ((ends and relation.open_end) or whole(relation, i, j, policy)):
                    out.append([(c, 1) for c in relation.cells[i:j + 1]])
        else:
            terms = [(c, s) for c, s in relation.terms if not c.known]
            if terms:
                out.append(terms)
    return out


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
