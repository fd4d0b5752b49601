"""Networks name people as the report does: private accounts by the report's own pseudonym
(same key, same function), public figures by handle; nothing else of a private account (its
handle, its platform id) is anywhere in a written file."""

from __future__ import annotations

import re

import pytest
from network.readers import labels

from groundswell import Store, api
from groundswell.demo import campaign_from_truth
from groundswell.network import KINDS
from groundswell.policy import Policy
from groundswell.simulate import simulate

PSEUDONYM = re.compile(r"acct-[0-9a-f]{10}")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    truth = simulate(2_500, fmt="twitter-v2", seed=7, out=folder / "c.jsonl")
    store = Store(folder / "c.duckdb")
    store.ingest([folder / "c.jsonl"])
    yield store, campaign_from_truth(truth)
    store.close()


@pytest.fixture(scope="module")
def graphs(sim):
    """Every kind of the simulated campaign's network, built once."""
    store, campaign = sim
    return {kind: api.network(store, campaign, kind) for kind in KINDS}


def _accounts(store: Store) -> list[tuple]:
    """Every account the store knows, mentioned ones too: platform, id, handle, public."""
    policy = Policy()
    rows = store.con.execute(
        "SELECT platform, author_id, handle, followers, verified FROM accounts "
        "UNION ALL SELECT DISTINCT m.platform, m.mentioned_author_id, m.handle, NULL, NULL "
        "FROM mentions m ANTI JOIN accounts a ON a.platform = m.platform "
        "AND a.author_id = m.mentioned_author_id WHERE m.mentioned_author_id IS NOT NULL"
    ).fetchall()
    return [(p, i, h, policy.is_public(h, f, v)) for p, i, h, f, v in rows]


def test_private_accounts_carry_the_reports_pseudonyms(sim, graphs):
    store, campaign = sim
    report = store.report(campaign=campaign, metrics=["spread"])["spread"]
    private = {r["account"] for r in report["first_participants"] if not r["public_figure"]}
    assert private and all(PSEUDONYM.fullmatch(a) for a in private)
    graph = graphs["author-tag"]
    # a participant carries a campaign tag, or said the phrase replying to the origin
    replies = graphs["reply"]
    shown = {d["label"] for g in (graph, replies) for _, d in g.nodes(data=True)
             if d["kind"] == "account"}
    assert private <= shown
    assert graph.graph["private_accounts"] == sum(
        1 for _, d in graph.nodes(data=True) if d["kind"] == "account" and not d["public"])


def test_public_figures_are_named_by_handle_everyone_else_by_pseudonym(sim, graphs):
    store, _ = sim
    known = {(p, i): (h, public) for p, i, h, public in _accounts(store)}
    graph = graphs["mention"]
    publics = 0
    for node, d in graph.nodes(data=True):
        platform, rest = node.split(":", 1)
        if d["public"]:
            publics += 1
            assert d["label"] == f"@{known[(platform, rest)][0]}"
        else:
            assert PSEUDONYM.fullmatch(d["label"]) and rest == d["label"]
            assert d["first_seen"].endswith(":00:00Z")  # a private account's time: the hour
    assert publics >= 1  # the simulator plants public figures, and they are mentioned


def test_roles_follow_the_reports_definitions(sim, graphs):
    store, campaign = sim
    graph = graphs["repost"]
    roles = {d["role"] for _, d in graph.nodes(data=True)}
    assert {"participant", "amplifier"} <= roles
    magnitude = store.report(campaign=campaign, metrics=["magnitude"])["magnitude"]
    author_tag = api.network(store, campaign, "author-tag", reveal=True)
    people = [d for _, d in author_tag.nodes(data=True) if d["kind"] == "account"]
    # every campaign post carries a campaign tag or reposts one that does: with --reveal
    # (no rare tag left out) the author-tag network holds every author of a tagged post
    assert sum(d["role"] in ("participant", "origin") for d in people) <= magnitude[
        "participants"]
    reply = graphs["reply"]
    origin = [n for n, d in reply.nodes(data=True) if d["role"] == "origin"]
    assert len(origin) == 1 and reply.in_degree(origin[0]) > 0  # the call to action


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "csv"])
def test_no_private_handle_or_id_in_any_written_file(sim, graphs, tmp_path, fmt):
    store, _ = sim
    accounts = _accounts(store)
    private_ids = {i for _, i, _, public in accounts if not public}
    private_handles = {h.lower() for _, _, h, public in accounts if h and not public}
    public_handles = {h.lower() for _, _, h, public in accounts if h and public}
    assert private_handles and public_handles
    seen_public = False
    for kind, graph in graphs.items():
        for path in api.write_network(graph, tmp_path / f"{kind}.{fmt}"):
            text = path.read_text(encoding="utf-8")
            words = set(re.findall(r"[\w.]+", text.lower()))
            assert not words & private_ids, (kind, sorted(words & private_ids)[:3])
            assert not {h for h in private_handles if h in words and len(h) > 3
                        and f"tag:{h}" not in text}, kind
            seen_public |= bool(words & public_handles)
        if kind in ("repost", "mention"):
            names = labels(tmp_path / f"{kind}.{fmt}", fmt)
            assert all(PSEUDONYM.fullmatch(v) or v.startswith("@") for v in names.values())
    assert seen_public


def test_reveal_names_everyone(sim):
    store, campaign = sim
    graph = api.network(store, campaign, "repost", reveal=True)
    assert graph.graph["reveal"] and "REVEALED" in graph.graph["privacy"]
    assert not any(PSEUDONYM.fullmatch(d["label"]) for _, d in graph.nodes(data=True))
