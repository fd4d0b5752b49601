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

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: How sparse a forest's post keys may be and still be numbered by a table indexed by key
#: (see ``Forest._number_keys``): the table holds this many entries per key at most.
DIRECT_SPAN = 8


class Forest:
    """Parent links → subtree sizes and heights for every node, children on demand.

    Nodes are numbered 0..n-1 (n itself stands for any id in no edge, a lone post). Two ways
    to number them: by hashing the ids (``Forest(child, parent)``, any engine and store), or
    from the store's integer post keys (:meth:`from_keys`), which numbers integers instead of
    hashing strings: the hashing alone took 1.2 s of a 10M-post report, the lookups of millions
    of candidate roots another second.

    Rules of the data, not of the arrays: a self-loop is not an edge; a node claiming a second
    parent stays under its first (edges are taken in the order given); nodes caught in a cycle
    (possible in broken data) belong to no tree and count as single posts.
    """

    def __init__(self, child: pa.Array | pa.ChunkedArray, parent: pa.Array | pa.ChunkedArray):
        """Links between post ids (strings)."""
        child, parent = _strings(child), _strings(parent)
        encoded = pa.concat_arrays([child, parent]).dictionary_encode()  # one hashing pass
        numbers = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        self._ids: pa.Array | None = encoded.dictionary  # number -> id
        self._keys: np.ndarray | None = None
        self._link(numbers[:len(child)], numbers[len(child):], len(encoded.dictionary))

    @classmethod
    def from_keys(cls, child: np.ndarray | pa.Array | pa.ChunkedArray,
                  parent: pa.Array | pa.ChunkedArray, parent_id: pa.Array | pa.ChunkedArray,
                  names: Mapping[str, int],
                  ids_of: Callable[[list[int]], Mapping[int, str]]) -> Forest:
        """Links between post keys (integers; nodes are asked for by key), each child once
        (a stored post has one parent link).

        ``parent`` is the parent's key, null where the parent is not stored; those parents
        are told apart by ``parent_id`` and get negative keys. ``names`` gives the keys of
        the stored posts that will be asked for by id (the origin posts), ``ids_of`` the
        ids of a few keys (to break ties by id, as the id-numbered forest does)."""
        self = cls.__new__(cls)
        unstored = _strings(parent_id).dictionary_encode()
        self._ids = None
        self._unstored = unstored.dictionary
        self._names = dict(names)
        self._ids_of = ids_of
        missing = pc.subtract(pa.scalar(-1, pa.int64()), unstored.indices.cast(pa.int64()))
        dad = pc.coalesce(_combined(parent).cast(pa.int64()), missing).to_numpy(
            zero_copy_only=False)
        kid = _combined(child).to_numpy(zero_copy_only=False).astype(np.int64) \
            if isinstance(child, (pa.Array, pa.ChunkedArray)) else np.asarray(child, np.int64)
        self._keys, numbers = self._number_keys(np.concatenate([kid, dad]))
        self._link(numbers[:len(kid)], numbers[len(kid):], len(self._keys), one_parent=True)
        return self

    def _number_keys(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct keys, sorted, and each key's node number. A store's post keys are
        dense (1, 2, 3, …), so where they span at most :data:`DIRECT_SPAN` times as many
        numbers as there are keys, a table indexed by key numbers them (0.38 s for the 3.4M
        reply-link ends of a 10M-post store, against 0.57 s for ``np.unique``'s sort) and
        serves later lookups too; else the sort."""
        self._low, self._lut = 0, None
        if not len(keys):
            return np.unique(keys, return_inverse=True)
        low, high = int(keys.min()), int(keys.max())
        if high - low + 1 > DIRECT_SPAN * len(keys):
            return np.unique(keys, return_inverse=True)
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[keys - low] = True
        distinct = np.flatnonzero(seen)
        self._low = low
        self._lut = np.full(len(seen), -1, dtype=np.int64 if len(distinct) >= 2**31 else np.int32)
        self._lut[distinct] = np.arange(len(distinct))
        return distinct + low, self._lut[keys - low].astype(np.int64)

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> Forest:
        pairs = list(edges)
        return cls(pa.array([c for c, _ in pairs], pa.string()),
                   pa.array([p for _, p in pairs], pa.string()))

    def _link(self, kid: np.ndarray, dad: np.ndarray, n: int, one_parent: bool = False) -> None:
        """Sizes and heights from numbered edges (``n`` nodes); ``one_parent`` when no child
        appears in two edges."""
        self.lone = n  # the number of any node in no edge
        edge = kid != dad
        kid, dad = kid[edge], dad[edge]
        if not one_parent:
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

    @property
    def keyed(self) -> bool:
        """Whether nodes are post keys (:meth:`from_keys`) rather than post ids."""
        return self._keys is not None

    def numbers(self, ids: Sequence | pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
        """Node numbers of ``ids`` (post ids, or post keys in a keyed forest); ids in no
        edge get the lone-post number :attr:`lone`."""
        if self._keys is None:
            return self._by_id(ids)
        if isinstance(ids, (pa.Array, pa.ChunkedArray)) and pa.types.is_integer(ids.type):
            ids = _combined(ids).to_numpy(zero_copy_only=False)
        if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
            return self._by_key(ids.astype(np.int64, copy=False))
        ids = list(ids)
        if all(isinstance(i, (int, np.integer)) for i in ids):
            return self._by_key(np.array(ids, dtype=np.int64))
        return self._by_name(ids)

    def _by_key(self, keys: np.ndarray) -> np.ndarray:
        n = len(self._keys)
        if self._lut is not None:
            at = keys - self._low
            inside = (at >= 0) & (at < len(self._lut))
            found = np.full(len(keys), -1, dtype=np.int64)
            found[inside] = self._lut[at[inside]]
            return np.where(found >= 0, found, n)
        if not n:
            return np.full(len(keys), 0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._keys, keys), n - 1)
        return np.where(self._keys[at] == keys, at, n)

    def _by_name(self, ids: list) -> np.ndarray:
        """Ids asked of a keyed forest: stored posts by ``names``, others among the
        unstored parents."""
        where = pc.index_in(pa.array([str(i) for i in ids], pa.string()), self._unstored)
        keys = [self._names[str(i)] if str(i) in self._names else
                None if w is None else -1 - w
                for i, w in zip(ids, where.to_pylist(), strict=True)]
        found = self._by_key(np.array([k if k is not None else 0 for k in keys], np.int64))
        return np.where([k is not None for k in keys], found, self.lone).astype(np.int64)

    def _by_id(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        ids = _strings(ids) if isinstance(ids, (pa.Array, pa.ChunkedArray)) else \
            pa.array(list(ids), pa.string())
        n = len(self._ids)
        if len(ids) * 64 < n:  # a few ids: hash them and scan the nodes, not the reverse
            where = pc.index_in(self._ids, ids).to_numpy(zero_copy_only=False)
            hits = np.flatnonzero(~np.isnan(where)) if where.dtype.kind == "f" else \
                np.arange(n)
            found = np.full(len(ids), n, dtype=np.int64)
            found[where[hits].astype(np.int64)] = hits
            return found[pc.index_in(ids, ids).to_numpy(zero_copy_only=False)]
        found = pc.index_in(ids, self._ids)
        return found.fill_null(n).to_numpy(zero_copy_only=False).astype(np.int64)

    def ids(self, numbers: Iterable[int]) -> list[str | None]:
        """The post ids of node numbers (None for the lone-post number)."""
        numbers = [int(i) for i in numbers]
        if self._keys is None:
            return [self._ids[i].as_py() if i < self.lone else None for i in numbers]
        keys = [int(self._keys[i]) if i < self.lone else None for i in numbers]
        stored = self._ids_of([k for k in keys if k is not None and k >= 0])
        return [None if k is None else stored.get(k) if k >= 0 else
                self._unstored[-1 - k].as_py() for k in keys]

    def tree_sizes(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Subtree size of each id, itself included (1 for an id in no edge)."""
        return self.size[self.numbers(ids)]

    def depths(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Height of the tree under each id: 0 for a post without replies."""
        return self.height[self.numbers(ids)]

    def measure(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray
                ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`tree_sizes` and :meth:`depths` of ``ids`` from one lookup of the ids (the
        lookup is the costly part: millions of candidate roots in a big report)."""
        index = self.numbers(ids)
        return self.size[index], self.height[index]

    def tree_size(self, root: str | int) -> int:
        return int(self.tree_sizes([root])[0])

    def depth(self, root: str | int) -> int:
        return int(self.depths([root])[0])

    def descendants(self, root: str | int) -> int:
        return self.tree_size(root) - 1

    def _below(self, frontier: np.ndarray) -> np.ndarray:
        """The children of every node of ``frontier``, as one array."""
        starts = self._kid_start[frontier]
        counts = self._kid_start[frontier + 1] - starts
        return self._kids[np.repeat(starts - np.cumsum(counts) + counts, counts)
                          + np.arange(counts.sum())]

    def _generations(self, i: int) -> list[np.ndarray]:
        """Node numbers under node ``i``, one array per level (empty for a node in no tree)."""
        if i == self.lone or not self._rooted[i]:
            return []  # a node caught in a cycle: walking it would never end
        found = []
        frontier = self._below(np.array([i]))
        while len(frontier):
            found.append(frontier)
            frontier = self._below(frontier)
        return found

    def levels(self, root: str | int) -> list[int]:
        """Posts at each depth under ``root``: [direct replies, their replies, ...]."""
        return [len(level) for level in self._generations(int(self.numbers([root])[0]))]

    def structural_virality(self, root: str | int) -> float | None:
        """Mean shortest-path distance over all pairs of nodes of the tree under ``root``
        (Goel, Anderson, Hofman & Watts 2016). For a tree this is the Wiener index
        Σ_edges s·(n−s) divided by n(n−1)/2, where s is the size below the edge."""
        return self.virality_of(int(self.numbers([root])[0]))

    def virality_of(self, i: int) -> float | None:
        """:meth:`structural_virality` of node number ``i``."""
        n = int(self.size[i])
        if n < 2:
            return None
        generations = self._generations(i)  # every node below: one edge to its parent
        s = self.size[np.concatenate(generations)]
        wiener = int((s * (n - s)).sum())
        return round(wiener / (n * (n - 1) / 2), 6)


def _combined(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array from an engine's (possibly chunked) column."""
    if isinstance(array, pa.ChunkedArray):
        return array.combine_chunks() if array.num_chunks else pa.array([], array.type)
    return array


def _strings(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One plain string array (engines return chunked or large-string columns)."""
    array = _combined(array)
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), pa.string())
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
