"""What a metric declares about the counts in its result, so that small cells can be suppressed
(:mod:`groundswell.metrics.suppress`) without the suppression knowing any metric.

Why a declaration: a count is only safe to show if it describes enough *people*, and only
protected if it cannot be recovered by subtracting other published numbers from a published
total. Both depend on what a number means — which field counts the people behind it, which
rows add up to which total, which column is a running total of which — and only the metric
knows that. So each metric states it next to its computation (``Metric.cells``), as it states
its sections and panels; a metric that declares nothing is published as it is.

Paths address the tables inside a result: ``""`` is the result itself (a dict of scalars is one
row; a list is rows), ``"daily"`` a key, ``"a.b"`` a nested key, ``"*"`` every value of a dict
(``"*.bursts"``: each tag's bursts), ``"windows[window_start].tags"`` the ``tags`` rows of each
element of the ``windows`` list, the element named by its ``window_start``. Fields are keys of a
row, dotted for nested dicts (``"posts_by_kind.quote"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: What groups rows: the key fields they share, or a function of a row giving that key.
Grouping = tuple[str, ...] | Callable[[dict], Mapping[str, Any]]


@dataclass(frozen=True)
class Ref:
    """A count published elsewhere in the same results: ``metric``'s table at ``path``, the row
    whose key matches the referring row (or group) — each key field of the target read from
    the referrer's field of the same name, or the one ``match`` names — and its ``field``.

    ``scope``: a field of the referring row naming the platform whose results hold the target
    (magnitude's per-platform rows are the platforms' own totals); without per-platform results,
    the results at hand."""

    metric: str
    path: str
    field: str
    match: Mapping[str, str] = field(default_factory=dict, hash=False)
    scope: str | None = None


#: A count or people field: a field of the same row, or a count published elsewhere.
Spec = str | Ref


@dataclass(frozen=True, init=False)
class Sum:
    """``total`` = the sum of ``parts``, all in one row (or referred to). ``total`` None: a sum
    published by some output (assumed known), e.g. the authored posts the roles metric gives."""

    total: Spec | None
    parts: tuple[Spec, ...]

    def __init__(self, total: Spec | None, *parts: Spec) -> None:
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "parts", tuple(parts))


@dataclass(frozen=True)
class Cells:
    """The counts of one table of a metric's result, and how they relate.

    ``counts``: each count field and the field counting the distinct people behind it (a
    :class:`Ref` to one elsewhere; ``None``: the count counts people itself, or has no better
    bound than itself — people are never more than posts). A count whose people are
    ``0 < people < k`` is shown as ``"<k"``.

    ``key``: the fields that name a row (rows of the combined results and of each platform's
    with the same key are the same cell on several platforms). ``groups`` and ``adds_up``: the
    rows sharing ``groups`` (all rows for ``()``) add up, for each field of ``adds_up``, to the
    total it refers to (None: a total assumed published). ``series``: the rows are in time order
    and ``cumulative`` maps each running-total column to the count it accumulates. ``sums``:
    relations inside a row. ``same``: a field equal to a count published elsewhere.
    ``platforms``: the counts (all, or those named) of the combined results are the sums of the
    platforms' (accounts are never merged across platforms, so people add up too).
    ``complete``: every row with a non-zero count is listed (False for a top-n list: a missing
    row is unknown, not zero).

    What suppression changes beside the counts: ``times`` (field → the count whose smallness
    nulls it: the first post of a group of three pinpoints them), ``derived`` (shares, lifts,
    scores computed from counts: null when any of them is withheld), ``drop`` (the people field
    whose smallness leaves the row out: a rare tag's name describes its few users), ``hidden``
    (fields computed only to decide, never published)."""

    path: str
    counts: Mapping[str, Spec | None] = field(hash=False)
    key: tuple[str, ...] = ()
    groups: Grouping | None = None
    adds_up: Mapping[str, Ref | None] = field(default_factory=dict, hash=False)
    series: bool = False
    cumulative: Mapping[str, str] = field(default_factory=dict, hash=False)
    sums: tuple[Sum, ...] = ()
    same: Mapping[str, Ref] = field(default_factory=dict, hash=False)
    platforms: bool | tuple[str, ...] = True
    complete: bool = True
    times: Mapping[str, str] = field(default_factory=dict, hash=False)
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    drop: str | None = None
    hidden: tuple[str, ...] = ()

    def additive(self, count: str) -> bool:
        """Whether the combined results' ``count`` is the sum of the platforms'."""
        return self.platforms is True or (isinstance(self.platforms, tuple)
                                          and count in self.platforms)

    def group_of(self, row: dict) -> dict[str, Any]:
        """The key of the group a row adds up in (``groups``)."""
        if callable(self.groups):
            return dict(self.groups(row))
        return {f: get(row, f) for f in self.groups or ()}


@dataclass(frozen=True)
class Persons:
    """A list with one row per account (the first participants): a private account's row is
    coarsened — ``hide`` fields nulled, ``times`` truncated to the hour, ``hours`` (hours since
    the origin) made whole hours from the origin's hour to the post's — unless ``--reveal``.
    ``public``: the field saying the row is a public figure's (left as it is)."""

    path: str
    public: str = "public_figure"
    hide: tuple[str, ...] = ("followers",)
    times: tuple[str, ...] = ("first_post_at",)
    hours: Mapping[str, str] = field(default_factory=lambda: {
        "hours_since_origin": "first_post_at"}, hash=False)


# -- reading results by path ------------------------------------------------------------------
_SEGMENT = re.compile(r"^(?P<name>[^\[\]]*)(\[(?P<id>[^\]]+)\])?$")


def tables(result: Any, path: str) -> Iterator[tuple[tuple, list[dict], list | None]]:
    """Every table a path names in a result: ``(instance, rows, container)``. ``instance``
    names it among the path's tables (the dict keys and element ids passed through), the same
    in every platform's results; ``container`` is the list holding the rows (None for a dict
    of scalars, which is one row)."""
    segments = [s for s in path.split(".") if s] if path else []

    def walk(value: Any, rest: list[str], inst: tuple) -> Iterator:
        if not rest:
            if isinstance(value, list):
                yield inst, [r for r in value if isinstance(r, dict)], value
            elif isinstance(value, dict):
                yield inst, [value], None
            return
        m = _SEGMENT.match(rest[0])
        name, ident = (m["name"], m["id"]) if m else (rest[0], None)
        if name == "*":
            if isinstance(value, dict):
                for k, v in value.items():
                    yield from walk(v, rest[1:], (*inst, k))
            return
        child = value.get(name) if isinstance(value, dict) else None
        if child is None:
            return
        if ident is not None:
            for element in child if isinstance(child, list) else []:
                if isinstance(element, dict):
                    yield from walk(element, rest[1:], (*inst, element.get(ident)))
            return
        yield from walk(child, rest[1:], inst)

    yield from walk(result, segments, ())


def _lookup(row: Mapping, name: str) -> tuple[bool, Any]:
    """``(found, value)`` of a (dotted) field of a row."""
    value: Any = row
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def get(row: Mapping, name: str) -> Any:
    """A (dotted) field of a row; None when absent."""
    return _lookup(row, name)[1]


def has(row: Mapping, name: str) -> bool:
    """Whether a row has the (dotted) field, even as None."""
    return _lookup(row, name)[0]


def put(row: dict, name: str, value: Any) -> None:
    """Set a (dotted) field of a row that has it."""
    *parents, last = name.split(".")
    target = row
    for part in parents:
        target = target[part]
    target[last] = value


def remove(row: dict, name: str) -> None:
    *parents, last = name.split(".")
    target: Any = row
    for part in parents:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(last, None)


__all__ = ["Cells", "Grouping", "Persons", "Ref", "Spec", "Sum", "get", "has", "put", "remove",
           "tables"]
