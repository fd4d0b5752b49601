"""Metrics: one module per question, each declaring what it is so one registry drives the CLI,
``--json`` and the report sections (the way 4CAT's processors declare themselves).

A metric is an Ibis expression over the canonical tables, so the same code runs on DuckDB and
on Spark. Each module exposes ``METRIC``; outside packages add metrics through the
``groundswell.metrics`` entry-point group.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from groundswell.metrics.scope import Scope, Tables


@dataclass(frozen=True)
class Metric:
    """A registered metric.

    ``compute(ctx)`` gets a :class:`~groundswell.metrics.context.Context` (tables, scope and
    the matching posts computed once) and returns JSON-ready data (a dict or list of dicts).
    ``needs`` names the tables it reads, so a backend missing one can say so up front.
    ``order`` places its section in reports (lower first).
    """

    name: str
    title: str
    description: str
    needs: tuple[str, ...]
    compute: Callable[[Any], Any]
    order: int = 100
    options: dict[str, str] = field(default_factory=dict)
    #: Result keys too long for a terminal (still in ``--json`` and the HTML report).
    console_hidden: tuple[str, ...] = ()


@cache
def registry() -> dict[str, Metric]:
    found: list[Metric] = []
    for info in pkgutil.iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "METRIC", None), Metric):
            found.append(module.METRIC)
    found.extend(ep.load() for ep in entry_points(group="groundswell.metrics"))
    return {m.name: m for m in sorted(found, key=lambda m: (m.order, m.name))}


def run(tables: Tables, scope: Scope, names: list[str] | None = None) -> dict[str, Any]:
    """Compute the named metrics (all by default) and return ``{name: result}``."""
    metrics = registry()
    chosen = names or list(metrics)
    unknown = [n for n in chosen if n not in metrics]
    if unknown:
        raise KeyError(f"unknown metric(s): {', '.join(unknown)}; known: {', '.join(metrics)}")
    from groundswell.metrics.context import Context

    ctx = Context(tables, scope)
    try:
        return {name: metrics[name].compute(ctx) for name in chosen}
    finally:
        ctx.release()


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


__all__ = ["Metric", "Scope", "Tables", "frames", "registry", "run"]
