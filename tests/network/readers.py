"""Opening a written network twice: with networkx, and with a reader that shares nothing with
it (igraph for GraphML, ElementTree for GEXF, the csv module for CSV)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph
import networkx as nx
import pandas as pd

from groundswell.network import nodes_path


def with_networkx(path: Path, fmt: str) -> nx.Graph:
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "graphml":
        return nx.read_graphml(path)
    edges = pd.read_csv(path, dtype={"Source": str, "Target": str})
    nodes = pd.read_csv(nodes_path(path), dtype={"Id": str})
    directed = (edges["Type"] == "Directed").all() if len(edges) else True
    graph = nx.from_pandas_edgelist(edges, "Source", "Target", edge_attr=True,
                                    create_using=nx.DiGraph if directed else nx.Graph)
    graph.add_nodes_from(nodes["Id"])
    return graph


def counts(graph: nx.Graph) -> tuple[int, int, int]:
    weight = sum(int(d.get("weight", d.get("Weight", 0))) for _, _, d in graph.edges(data=True))
    return graph.number_of_nodes(), graph.number_of_edges(), weight


def independently(path: Path, fmt: str) -> tuple[int, int, int]:
    """Nodes, edges and total weight, read without networkx."""
    if fmt == "graphml":
        g = igraph.Graph.Read_GraphML(str(path))
        return g.vcount(), g.ecount(), int(sum(g.es["weight"])) if g.ecount() else 0
    if fmt == "gexf":
        root = ET.parse(path).getroot()
        nodes = [e for e in root.iter() if e.tag.endswith("}node")]
        edges = [e for e in root.iter() if e.tag.endswith("}edge")]
        return len(nodes), len(edges), sum(int(float(e.get("weight", 1))) for e in edges)
    with open(path, newline="", encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh))
    with open(nodes_path(path), newline="", encoding="utf-8") as fh:
        nodes = list(csv.DictReader(fh))
    return len(nodes), len(edges), sum(int(e["Weight"]) for e in edges)


def labels(path: Path, fmt: str) -> dict[str, str]:
    """Node id → label, as the file says."""
    if fmt == "csv":
        with open(nodes_path(path), newline="", encoding="utf-8") as fh:
            return {r["Id"]: r["Label"] for r in csv.DictReader(fh)}
    graph = with_networkx(path, fmt)
    return {n: d.get("label", n) for n, d in graph.nodes(data=True)}
