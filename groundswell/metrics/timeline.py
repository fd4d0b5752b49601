"""Posts per hour and their running total: the campaign's curve."""

from __future__ import annotations

import pandas as pd

from groundswell.metrics.scope import Scope, Tables


def hourly(tables: Tables, scope: Scope) -> pd.DataFrame:
    """Columns ``hour`` (UTC), ``posts``, ``cumulative_posts``; hours without posts omitted."""
    posts = scope.posts(tables)
    posts = posts.filter(posts.created_at.notnull())
    hours = posts.mutate(hour=posts.created_at.truncate("h"))
    per_hour = hours.group_by("hour").aggregate(posts=hours.count()).order_by("hour").to_pandas()
    per_hour["cumulative_posts"] = per_hour["posts"].cumsum()
    return per_hour
