"""``Scope.posts`` (the API's "every matching post") and the run's cached ``Context.matched``
are two compositions of the same rules: they must name the same posts."""

from __future__ import annotations

from datetime import datetime

from metrics.edges import Account, Case, Tweet, seconds

from groundswell import Store
from groundswell.campaign import Campaign
from groundswell.scope import Context, Scope, Tables

S = datetime(2017, 10, 16)


def test_scope_posts_are_the_contexts_matched_posts(tmp_path):
    people = [Account(str(i), f"u{i}") for i in range(1, 7)]
    case = Case(people, [
        Tweet("5001", "1", S, "#MeToo it happened"),
        Tweet("5002", "2", S + seconds(60), "RT @u1: it happened", retweeted="5001"),
        Tweet("5003", "3", S + seconds(120), "RT @u2: it happened", retweeted="5002"),
        Tweet("5004", "4", S + seconds(180), "me too", replied_to="5001"),
        Tweet("5005", "5", S + seconds(240), "RT @u4: me too", retweeted="5004"),
        Tweet("5006", "6", S + seconds(300), "nothing to see"),
    ])
    path = case.write(tmp_path / "case.jsonl")
    campaign = Campaign(name="m", main_tag="metoo", phrases=("me too",),
                        origins=(("twitter", "5001"),))
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([path])
        tables = Tables.from_backend(store.ibis)
        scope = Scope(campaign, store.pseudonym_key)
        listed = sorted(scope.posts(tables).post_id.to_pyarrow().to_pylist())
        ctx = Context(tables, scope)
        try:
            cached = sorted(ctx.matched.post_id.to_pyarrow().to_pylist())
        finally:
            ctx.release()
    assert listed == cached == ["5001", "5002", "5004", "5005"]
