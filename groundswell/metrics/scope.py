"""What metrics run over: the canonical tables (on any Ibis backend) and the posts in scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir

from groundswell.text import normalize_tag

KEY = ["platform", "post_id"]


@dataclass(frozen=True)
class Tables:
    """The canonical tables as Ibis expressions, whichever engine holds them."""

    posts: ir.Table
    accounts: ir.Table
    post_hashtags: ir.Table
    mentions: ir.Table

    @classmethod
    def from_backend(cls, backend) -> Tables:
        return cls(*(backend.table(name) for name in
                     ("posts", "accounts", "post_hashtags", "mentions")))


@dataclass(frozen=True)
class Scope:
    """Which posts a report is about. No tags: every stored post.

    Tags are normalized here so ``--tag MeToo`` and ``--tag metoo`` mean the same.
    """

    tags: tuple[str, ...] = ()

    @classmethod
    def for_tags(cls, tags: list[str] | tuple[str, ...] | None) -> Scope:
        return cls(tuple(dict.fromkeys(normalize_tag(t) for t in tags or () if t.strip("#＃ "))))

    def posts(self, tables: Tables) -> ir.Table:
        posts = tables.posts
        if not self.tags:
            return posts
        tagged = tables.post_hashtags.filter(tables.post_hashtags.tag.isin(self.tags))
        return posts.semi_join(tagged.select(*KEY), KEY)


def scalar(expr: ir.Scalar):
    """Execute a scalar expression, mapping pandas' missing values to None."""
    value = expr.execute()
    try:
        import pandas as pd

        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def iso(value) -> str | None:
    """Timestamps in JSON: ISO 8601 UTC with a ``Z`` so no reader guesses the zone."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return str(value)


def literal_tags(tags: tuple[str, ...]) -> ir.ArrayValue:
    return ibis.literal(list(tags), type="array<string>")
