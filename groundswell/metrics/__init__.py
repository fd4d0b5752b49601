"""Metrics: one module per question, each declaring what it computes and how it is shown, so
one registry drives every output (the way 4CAT's processors declare themselves).

A metric module exposes ``METRIC``, a :class:`Metric`: its name, title and description, the
tables it reads (``needs``), its options, its computation — Ibis expressions over the
canonical tables, so the same code runs on DuckDB and on Spark — and its presentation: which
result keys the terminal leaves out, whether its numbers head ``report --json``, the sections
it adds to the HTML page and the panels it adds to the live dashboard
(:mod:`groundswell.metrics.page`). A metric that declares no section or panel still appears in
the terminal, ``--json``, ``frames`` and (as a generic section of its tables) the HTML page.

Outside packages add metrics through the ``groundswell.metrics`` entry-point group, which
names a module-level :class:`Metric`.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from groundswell.scope import Context, Scope, Tables

if TYPE_CHECKING:
    from groundswell.metrics.cells import Cells, Persons
    from groundswell.metrics.page import Page, Panel, Section


@dataclass(frozen=True)
class Option:
    """A setting of a metric: ``report --option NAME.OPTION=VALUE``; its type is its
    default's."""

    name: str
    default: int | float | str | bool
    help: str

    def parse(self, value: Any) -> Any:
        """``value`` (given in Python, or as text on the command line) as the option's type."""
        kind = type(self.default)
        if not isinstance(value, str) or kind is str:
            return value
        if kind is bool:
            if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError(f"option {self.name}: expected true or false, got {value!r}")
            return value.lower() in ("true", "yes", "1")
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"option {self.name}: expected a {kind.__name__}, got {value!r}"
                             ) from None


@dataclass(frozen=True)
class Metric:
    """A registered metric.

    ``compute(ctx, **options)`` gets a :class:`~groundswell.scope.Context` (tables, scope,
    the matching posts computed once, and ``ctx.results``: the other metrics' results, computed
    on demand) and returns JSON-ready data (a dict or a list of dicts). ``needs`` names the
    tables it reads: a backend missing one is refused up front, and the dashboard copies
    exactly those. ``order`` places it in every output (lower first); ``default`` says whether
    a report without ``--metric`` computes it.
    """

    name: str
    title: str
    description: str
    needs: tuple[str, ...]
    compute: Callable[..., Any]
    order: int = 100
    options: tuple[Option, ...] = ()
    default: bool = True
    #: Result keys too long for a terminal (still in ``--json``, ``frames`` and HTML).
    console_hidden: tuple[str, ...] = ()
    #: Its result's keys stand at the top level of ``report --json`` instead of under its name
    #: (the headline numbers: ``jq .participants``).
    json_top_level: bool = False
    #: The HTML page's sections, in order: each builds one from the page, or returns None.
    sections: tuple[Callable[[Page], Section | None], ...] = ()
    #: The live dashboard's panels.
    panels: tuple[Panel, ...] = ()
    #: Its result's counts: the people behind each and how they add up, so that every output
    #: suppresses small cells (:mod:`groundswell.metrics.cells`,
    #: :mod:`groundswell.metrics.suppress`). Nothing declared: published as computed.
    cells: tuple[Cells, ...] = ()
    #: Its lists of one row per account, coarsened for private accounts.
    persons: tuple[Persons, ...] = ()
    #: Re-derives the result's text from its published numbers (a headline quoting counts).
    reword: Callable[[Any], Any] | None = None

    def settings(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every option's value: ``given`` (checked and parsed), else its default."""
        given = dict(given or {})
        known = {o.name: o for o in self.options}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise KeyError(f"metric {self.name} has no option {', '.join(unknown)}; its "
                           f"options: {', '.join(known) or 'none'}")
        return {name: o.parse(given[name]) if name in given else o.default
                for name, o in known.items()}


@cache
def registry() -> dict[str, Metric]:
    """Every metric, built in (the modules of this package) and from plugins, in order."""
    found: list[Metric] = []
    for info in pkgutil.iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "METRIC", None), Metric):
            found.append(module.METRIC)
    found.extend(ep.load() for ep in entry_points(group="groundswell.metrics"))
    return {m.name: m for m in sorted(found, key=lambda m: (m.order, m.name))}


def chosen(names: list[str] | None = None) -> list[Metric]:
    """The metrics named (all the default ones without names), checked."""
    metrics = registry()
    if not names:
        return [m for m in metrics.values() if m.default]
    unknown = [n for n in names if n not in metrics]
    if unknown:
        raise KeyError(f"unknown metric(s): {', '.join(unknown)}; known: {', '.join(metrics)}")
    return [metrics[n] for n in dict.fromkeys(names)]


class Results(Mapping[str, Any]):
    """The results of one run, each computed once, when first asked for (by the run, or by
    another metric through ``ctx.results``)."""

    def __init__(self, ctx: Context, options: Mapping[str, Mapping[str, Any]] | None = None,
                 done: Mapping[str, Any] | None = None) -> None:
        self._ctx = ctx
        self._options = dict(options or {})
        self._done: dict[str, Any] = dict(done or {})
        self._running: list[str] = []

    def __getitem__(self, name: str) -> Any:
        if name not in self._done:
            metric = chosen([name])[0]
            if name in self._running:
                raise RuntimeError(f"metrics depend on each other in a circle: "
                                   f"{' → '.join([*self._running, name])}")
            self._running.append(name)
            try:
                self._done[name] = metric.compute(
                    self._ctx, **metric.settings(self._options.get(name)))
            finally:
                self._running.pop()
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._done)

    def __len__(self) -> int:
        return len(self._done)


#: The key of a cross-platform report's per-platform results (beside the metrics' names).
PLATFORMS = "platforms"


def run(tables: Tables, scope: Scope, names: list[str] | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        by_platform: bool | None = None) -> dict[str, Any]:
    """Compute the named metrics (the default ones without names) and return
    ``{name: result}``; ``options`` as ``{metric: {option: value}}``.

    When the matching posts come from several platforms (or ``by_platform`` is True), the
    same metrics are computed on each platform's posts too, under ``"platforms"``:
    ``{"platforms": {platform: {name: result}}}``. Accounts are never merged across
    platforms, so each platform's people are its own."""
    metrics = chosen(names)
    check(metrics, tables, options)
    ctx = Context(tables, scope)
    ctx.results = results = Results(ctx, options)
    try:
        out = {m.name: results[m.name] for m in metrics}
        platforms = sorted(r["platform"] for r in ctx.matched.select("platform").distinct()
                           .to_pyarrow().to_pylist()) if by_platform is not False else []
    finally:
        ctx.release()
    if by_platform or len(platforms) > 1:
        out[PLATFORMS] = {p: run(tables, scope.on(p), names, options, by_platform=False)
                          for p in platforms}
    return out


def check(metrics: list[Metric], tables: Tables,
          options: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Refuse, in one line, options for metrics not run or unknown, and metrics whose tables
    the backend lacks."""
    names = {m.name for m in metrics}
    stray = sorted(set(options or {}) - names - set(registry()))
    if stray:
        raise KeyError(f"options for unknown metric(s): {', '.join(stray)}")
    for m in metrics:
        m.settings((options or {}).get(m.name))
    available = tables.available()
    missing = [f"{m.name} needs {t}" for m in metrics for t in m.needs if t not in available]
    if missing:
        raise ValueError(f"tables missing here: {'; '.join(missing)} (export the store again "
                         "with every table)")


def frames(results: dict[str, Any]) -> dict[str, Any]:
    """Results as pandas DataFrames, for notebooks: every table-shaped part of every metric.

    Keys are ``metric`` (a list of rows, or one row of the metric's scalars) and
    ``metric.part`` for nested tables, e.g. ``frames(r)["magnitude.hourly"]``.
    """
    import pandas as pd

    out: dict[str, pd.DataFrame] = {}

    def visit(prefix: str, value: Any) -> None:
        if isinstance(value, list):
            out[prefix] = pd.DataFrame(value)
        elif isinstance(value, dict):
            scalars = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
            if scalars:
                out[prefix] = pd.DataFrame([scalars])
            for key, sub in value.items():
                if isinstance(sub, dict | list):
                    visit(f"{prefix}.{key}", sub)

    for name, result in results.items():
        visit(name, result)
    return out


__all__ = ["Metric", "Option", "Results", "Scope", "Tables", "check", "chosen", "frames",
           "registry", "run"]
