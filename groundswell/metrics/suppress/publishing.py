"""The entry points: what every output of a report shows (:func:`publish`), the live
dashboard's panels (:func:`published_panels`) and a table only an output computes
(:func:`suppress_rows`), each a suppressed deep copy. They find what is declared and where
(the metrics' and panels' declarations, the combined results and each platform's) and leave
the deciding to :class:`~.suppression.Suppression`."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from groundswell.metrics.cells import Cells, get, tables
from groundswell.metrics.suppress.private import coarsen
from groundswell.metrics.suppress.suppression import Suppression
from groundswell.policy import Policy

if TYPE_CHECKING:
    from groundswell.metrics import Metric
    from groundswell.metrics.page import Panel

#: Where the results hold each platform's own (``{platform: results}``).
PLATFORMS = "platforms"


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
