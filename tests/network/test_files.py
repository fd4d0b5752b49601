"""Every kind of network in every format, opened twice (networkx and an independent reader),
against the same network counted straight from the raw files (``raw.py``).

The store holds a real twarc2 file (#brexit, 2021) and real Bluesky Jetstream events, so the
networks span two platforms whose accounts must never meet."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import corpus
from network.raw import Raw, nodes_of
from network.readers import counts, independently, with_networkx

from groundswell import Store, api
from groundswell.campaign import Campaign
from groundswell.keys import pseudonym
from groundswell.network import KINDS

FORMATS = ("gexf", "graphml", "csv")
PUBLIC_FOLLOWERS = 100_000


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    files = [corpus("twarc2", "brexit.jsonl"), corpus("bluesky", "jetstream_events_v1.jsonl")]
    raw = Raw()
    for path in files:
        raw.read(path)
    store = Store(tmp_path_factory.mktemp("net") / "s.duckdb")
    store.ingest(files)
    yield store, raw
    store.close()


def _public(raw: Raw, platform: str, author: str) -> bool:
    user = raw.users.get((platform, author), {})
    followers = user.get("public_metrics", {}).get("followers_count", 0)
    return followers >= PUBLIC_FOLLOWERS or bool(user.get("verified"))


def _node(raw: Raw, key: bytes, end) -> str:
    """A raw account (or tag) as the file names it (docs/network.md)."""
    if isinstance(end, str):
        return f"tag:{end}"
    platform, author = end
    shown = author if _public(raw, platform, author) else pseudonym(key, platform, author)
    return f"{platform}:{shown}"


def _expected(raw: Raw, kind: str, tags: set[str] | None, k: int, min_weight: int = 1):
    """The raw network with the policy's rare tags (and tag pairs) of fewer than k accounts
    left out."""
    edges = raw.network(kind, tags, min_weight)
    if kind in ("cotag", "author-tag") and k > 1:
        people = raw.tag_accounts(tags)
        shown = {t for t, who in people.items() if len(who) >= k}
        if kind == "author-tag":
            edges = {e: w for e, w in edges.items() if e[1] in shown}
        else:
            # a pair's accounts: those of whom one post carried both tags
            edges = {e: w for e, w in edges.items() if e[0] in shown and e[1] in shown
                     and len(_pair_accounts(raw, e, tags)) >= k}
    return edges


def _pair_accounts(raw: Raw, pair: tuple[str, str], tags: set[str] | None) -> set:
    return {(p.platform, p.author) for p in raw.matched(tags) if set(pair) <= p.tags}


SCOPES = {
    # every stored post, the default policy (k = 10)
    "all": (None, None, 10),
    # an ad-hoc campaign with small-cell suppression off, so every tag is drawn
    "brexit": (replace(Campaign.from_tags(["brexit"]), privacy_k=1), {"brexit"}, 1),
}


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_format_matches_the_raw_files(data, tmp_path, scope, kind):
    store, raw = data
    campaign, tags, k = SCOPES[scope]
    expected = _expected(raw, kind, tags, k)
    want_nodes = {_node(raw, store.pseudonym_key, end) for end in nodes_of(expected)}
    want = (len(want_nodes), len(expected), sum(expected.values()))
    graph = api.network(store, campaign, kind)
    assert counts(graph) == want
    assert set(graph.nodes) == want_nodes
    assert graph.is_directed() == (kind not in ("cotag", "author-tag"))
    for fmt in FORMATS:
        written = api.write_network(graph, tmp_path / f"{kind}.{fmt}")
        assert written[0] == tmp_path / f"{kind}.{fmt}"
        assert counts(with_networkx(written[0], fmt)) == want, fmt
        assert independently(written[0], fmt) == want, fmt


def test_the_networks_are_not_empty_and_span_both_platforms(data):
    """The comparisons above mean something: real edges on both platforms."""
    store, raw = data
    reply = api.network(store, None, "reply")
    platforms = {d["platform"] for _, d in reply.nodes(data=True)}
    assert platforms == {"twitter", "bluesky"}
    assert all(u.split(":")[0] == v.split(":")[0] for u, v in reply.edges)
    for kind in ("repost", "reply", "quote", "mention"):
        assert api.network(store, SCOPES["brexit"][0], kind).number_of_edges() > 3, kind
    assert api.network(store, SCOPES["brexit"][0], "cotag").number_of_edges() > 3


def test_min_weight_and_what_is_not_drawn(data):
    store, raw = data
    everything = api.network(store, None, "mention")
    heavy = api.network(store, None, "mention", min_weight=2)
    expected = raw.network("mention", None, min_weight=2)
    assert heavy.number_of_edges() == len(expected) < everything.number_of_edges()
    assert all(d["weight"] >= 2 for _, _, d in heavy.edges(data=True))
    # reposts of posts the files do not hold, and accounts pointing at themselves
    interactions = raw.interactions("repost", None)
    repost = api.network(store, None, "repost")
    assert repost.graph["unknown_targets"] == sum(1 for *_, t in interactions if t is None) > 0
    assert repost.graph["self_loops"] == sum(1 for _, s, t in interactions if s == t)
    assert not any(u == v for u, v in repost.edges)


def test_tags_of_fewer_than_k_accounts_are_left_out(data):
    store, raw = data
    people = raw.tag_accounts(None)
    graph = api.network(store, None, "author-tag")
    tags = {d["label"][1:] for _, d in graph.nodes(data=True) if d["kind"] == "tag"}
    assert tags == {t for t, who in people.items() if len(who) >= 10} != set()
    assert graph.graph["tags_left_out"] == sum(1 for who in people.values() if len(who) < 10)
    revealed = api.network(store, None, "author-tag", reveal=True)
    assert revealed.graph["tags_left_out"] == 0
    assert sum(1 for _, d in revealed.nodes(data=True) if d["kind"] == "tag") == len(
        {t for e in raw.network("author-tag") for t in e[1:]})
