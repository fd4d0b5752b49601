"""Reply trees: sizes, depths and structural virality against brute force."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics.oracle import mean_pair_distance, subtree

from groundswell.scope import forest as trees
from groundswell.scope.forest import Forest, star_virality


def forest(*pairs: str) -> Forest:
    """``forest("b>a", "c>a")``: b and c reply to a."""
    return Forest.from_edges(tuple(p.split(">")) for p in pairs)


def test_chain():
    f = forest("b>a", "c>b")
    assert [f.tree_size(n) for n in "abc"] == [3, 2, 1]
    assert [f.depth(n) for n in "abc"] == [2, 1, 0]
    assert f.descendants("a") == 2
    assert f.structural_virality("a") == pytest.approx(4 / 3, abs=1e-6)  # (1 + 1 + 2) / 3


def test_star_matches_star_formula():
    f = forest("b>a", "c>a", "d>a", "e>a")
    assert f.tree_size("a") == 5 and f.depth("a") == 1
    assert f.structural_virality("a") == star_virality(5) == pytest.approx(8 / 5)


def test_single_and_unknown_nodes():
    f = forest("b>a")
    assert (f.tree_size("b"), f.depth("b"), f.descendants("b")) == (1, 0, 0)
    assert f.structural_virality("b") is None
    assert (f.tree_size("zz"), f.depth("zz"), f.descendants("zz")) == (1, 0, 0)
    assert f.structural_virality("zz") is None
    empty = Forest.from_edges([])
    assert (empty.tree_size("a"), empty.depth("a"), empty.structural_virality("a")) == (1, 0,
                                                                                         None)


def test_hand_made_tree():
    #        r
    #      / | \
    #     a  b  c
    #    / \     \
    #   d   e     f
    #             |
    #             g
    f = forest("a>r", "b>r", "c>r", "d>a", "e>a", "f>c", "g>f")
    assert {n: f.tree_size(n) for n in "racfg"} == {"r": 8, "a": 3, "c": 3, "f": 2, "g": 1}
    assert {n: f.depth(n) for n in "racfg"} == {"r": 3, "a": 1, "c": 2, "f": 1, "g": 0}
    edges = [tuple(p.split(">")) for p in ("a>r", "b>r", "c>r", "d>a", "e>a", "f>c", "g>f")]
    want = mean_pair_distance(list("rabcdefg"), edges)
    assert f.structural_virality("r") == pytest.approx(want, abs=1e-6)
    assert f.structural_virality("c") == pytest.approx(4 / 3, abs=1e-6)
    assert f.levels("r") == [3, 3, 1] and f.levels("c") == [1, 1] and f.levels("g") == []
    assert list(f.tree_sizes(["r", "zz", "f"])) == [8, 1, 2]
    assert list(f.depths(["r", "zz", "f"])) == [3, 0, 1]


def test_self_loop_is_ignored():
    f = forest("b>a", "a>a", "c>b", "c>c")
    assert f.tree_size("a") == 3 and f.depth("a") == 2
    assert f.structural_virality("a") == pytest.approx(4 / 3, abs=1e-6)
    lone = forest("x>x")
    assert (lone.tree_size("x"), lone.depth("x"), lone.structural_virality("x")) == (1, 0, None)


def test_second_parent_is_ignored():
    """A node claiming two parents is counted once (under the first), never twice."""
    f = forest("b>a", "c>b", "c>a", "d>c")
    assert f.tree_size("a") == 4  # a, b, c, d: c is not counted again as a's child
    assert f.depth("a") == 3
    assert f.tree_size("b") == 3
    g = forest("c>a", "c>b", "d>c")
    assert (g.tree_size("a"), g.tree_size("b")) == (3, 1)
    assert g.tree_size("a") + g.tree_size("b") == 4  # every node in exactly one tree


def test_cycle_terminates():
    f = forest("a>b", "b>a", "c>a")
    for n in "abc":
        assert f.tree_size(n) >= 1 and f.depth(n) >= 0
        f.structural_virality(n)
        assert f.levels(n) == []  # a walk into a loop must end


def test_long_chain_has_no_recursion_limit():
    n = 20_000
    f = Forest.from_edges((str(i), str(i - 1)) for i in range(1, n))
    assert f.tree_size("0") == n and f.depth("0") == n - 1
    assert f.structural_virality("0") == pytest.approx((n + 1) / 3, rel=1e-9)


@pytest.mark.parametrize("n", [2, 3, 4, 10, 57])
def test_star_virality_is_the_mean_distance_of_a_star(n):
    nodes = [str(i) for i in range(n)]
    edges = [(str(i), "0") for i in range(1, n)]
    assert star_virality(n) == pytest.approx(mean_pair_distance(nodes, edges), abs=1e-6)


@pytest.mark.parametrize("n", [0, 1])
def test_star_virality_needs_two_nodes(n):
    assert star_virality(n) is None


@st.composite
def parent_arrays(draw):
    """Random forests: node i's parent is an earlier node, or -1 for a new root."""
    n = draw(st.integers(1, 40))
    parents = [-1] + [draw(st.integers(-1, i - 1)) for i in range(1, n)]
    order = draw(st.permutations(range(n)))
    return parents, order


@settings(max_examples=150, deadline=None)
@given(parent_arrays())
def test_random_forests_match_brute_force(case):
    parents, order = case
    edges = [(f"n{i}", f"n{parents[i]}") for i in order if parents[i] >= 0]
    f = Forest.from_edges(edges)
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in edges:
        children[parent].append(child)
    for i in range(len(parents)):
        node = f"n{i}"
        nodes, height = subtree(children, node)
        assert f.tree_size(node) == len(nodes)
        assert f.descendants(node) == len(nodes) - 1
        assert f.depth(node) == height
        assert sum(f.levels(node)) == len(nodes) - 1 and len(f.levels(node)) == height
        tree_edges = [(k, p) for p in nodes for k in children.get(p, ())]
        want = mean_pair_distance(nodes, tree_edges)
        got = f.structural_virality(node)
        if want is None:
            assert got is None
        else:
            assert got == pytest.approx(want, abs=1e-6)


def test_lookups_of_few_and_of_many_ids_agree():
    """A few ids are found by scanning the nodes, many by hashing the nodes: same answers,
    in the order asked, repeats and unknown ids included."""
    n = 3000
    f = Forest.from_edges((str(i), str((i - 1) // 3)) for i in range(1, n))
    every = [str(i) for i in range(n)]
    sizes, heights = f.tree_sizes(every), f.depths(every)
    for ask in (["5", "5", "nope", "0"], ["2999", "17"], [str(n - 1 - i) for i in range(40)]):
        want = [sizes[int(a)] if a != "nope" else 1 for a in ask]
        assert list(f.tree_sizes(ask)) == want
        assert list(f.depths(ask)) == [heights[int(a)] if a != "nope" else 0 for a in ask]
        both = f.measure(ask)  # one lookup for both
        assert (list(both[0]), list(both[1])) == (want, list(f.depths(ask)))
    assert sizes[0] == n and f.tree_size("0") == n


@pytest.mark.parametrize("span", [0, 10**6], ids=["sorted keys", "table by key"])
@settings(max_examples=150, deadline=None)
@given(case=parent_arrays(), data=st.data())
def test_forests_numbered_by_key_agree_with_forests_numbered_by_id(span, case, data):
    """The store's integer keys number the same forest: stored parents by their key, parents
    that are not stored by their id; every node, asked by key or (origins) by id, measures
    the same, and ties are broken by the same ids. Both ways of numbering keys (sorting
    them, or a table indexed by key where they are dense) are held to it."""
    saved, trees.DIRECT_SPAN = trees.DIRECT_SPAN, span
    try:
        _keyed_forest_agrees(case, data)
    finally:
        trees.DIRECT_SPAN = saved


def _keyed_forest_agrees(case, data) -> None:
    parents, order = case
    keys = {i: 10 * i + 3 for i in range(len(parents))}  # any distinct keys, not in order
    edges = [(i, parents[i]) for i in order if parents[i] >= 0]
    by_id = Forest.from_edges((f"n{c}", f"n{p}") for c, p in edges)
    kids = [c for c, _ in edges]
    # a child is a post of the window, always stored; a parent may not be
    stored = set(kids) | data.draw(st.sets(st.sampled_from(range(len(parents)))))
    by_key = Forest.from_keys(
        np.array([keys[c] for c in kids], np.int64),
        pa.array([keys[p] if p in stored else None for _, p in edges], pa.int64()),
        pa.array([None if p in stored else f"n{p}" for _, p in edges], pa.string()),
        {f"n{i}": keys[i] for i in stored},
        lambda ks: {keys[i]: f"n{i}" for i in stored if keys[i] in ks})
    for i in range(len(parents)):
        ask = data.draw(st.sampled_from([keys[i], f"n{i}"] if i in stored else [f"n{i}"]))
        assert by_key.tree_size(ask) == by_id.tree_size(f"n{i}")
        assert by_key.depth(ask) == by_id.depth(f"n{i}")
        assert by_key.levels(ask) == by_id.levels(f"n{i}")
        assert by_key.structural_virality(ask) == by_id.structural_virality(f"n{i}")
        number = by_key.numbers([ask])[0]
        assert by_key.ids([number]) == ([f"n{i}"] if number != by_key.lone else [None])
