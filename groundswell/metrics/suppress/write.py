"""Writing the decisions back: each cell's state into its row (``"<k"``, null, the row left
out), and what follows from it — running totals, derived values and pinpointing times nulled,
hidden fields removed — so that no other field of the row gives a withheld count back."""

from __future__ import annotations

from collections.abc import Sequence

from groundswell.metrics.cells import has, put, remove
from groundswell.metrics.suppress.model import SMALL, WITHHELD, Table
from groundswell.policy import Policy


def write(tables: Sequence[Table], policy: Policy) -> None:
    """Put each cell's state into its row: ``"<k"``, null, left out; and what follows from
    it: running totals, derived values and pinpointing times nulled, hidden fields gone."""
    small = policy.shown_small
    for table in tables:
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
    for table in tables:  # after every table read its people
        for name in table.decl.hidden:
            for row in table.rows:
                remove(row, name)
