"""Reply and repost trees: sizes, depths and structural virality, computed in plain Python
over parent links fetched once from the engine.

Why Python: a tree walk is iterative and cheap (O(edges)) once the ``(child, parent)`` pairs
are in memory, while doing it relationally needs one join per level. The edges come from the
same Ibis expression on every engine, so results are identical on DuckDB and Spark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Forest:
    """Parent links → children lists, with subtree sizes and heights for every node."""

    children: dict[str, list[str]]
    size: dict[str, int]
    height: dict[str, int]

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> Forest:
        children: dict[str, list[str]] = defaultdict(list)
        has_parent: set[str] = set()
        for child, parent in edges:
            if child == parent or child in has_parent:
                continue  # a self-loop or a second parent: not a tree edge
            children[parent].append(child)
            has_parent.add(child)
        size: dict[str, int] = {}
        height: dict[str, int] = {}
        roots = [n for n in children if n not in has_parent]
        for root in sorted(roots):
            stack = [(root, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    kids = children.get(node, ())
                    size[node] = 1 + sum(size[k] for k in kids)
                    height[node] = 1 + max((height[k] for k in kids), default=-1)
                    continue
                stack.append((node, True))
                stack.extend((k, False) for k in children.get(node, ()))
        return cls(dict(children), size, height)

    def tree_size(self, root: str) -> int:
        return self.size.get(root, 1)

    def depth(self, root: str) -> int:
        return self.height.get(root, 0)

    def structural_virality(self, root: str) -> float | None:
        """Mean shortest-path distance over all pairs of nodes of the tree under ``root``
        (Goel, Anderson, Hofman & Watts 2016). For a tree this is the Wiener index
        Σ_edges s·(n−s) divided by n(n−1)/2, where s is the size below the edge."""
        n = self.tree_size(root)
        if n < 2:
            return None
        wiener = 0
        stack = [root]
        while stack:
            node = stack.pop()
            for kid in self.children.get(node, ()):
                s = self.size[kid]
                wiener += s * (n - s)
                stack.append(kid)
        return round(wiener / (n * (n - 1) / 2), 6)

    def descendants(self, root: str) -> int:
        return self.tree_size(root) - 1


def star_virality(n: int) -> float | None:
    """Structural virality of a star of n nodes (one root, n−1 leaves): 2(n−1)/n."""
    return round(2 * (n - 1) / n, 6) if n >= 2 else None
