"""Hashtag table: every normalized tag with the posts and accounts that carry it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from groundswell.scope import Tables

if TYPE_CHECKING:  # pandas costs 0.3 s to import, and a report does not need it
    import pandas as pd


def hashtag_table(tables: Tables, top: int | None = 50) -> pd.DataFrame:
    """Tags ranked by distinct posts; ``top=None`` returns them all."""
    joined = tables.post_hashtags.join(tables.posts.select(*tables.key, "author_id"),
                                       tables.key)
    ranked = (  # one row per post and tag (post_hashtags keys are unique): posts are a count
        joined.group_by("tag")
        .aggregate(posts=joined.count(), accounts=joined.author_id.nunique())
        .order_by([ibis.desc("posts"), "tag"])
    )
    if top is not None:
        ranked = ranked.limit(top)
    return ranked.to_pandas()
