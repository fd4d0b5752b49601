"""Writing a network for Gephi, Cosmograph or any graph tool: GEXF, GraphML or two CSV files.

Why networkx's writers and pandas: hand-written XML drifts from the formats' schemas; the
library's writers are what other tools are tested against. The format comes from the file's
extension unless told.

* **GEXF** (``.gexf``, Gephi's own): dynamic, each node's ``start`` its ``first_seen`` and each
  edge's its ``first_time``, so Gephi's timeline plays the campaign's growth; the same times
  are kept as attributes too.
* **GraphML** (``.graphml``): typed attributes, read by Gephi, Cytoscape, igraph, networkx.
* **CSV** (``.csv``): Gephi's spreadsheet import. ``FILE.csv`` holds the edges (``Source``,
  ``Target``, ``Type`` Directed/Undirected, ``Weight``, ``first_time``), ``FILE-nodes.csv``
  the nodes (``Id``, ``Label``, then the other attributes); Cosmograph reads the same pair.
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

#: The formats and the extension each is recognised by.
FORMATS = {".gexf": "gexf", ".graphml": "graphml", ".csv": "csv"}


def format_of(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt`` if given, else its extension's."""
    if fmt is not None:
        if fmt not in FORMATS.values():
            raise ValueError(f"unknown network format {fmt!r}: one of "
                             f"{', '.join(FORMATS.values())}")
        return fmt
    found = FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise ValueError(f"cannot tell the format of {Path(path).name!r} from its extension: "
                         "use .gexf, .graphml or .csv (or --format)")
    return found


def nodes_path(path: str | os.PathLike[str]) -> Path:
    """Where the CSV format puts the nodes of ``path``'s edges: ``FILE-nodes.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}-nodes{path.suffix or '.csv'}")


def write(graph: nx.Graph, path: str | os.PathLike[str], fmt: str | None = None
          ) -> list[Path]:
    """Write ``graph`` to ``path`` (the format from its extension, or ``fmt``); the files
    written (two for CSV: edges, then nodes)."""
    chosen = format_of(path, fmt)
    path = Path(path)
    if chosen == "gexf":
        nx.write_gexf(_dynamic(graph), path)
        return [path]
    if chosen == "graphml":
        nx.write_graphml(graph, path)
        return [path]
    return _csv(graph, path)


def _dynamic(graph: nx.Graph) -> nx.Graph:
    """A copy whose nodes and edges start at their first time (GEXF's dynamic mode)."""
    copy = graph.copy()
    for _, data in copy.nodes(data=True):
        if data.get("first_seen"):
            data["start"] = data["first_seen"]
    for _, _, data in copy.edges(data=True):
        if data.get("first_time"):
            data["start"] = data["first_time"]
    return copy


def _csv(graph: nx.Graph, path: Path) -> list[Path]:
    import pandas as pd

    edges = nx.to_pandas_edgelist(graph, source="Source", target="Target")
    edges = edges.rename(columns={"weight": "Weight"})
    edges.insert(2, "Type", "Directed" if graph.is_directed() else "Undirected")
    edges = edges.reindex(columns=["Source", "Target", "Type", "Weight", "first_time",
                                   *(c for c in edges.columns if c not in (
                                       "Source", "Target", "Type", "Weight", "first_time"))])
    rows = [{"Id": node, "Label": data.get("label", node),
             **{k: v for k, v in data.items() if k != "label"}}
            for node, data in graph.nodes(data=True)]
    nodes = pd.DataFrame(rows, columns=None if rows else ["Id", "Label"])
    edges.to_csv(path, index=False, encoding="utf-8")
    where = nodes_path(path)
    nodes.to_csv(where, index=False, encoding="utf-8")
    return [path, where]
