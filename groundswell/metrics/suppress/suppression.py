"""The suppression of one set of results, start to end: the walk builds its cells and
relations (:mod:`.walk`), the local rules settle them (:mod:`.rules`), the exact audit
(:mod:`.audit`) checks them all together and has more withheld until it finds nothing, and
the states are written into the rows (:mod:`.write`). This class only keeps that order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from groundswell.metrics.cells import Cells
from groundswell.metrics.suppress.audit import solved
from groundswell.metrics.suppress.model import WITHHELD, Cell, Relation, Series
from groundswell.metrics.suppress.rules import open_relations, repair, settle_locally
from groundswell.metrics.suppress.walk import walk
from groundswell.metrics.suppress.write import write
from groundswell.policy import Policy

#: Rounds of the exact audit and its repairs.
MAX_REPAIRS = 50


class Suppression:
    """The cells and relations of a set of results, suppressed to a fixed point."""

    def __init__(self, scopes: Mapping[str, Mapping[str, Any]],
                 declared: Mapping[str, Sequence[Cells]], policy: Policy):
        self.policy, self.k = policy, policy.k
        self.scopes = scopes
        self.graph = walk(scopes, declared, policy)
        self.tables = self.graph.tables
        self.relations = self.graph.relations
        #: small counts the exact audit could solve for and nothing was left to withhold
        #: around (none in the tests; see docs/privacy.md#small-cells)
        self.unrepaired: list[Cell] = []

    def settle(self) -> None:
        """Withhold complements until no relation lets a reader solve for a small cell: each
        relation on its own (:func:`~.rules.settle_locally`), then all of them together
        (:meth:`audit`), until neither finds anything."""
        if not self.policy.suppressing:
            return
        settle_locally(self.relations, self.policy)
        for _ in range(MAX_REPAIRS):
            found = solved(self.relations, self.policy)
            found_ids = {id(c) for c in found}
            self.unrepaired = [c for c in found if c.small]
            # a small count is solved through its neighbours: repair those solved with it
            # (complements that failed) first, then the count itself
            mates = {id(c): c for cell in self.unrepaired for relation in cell.relations
                     if isinstance(relation, Relation) for c, _ in relation.terms
                     if id(c) in found_ids and c.state == WITHHELD}
            withheld = [c for cell in [*mates.values(), *self.unrepaired]
                        for c in repair(cell)]
            if not withheld:
                return
            settle_locally({id(r): r for c in withheld for r in c.relations}.values(),
                           self.policy)
        self.unrepaired = self.audit()

    def audit(self) -> list[Cell]:
        """The small counts a reader could solve for by combining everything published
        (:func:`~.audit.solved`)."""
        return [c for c in solved(self.relations, self.policy) if c.small]

    def open_relations(self) -> list[Relation | Series]:
        """The relations a reader could still solve for a small cell: none after
        :meth:`settle`, but those no complement could close
        (:func:`~.rules.open_relations`)."""
        return open_relations(self.relations, self.policy)

    def write(self) -> None:
        """Put each cell's state into its row, and what follows from it
        (:func:`~.write.write`)."""
        write(self.tables, self.policy)
