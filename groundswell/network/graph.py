"""A campaign's network as a networkx graph: the edges of :mod:`~.edges`, the nodes of
:mod:`~.nodes`, and the privacy policy applied before anything is written.

Why networkx: Gephi, Cosmograph and every graph library read what networkx writes (GEXF,
GraphML), and a graph object is what a notebook wants to measure further (degree,
communities). Interaction networks are directed (:class:`networkx.DiGraph`: source → target);
tag networks are undirected (:class:`networkx.Graph`).

Privacy, as every output keeps it (docs/privacy.md): private accounts are named by the
report's pseudonym; unless ``--reveal``, their nodes' ``first_seen`` and the ``first_time`` of
their edges are truncated to the hour (:func:`groundswell.metrics.suppress.private.coarsen`,
the rule the report's rows of private accounts follow: an exact second finds the post again),
and tags (and tag pairs) of fewer than k accounts are left out, as ``hashtags`` and the HTML
page's co-hashtag network leave them out: a rare tag's name describes its few users.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from groundswell.metrics.cells import Persons
from groundswell.metrics.suppress.private import coarsen
from groundswell.network.edges import (
    ACCOUNT_KINDS,
    KINDS,
    account_edges,
    author_tag_edges,
    campaign_posts,
    cotag_edges,
    tag_stats,
)
from groundswell.network.nodes import account_node, account_rows, origin_authors, tag_node
from groundswell.scope import Context, Scope, Tables, iso

#: What coarsening a private account's node and its edges touches.
_NODE_TIMES = Persons("", public="public", hide=(), times=("first_seen",), hours={})
_EDGE_TIMES = Persons("", public="_public", hide=(), times=("first_time",), hours={})


def build(tables: Tables, scope: Scope, kind: str, min_weight: int = 1) -> nx.Graph:
    """The campaign's ``kind`` network (one of :data:`~.edges.KINDS`), edges of at least
    ``min_weight``. ``graph.graph`` says what was measured and what was left out."""
    if kind not in KINDS:
        raise ValueError(f"unknown network kind {kind!r}: one of {', '.join(KINDS)}")
    ctx = Context(tables, scope)
    try:
        graph = nx.DiGraph() if kind in ACCOUNT_KINDS else nx.Graph()
        graph.graph.update(kind=kind, campaign=scope.campaign.name if scope.campaign else
                           "all posts", campaign_posts=campaign_posts(ctx),
                           min_weight=min_weight, reveal=scope.reveal,
                           unknown_targets=0, self_loops=0, tags_left_out=0,
                           pairs_left_out=0)
        if kind in ACCOUNT_KINDS:
            _interactions(ctx, kind, min_weight, graph)
        elif kind == "cotag":
            _cotags(ctx, min_weight, graph)
        else:
            _author_tags(ctx, min_weight, graph)
        graph.graph["private_accounts"] = sum(
            1 for _, d in graph.nodes(data=True)
            if d.get("kind") == "account" and not d.get("public"))
        graph.graph["privacy"] = scope.policy.notice()
        # Gephi shows the name (GEXF's graph name, GraphML's graph data)
        graph.graph["name"] = f"{graph.graph['campaign']}: {kind} network"
        return graph
    finally:
        ctx.release()


def _interactions(ctx: Context, kind: str, min_weight: int, graph: nx.DiGraph) -> None:
    edges, dropped = account_edges(ctx, kind, min_weight)
    graph.graph.update(unknown_targets=dropped.unknown_target, self_loops=dropped.self_loops)
    edges = edges.cache()
    try:
        ends = edges.select("platform", id=edges.source, seen=edges.first_time).union(
            edges.select("platform", id=edges.target, seen=edges.first_time))
        rows = account_rows(ctx, ends)
        found = edges.order_by(["platform", "source", "target"]).to_pyarrow().to_pylist()
    finally:
        edges.release()
    named = _accounts(ctx, rows, graph)
    _add_edges(ctx, graph, [(named[(e["platform"], e["source"])],
                             named[(e["platform"], e["target"])], e) for e in found])


def _accounts(ctx: Context, rows: list[dict[str, Any]], graph: nx.Graph
              ) -> dict[tuple[str, str], tuple[str, bool]]:
    """Add the account nodes; ``{(platform, id): (node id, public)}``."""
    origins = origin_authors(ctx)
    made = [account_node(ctx, r, origins) for r in rows]
    if not ctx.policy.reveal:
        coarsen([attrs for _, attrs in made], _NODE_TIMES, None)
    for node, attrs in made:
        graph.add_node(node, **_present(attrs))
    return {(r["platform"], r["id"]): (node, attrs["public"])
            for r, (node, attrs) in zip(rows, made, strict=True)}


def _add_edges(ctx: Context, graph: nx.Graph,
               edges: list[tuple[tuple[str, bool], tuple[str, bool], dict[str, Any]]]) -> None:
    """Add ``(source, target, row)`` edges, a private end's time coarsened to the hour."""
    attrs = [{"weight": int(e["weight"]), "first_time": iso(e["first_time"]),
              "_public": s[1] and t[1]} for s, t, e in edges]
    if not ctx.policy.reveal:
        coarsen(attrs, _EDGE_TIMES, None)
    for (s, t, _), a in zip(edges, attrs, strict=True):
        a.pop("_public")
        graph.add_edge(s[0], t[0], **_present(a))


def _tags(ctx: Context, graph: nx.Graph) -> dict[str, dict[str, Any]]:
    """Every tag of the campaign's posts that may be shown, by name (rare ones left out and
    counted unless ``--reveal``)."""
    stats = tag_stats(ctx).to_pyarrow().to_pylist()
    policy = ctx.policy
    shown = {r["tag"]: r for r in stats if policy.reveal or not policy.small(r["accounts"])}
    graph.graph["tags_left_out"] = len(stats) - len(shown)
    return shown


def _cotags(ctx: Context, min_weight: int, graph: nx.Graph) -> None:
    shown = _tags(ctx, graph)
    found = cotag_edges(ctx, min_weight).order_by(["a", "b"]).to_pyarrow().to_pylist()
    policy = ctx.policy
    kept = [e for e in found if e["a"] in shown and e["b"] in shown
            and (policy.reveal or not policy.small(e["accounts"]))]
    graph.graph["pairs_left_out"] = sum(1 for e in found if e["a"] in shown
                                        and e["b"] in shown) - len(kept)
    nodes = {}
    for tag in sorted({t for e in kept for t in (e["a"], e["b"])}):
        node, attrs = tag_node(ctx, shown[tag])
        graph.add_node(node, **_present(attrs))
        nodes[tag] = (node, True)
    _add_edges(ctx, graph, [(nodes[e["a"]], nodes[e["b"]], e) for e in kept])


def _author_tags(ctx: Context, min_weight: int, graph: nx.Graph) -> None:
    shown = _tags(ctx, graph)
    edges = author_tag_edges(ctx, min_weight).cache()
    try:
        ends = edges.select("platform", id=edges.author_id, seen=edges.first_time)
        rows = account_rows(ctx, ends)
        found = edges.order_by(["platform", "author_id", "tag"]).to_pyarrow().to_pylist()
    finally:
        edges.release()
    found = [e for e in found if e["tag"] in shown]
    wanted = {(e["platform"], e["author_id"]) for e in found}  # rare tags' authors go too
    named = _accounts(ctx, [r for r in rows if (r["platform"], r["id"]) in wanted], graph)
    tags = {}
    for tag in sorted({e["tag"] for e in found}):
        node, attrs = tag_node(ctx, shown[tag])
        graph.add_node(node, **_present(attrs))
        tags[tag] = (node, True)
    _add_edges(ctx, graph, [(named[(e["platform"], e["author_id"])], tags[e["tag"]], e)
                            for e in found])


def _present(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes without empty values: GraphML and GEXF have no null."""
    return {k: v for k, v in attrs.items() if v is not None}
