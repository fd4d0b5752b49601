"""``groundswell network``: a campaign's network as a file for Gephi (docs/network.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from groundswell import api
from groundswell.cli.common import (
    REVEALED,
    db_option,
    emit_json,
    err,
    friendly_errors,
    json_option,
    open_store,
    out,
    reveal_option,
)
from groundswell.network import FORMATS, KINDS
from groundswell.store import StoreError

_LEFT_OUT = (("unknown_targets", "interactions whose target is no known account (not drawn)"),
             ("self_loops", "interactions of an account with itself (not drawn)"),
             ("tags_left_out", "tags of fewer than k accounts left out (--reveal keeps them)"),
             ("pairs_left_out", "tag pairs of fewer than k accounts left out"))


@click.command("network")
@db_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file (TOML): whose posts, and its privacy policy.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Ad-hoc campaign: its main tag, then variants (repeatable; # optional).")
@click.option("--kind", required=True, type=click.Choice(KINDS),
              help="repost, reply, quote, mention: who → whom (directed); cotag: tags "
                   "carried together; author-tag: accounts and the tags they used.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="File to write: .gexf, .graphml or .csv (edges; the nodes "
                                   "go to FILE-nodes.csv).")
@click.option("--format", "fmt", type=click.Choice(sorted(set(FORMATS.values()))),
              default=None, help="The format, whatever FILE's extension.")
@click.option("--min-weight", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="N", help="Only edges of at least N interactions (posts).")
@reveal_option
@json_option
@friendly_errors
def network(db: str, campaign_file: str | None, tags: tuple[str, ...], kind: str,
            output: str, fmt: str | None, min_weight: int, reveal: bool,
            as_json: bool) -> None:
    """Write the campaign's network for Gephi: nodes are accounts (or tags), edges what the
    campaign's posts did to them, weighted by how often, with the first time.

    Without --campaign or --tag, every stored post is in scope. Accounts are never merged
    across platforms. Private accounts are named by the pseudonyms the report prints and
    their times are truncated to the hour; public figures by handle; tags of fewer than k
    accounts are left out (docs/privacy.md). See docs/network.md for every attribute.

    \b
    Examples:
      groundswell network --campaign metoo.toml --kind repost -o reposts.gexf
      groundswell network --tag metoo --kind mention --min-weight 2 -o mentions.graphml
      groundswell network --tag metoo --kind cotag -o cotags.csv   # + cotags-nodes.csv
      groundswell network --campaign metoo.toml --kind author-tag -o who-tags.gexf --json
    """
    chosen = _format(output, fmt)
    if not Path(db).is_file():
        raise StoreError(f"no store at {db} (ingest files first: groundswell ingest --db {db})")
    campaign = api.campaign_of(campaign_file, tags)
    # a spinner on stderr (a terminal only): a million-post campaign takes half a minute
    with open_store(db, read_only=True) as store, err.status(f"building the {kind} network"):
        graph = api.network(store, campaign, kind, min_weight=min_weight, reveal=reveal)
    if graph.graph["campaign_posts"] == 0:
        raise ValueError("no post matches the campaign in this store: nothing to draw "
                         "(check --tag / --campaign, or `groundswell hashtags`)")
    summary = _summary(graph, output, chosen)
    with err.status(f"writing {output}"):
        summary["files"] = [str(p) for p in api.write_network(graph, output, chosen)]
    if not graph.number_of_edges():
        err.print(f"[yellow]warning:[/] the campaign's {summary['campaign_posts']:,} posts "
                  f"make no {kind} edge of weight {min_weight} or more: the file holds an "
                  "empty network", highlight=False, soft_wrap=True)
    if as_json:
        emit_json(summary)
        return
    _print(summary, reveal)


def _format(output: str, fmt: str | None) -> str:
    """The format, checked before any store is opened (a usage error, not a failure)."""
    from groundswell.network import format_of

    try:
        return format_of(output, fmt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="-o/--output") from None


def _summary(graph, output: str, fmt: str) -> dict[str, Any]:
    info = graph.graph
    return {"kind": info["kind"], "campaign": info["campaign"], "format": fmt,
            "directed": graph.is_directed(), "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "weight": sum(d.get("weight", 0) for _, _, d in graph.edges(data=True)),
            "campaign_posts": info["campaign_posts"], "min_weight": info["min_weight"],
            "private_accounts": info["private_accounts"], "reveal": info["reveal"],
            **{key: info[key] for key, _ in _LEFT_OUT}, "output": output}


def _print(summary: dict[str, Any], reveal: bool) -> None:
    if reveal:
        out.print(REVEALED, style="bold red", highlight=False, soft_wrap=True)
    arrow = "directed" if summary["directed"] else "undirected"
    out.print(f"[bold]{summary['kind']}[/] network of {summary['campaign']} "
              f"({summary['campaign_posts']:,} campaign posts): {summary['nodes']:,} nodes, "
              f"{summary['edges']:,} {arrow} edges, total weight {summary['weight']:,}",
              highlight=False, soft_wrap=True)
    named = "named by handle (--reveal)" if reveal else "pseudonymised as in the report"
    out.print(f"  {summary['private_accounts']:>8,}  private accounts {named}",
              highlight=False)
    for key, label in _LEFT_OUT:
        if summary[key]:
            out.print(f"  {summary[key]:>8,}  {label}", highlight=False)
    for path in summary["files"]:
        out.print(f"wrote {path}", highlight=False, soft_wrap=True)
    how = ("Gephi: File → Import spreadsheet, the edges file then the nodes file"
           if summary["format"] == "csv" else "Gephi: File → Open")
    out.print(f"Next: open it in {how}; size nodes by posts, colour by role or platform "
              "(docs/network.md).", highlight=False, soft_wrap=True)
