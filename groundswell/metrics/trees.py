"""Reply and repost trees: sizes, depths and structural virality, computed with array
operations over parent links fetched once from the engine.

Why arrays: a tree walk is cheap once the ``(child, parent)`` pairs are in memory, while doing
it relationally needs one join per level. But a Python loop per edge cost more than the rest
of a 10M-post report together, so nodes become integers (Arrow's ``dictionary_encode``) and
depths, subtree sizes and heights are whole-array steps: pointer doubling for each node's depth
(O(log depth) passes), then one pass per level from the deepest up. The edges come from the
same Ibis expression on every engine, so results are identical on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Forest:
    """Parent links → subtree sizes and heights for every node, children on demand.

    Rules of the data, not of the arrays: a self-loop is not an edge; a node claiming a second
    parent stays under its first (edges are taken in the order given); nodes caught in a cycle
    (possible in broken data) belong to no tree and count as single posts.
    """

    def __init__(self, child: pa.Array, parent: pa.Array):
        child, parent = _strings(child), _strings(parent)
        encoded = pa.concat_arrays([child, parent]).dictionary_encode()  # one hashing pass
        self._nodes = encoded.dictionary
        n = len(self._nodes)
        numbers = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        kid, dad = numbers[:len(child)], numbers[len(child):]
        edge = kid != dad
        kid, dad = kid[edge], dad[edge]
        _, first = np.unique(kid, return_index=True)  # a child's first edge wins
        first.sort()
        kid, dad = kid[first], dad[first]
        self._parent = np.full(n, -1, dtype=np.int64)
        self._parent[kid] = dad
        order = np.argsort(dad, kind="stable")  # children grouped by parent, in edge order
        self._kids = kid[order]
        self._kid_start = np.searchsorted(dad[order], np.arange(n + 1))
        depth, self._rooted = _depths(self._parent)
        self.size = np.ones(n + 1, dtype=np.int64)  # [n]: any id in no edge, a lone post
        self.height = np.zeros(n + 1, dtype=np.int64)
        inner = np.flatnonzero(self._rooted & (self._parent >= 0))
        inner = inner[np.argsort(-depth[inner], kind="stable")]
        levels = np.flatnonzero(np.diff(depth[inner])) + 1
        for nodes in np.split(inner, levels):  # deepest level first: children before parents
            if len(nodes):
                up = self._parent[nodes]
                np.add.at(self.size, up, self.size[nodes])
                np.maximum.at(self.height, up, self.height[nodes] + 1)

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> Forest:
        pairs = list(edges)
        return cls(pa.array([c for c, _ in pairs], pa.string()),
                   pa.array([p for _, p in pairs], pa.string()))

    def _index(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Node numbers of ``ids``; ids in no edge get the lone-post entry (number n)."""
        ids = _strings(ids) if isinstance(ids, (pa.Array, pa.ChunkedArray)) else \
            pa.array(list(ids), pa.string())
        n = len(self._nodes)
        if len(ids) * 64 < n:  # a few ids: hash them and scan the nodes, not the reverse
            where = pc.index_in(self._nodes, ids).to_numpy(zero_copy_only=False)
            hits = np.flatnonzero(~np.isnan(where)) if where.dtype.kind == "f" else \
                np.arange(n)
            found = np.full(len(ids), n, dtype=np.int64)
            found[where[hits].astype(np.int64)] = hits
            return found[pc.index_in(ids, ids).to_numpy(zero_copy_only=False)]
        found = pc.index_in(ids, self._nodes)
        return found.fill_null(n).to_numpy(zero_copy_only=False).astype(np.int64)

    def tree_sizes(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Subtree size of each id, itself included (1 for an id in no edge)."""
        return self.size[self._index(ids)]

    def depths(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Height of the tree under each id: 0 for a post without replies."""
        return self.height[self._index(ids)]

    def measure(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray
                ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`tree_sizes` and :meth:`depths` of ``ids`` from one lookup of the ids (the
        lookup is the costly part: millions of candidate roots in a big report)."""
        index = self._index(ids)
        return self.size[index], self.height[index]

    def tree_size(self, root: str) -> int:
        return int(self.tree_sizes([root])[0])

    def depth(self, root: str) -> int:
        return int(self.depths([root])[0])

    def descendants(self, root: str) -> int:
        return self.tree_size(root) - 1

    def _below(self, frontier: np.ndarray) -> np.ndarray:
        """The children of every node of ``frontier``, as one array."""
        starts = self._kid_start[frontier]
        counts = self._kid_start[frontier + 1] - starts
        return self._kids[np.repeat(starts - np.cumsum(counts) + counts, counts)
                          + np.arange(counts.sum())]

    def _generations(self, root: str) -> list[np.ndarray]:
        """Node numbers under ``root``, one array per level (empty for a node in no tree)."""
        i = int(self._index([root])[0])
        if i == len(self._nodes) or not self._rooted[i]:
            return []  # a node caught in a cycle: walking it would never end
        found = []
        frontier = self._below(np.array([i]))
        while len(frontier):
            found.append(frontier)
            frontier = self._below(frontier)
        return found

    def levels(self, root: str) -> list[int]:
        """Posts at each depth under ``root``: [direct replies, their replies, ...]."""
        return [len(level) for level in self._generations(root)]

    def structural_virality(self, root: str) -> float | None:
        """Mean shortest-path distance over all pairs of nodes of the tree under ``root``
        (Goel, Anderson, Hofman & Watts 2016). For a tree this is the Wiener index
        Σ_edges s·(n−s) divided by n(n−1)/2, where s is the size below the edge."""
        n = self.tree_size(root)
        if n < 2:
            return None
        generations = self._generations(root)  # every node below: one edge to its parent
        s = self.size[np.concatenate(generations)]
        wiener = int((s * (n - s)).sum())
        return round(wiener / (n * (n - 1) / 2), 6)


def _strings(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One plain string array (engines return chunked or large-string columns)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], pa.string())
    return array.cast(pa.string()) if array.type != pa.string() else array


def _depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each node's distance to its root by pointer doubling, and whether it has a root at all
    (a node whose ancestors loop has none)."""
    n = len(parent)
    top = np.where(parent >= 0, parent, np.arange(n))  # a root is its own ancestor
    depth = (parent >= 0).astype(np.int64)
    for _ in range(max(1, int(n).bit_length() + 1)):
        depth = depth + depth[top]
        top = top[top]
        if (parent[top] < 0).all():
            break
    return depth, parent[top] < 0


def star_virality(n: int) -> float | None:
    """Structural virality of a star of n nodes (one root, n−1 leaves): 2(n−1)/n."""
    return round(2 * (n - 1) / n, 6) if n >= 2 else None
