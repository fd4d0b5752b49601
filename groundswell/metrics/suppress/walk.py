"""The walk: from what the metrics declare (:mod:`groundswell.metrics.cells`) to cells and
relations. Every declared count becomes a :class:`~.model.Cell` (its people read, its state
set: small ones suppressed, rows of rare tags dropped); every way published numbers add up
becomes a :class:`~.model.Relation` or a :class:`~.model.Series` — rows of a breakdown and
their total, a row's parts and its total, the combined results and the platforms', a series'
running totals. It reads declarations only, never knowledge of a metric, and decides nothing
about complements: that is the rules' (:mod:`.rules`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from groundswell.metrics.cells import Cells, Ref, Spec, get, has, tables
from groundswell.metrics.suppress.model import (
    DROPPED,
    REST,
    SHOWN,
    SMALL,
    Cell,
    Graph,
    Relation,
    Series,
    Table,
)
from groundswell.policy import Policy


def walk(scopes: Mapping[str, Mapping[str, Any]], declared: Mapping[str, Sequence[Cells]],
         policy: Policy) -> Graph:
    """The cells and relations of ``scopes`` (the combined results ``""`` and each
    platform's, ``{metric: result}`` each) as ``declared`` (``{metric: its declarations}``)
    describes them, small cells suppressed under ``policy``."""
    graph = Graph(scopes, policy)
    for scope, results in scopes.items():
        for metric, decls in declared.items():
            if metric in results:
                for decl in decls:
                    for inst, rows, container in tables(results[metric], decl.path):
                        _add_table(graph, Table(scope, metric, decl, inst, rows, container))
    for table in graph.tables:
        _people(graph, table)
    for table in graph.tables:
        _drop(table)
    for table in graph.tables:
        _relate(graph, table)
    for table in graph.tables:
        _anchor(graph, table)
    _margins(graph)
    return graph


def _add_table(graph: Graph, table: Table) -> None:
    graph.tables.append(table)
    graph.by_name.setdefault((table.scope, table.metric, table.decl.path, table.inst), table)
    for i, row in enumerate(table.rows):
        for name in table.decl.counts:
            if has(row, name):
                table.cells[(i, name)] = Cell(table, i, name, get(row, name), graph.next_order())


def _people(graph: Graph, table: Table) -> None:
    for (i, name), cell in table.cells.items():
        spec = table.decl.counts[name]
        people = cell.value if spec is None else _value(graph, table, spec, table.rows[i])
        if isinstance(people, str):
            cell.state, cell.value = SMALL, None  # already published as "<k"
        cell.size = people if isinstance(people, int) else cell.value
        cell.classify(graph.policy)
        if cell.small and cell.state == SHOWN:
            cell.state = SMALL


def _drop(table: Table) -> None:
    if table.decl.drop is None:
        return
    for i in range(len(table.rows)):
        decider = table.cell(i, table.decl.drop)
        if decider is not None and decider.small:
            table.dropped.add(i)
    for (i, _), cell in table.cells.items():
        if i in table.dropped:
            cell.state = DROPPED


def _value(graph: Graph, table: Table, spec: Spec, row: Mapping) -> Any:
    if isinstance(spec, str):
        return get(row, spec)
    target = _target(graph, table, spec, row)
    return None if target is None else get(target[0].rows[target[1]], spec.field)


def _target(graph: Graph, table: Table, ref: Ref, context: Mapping) -> tuple[Table, int] | None:
    """The table and row a reference names, seen from a row (or group) of ``table``."""
    scope = table.scope
    if ref.scope is not None:
        named = context.get(ref.scope)
        if named in graph.scopes and named != "":
            scope = named
        elif len(table.rows) != 1:
            return None  # several platforms' rows, but not their results: nothing to match
    target = graph.by_name.get((scope, ref.metric, ref.path, ()))
    if target is None:
        return None
    key = tuple(context.get(ref.match.get(f, f)) for f in target.decl.key)
    i = target.index.get(key)
    return None if i is None else (target, i)


def _cell(graph: Graph, table: Table, spec: Spec, row: int, context: Mapping) -> Cell | None:
    if isinstance(spec, str):
        return table.cell(row, spec)
    target = _target(graph, table, spec, context)
    return None if target is None else target[0].cell(target[1], spec.field)


def _relation(graph: Graph, terms: Iterable[tuple[Cell | None, int]], local: bool = True) -> None:
    kept = [(c, s) for c, s in terms if c is not None]
    if len(kept) < 1:
        return
    relation = Relation(kept, local)
    graph.relations.append(relation)
    for cell, _ in kept:
        cell.relations.append(relation)


def _relate(graph: Graph, table: Table) -> None:
    decl = table.decl
    for i, row in enumerate(table.rows):
        for rule in decl.sums:
            total = (None if rule.total is None
                     else _cell(graph, table, rule.total, i, row))
            if rule.total is not None and total is None:
                continue
            parts = [_cell(graph, table, p, i, row) for p in rule.parts]
            if rule.total is None and any(p is None for p in parts):
                continue  # a part not published here: nothing to subtract from
            _relation(graph, [(total, 1), *((p, -1) for p in parts)])
        for name, ref in decl.same.items():
            mine, theirs = table.cell(i, name), _cell(graph, table, ref, i, row)
            if mine is not None and theirs is not None and theirs is not mine:
                _relation(graph, [(mine, 1), (theirs, -1)])
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
                parent = (None if total is None
                          else _cell(graph, table, total, -1, contexts[key]))
                whole = decl.series and decl.groups == () and parent is not None
                _relation(graph, [(parent, 1), *((table.cell(i, name), -1) for i in members)],
                          local=not whole)
    if decl.series:
        for name in dict.fromkeys(decl.cumulative.values()):
            cells = [table.cell(i, name) for i in range(len(table.rows))]
            present = [c for c in cells if c is not None]
            if len(present) != len(cells):
                continue
            series = Series(present)
            graph.relations.append(series)
            graph.series[(id(table), name)] = series
            total = decl.adds_up.get(name) if decl.groups == () else None
            if isinstance(total, Ref):
                series.total = _cell(graph, table, total, -1, {})
                if series.total is not None:
                    series.total.relations.append(series)
            for j, cell in enumerate(present):
                cell.relations.append(series)
                cell.series = series
                cell.neighbours = (present[j - 1] if j else None,
                                   present[j + 1] if j + 1 < len(present) else None)


def _anchor(graph: Graph, table: Table) -> None:
    """A series whose consecutive groups add up to the rows of a coarser series (hours to
    days): each one's running total at a group's end is the other's (see
    :class:`~.model.Series`)."""
    decl = table.decl
    if not decl.series or decl.groups is None:
        return
    for name, total in decl.adds_up.items():
        fine = graph.series.get((id(table), name))
        if fine is None or not isinstance(total, Ref):
            continue
        coarse: Series | None = None
        ends: dict[tuple, tuple[int, dict]] = {}
        for i, row in enumerate(table.rows):
            context = decl.group_of(row)
            ends[tuple(sorted(context.items()))] = (i, context)
        for last, context in ends.values():
            target = _target(graph, table, total, context)
            if target is None:
                return
            coarse = graph.series.get((id(target[0]), total.field))
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


def _margins(graph: Graph) -> None:
    """The combined results' counts are the sums of the platforms' (accounts are never
    merged across platforms): each is a relation, and a top-n list's unlisted rest is an
    unknown of its own."""
    platforms = [s for s in graph.scopes if s != ""]
    if not platforms:
        return
    for table in [t for t in graph.tables if t.scope == ""]:
        decl = table.decl
        if decl.platforms is False:
            continue
        parts = {p: graph.by_name.get((p, table.metric, decl.path, table.inst))
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
                    rest = _rest(graph, whole, terms, listed)
                    if rest is False:
                        continue
                    if rest is not None:
                        terms.append((rest, -1))
                _relation(graph, terms)


def _rest(graph: Graph, whole: Cell, terms: list, listed: int) -> Cell | None | bool:
    """The unlisted platforms' share of a top-n row (None when it is zero; False when it
    cannot be known here)."""
    if whole.value is None or any(c.value is None for c, _ in terms):
        return False
    value = whole.value - listed
    if value < 0:
        return False
    if value == 0:
        return None
    rest = Cell(None, -1, whole.field, value, graph.next_order())
    rest.state = REST
    rest.size = value
    rest.small = graph.policy.small(value)
    rest.big = value >= graph.policy.k
    return rest

