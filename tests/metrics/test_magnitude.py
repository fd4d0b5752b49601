"""Magnitude and co-tags checked against plain Python over the same rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from helpers import corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell import Store, api

FILES = [("twarc2", "brexit.jsonl"), ("twarc2", "flat.jsonl"),
         ("twitter-v1", "python_twitter_streaming_lines.jsonl"),
         ("twitter-v1", "tweet_parser_public_api_sample.jsonl")]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("m") / "m.duckdb")
    store.ingest([corpus(*f) for f in FILES])
    posts = store.con.execute(
        "SELECT post_id, author_id, created_at, kind, repost_of_post_id FROM posts").fetchall()
    tags = defaultdict(set)
    for post_id, tag in store.con.execute("SELECT post_id, tag FROM post_hashtags").fetchall():
        tags[post_id].add(tag)
    return store, posts, tags


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds") + "Z"


def expected(posts, tags, scope: set[str]):
    """Posts carrying a scope tag, plus reposts of such posts (the campaign matching rule)."""
    direct = {p[0] for p in posts if tags[p[0]] & scope}
    kind = {p[0]: p[3] for p in posts}
    rows = [p for p in posts if not scope or p[0] in direct
            or (p[3] == "repost" and p[4] in direct and kind[p[4]] != "repost")]
    hours = Counter(p[2].replace(minute=0, second=0, microsecond=0) for p in rows)
    peak = min(hours, key=lambda h: (-hours[h], h))
    return rows, {
        "posts": len(rows),
        "accounts": len({p[1] for p in rows}),
        "first_post": iso(min(p[2] for p in rows)),
        "last_post": iso(max(p[2] for p in rows)),
        "peak_hour": iso(peak),
        "peak_hour_posts": hours[peak],
        "posts_by_kind": {k: sum(p[3] == k for p in rows)
                          for k in ("original", "reply", "quote", "repost")},
    }


@pytest.mark.parametrize("scope", [set(), {"brexit"}, {"brexit", "borisjohnson"}])
def test_magnitude_matches_plain_python(loaded, scope):
    store, posts, tags = loaded
    _, want = expected(posts, tags, scope)
    got = store.report(sorted(scope), ["magnitude"])["magnitude"]
    assert {k: got[k] for k in want} == want


def test_milestones_are_hours_to_the_nth_post(loaded):
    store, posts, _ = loaded
    got = store.report(None, ["magnitude"])["magnitude"]["hours_to_posts"]
    times = sorted(p[2] for p in posts)
    assert len(times) < 1000 and got["1000"] is None
    # the metric itself on a smaller milestone, via the same code path
    from groundswell.metrics import magnitude

    magnitude.MILESTONES, saved = (100,), magnitude.MILESTONES
    try:
        small = store.report(None, ["magnitude"])["magnitude"]["hours_to_posts"]["100"]
    finally:
        magnitude.MILESTONES = saved
    assert small == round((times[99] - times[0]).total_seconds() / 3600, 2)


@settings(max_examples=40, deadline=None)
@given(seconds=st.lists(st.one_of(st.none(), st.sampled_from([0, 3599, 3600, 7200]),
                                  st.integers(0, 20_000)), max_size=300),
       ns=st.lists(st.integers(1, 320), min_size=1, max_size=6, unique=True))
def test_nth_times_equal_sorting_every_row(seconds, ns):
    """Milestone times come from per-hour counts and one hour's rows: they must equal the n-th
    of all the times sorted (ties, empty hours, hour boundaries, nulls, n past the end)."""
    import ibis
    import pyarrow as pa

    from groundswell.metrics.magnitude import _nth_times

    start = datetime(2017, 10, 15)
    times = [None if s is None else start + timedelta(seconds=s) for s in seconds]
    table = ibis.memtable(pa.table({"at": pa.array(times, pa.timestamp("us"))}))
    ordered = sorted(t for t in times if t is not None)
    want = {n: ordered[n - 1] if n <= len(ordered) else None for n in ns}
    assert _nth_times(table, "at", tuple(ns)) == want


def test_cotags_exclude_scope_and_count_distinct_posts(loaded):
    store, posts, tags = loaded
    rows, _ = expected(posts, tags, {"brexit"})
    author = {p[0]: p[1] for p in posts}
    count, accounts = Counter(), defaultdict(set)
    for post_id, *_ in rows:
        for tag in tags[post_id] - {"brexit"}:
            count[tag] += 1
            accounts[tag].add(author[post_id])
    want = sorted(count, key=lambda t: (-count[t], t))[:10]
    got = store.report(["#Brexit"], ["cotags"])["cotags"]
    assert [r["tag"] for r in got] == want
    assert all(r["posts"] == count[r["tag"]] and r["accounts"] == len(accounts[r["tag"]])
               for r in got)


def test_hashtag_table(loaded):
    store, posts, tags = loaded
    count = Counter(t for ts in tags.values() for t in ts)
    table = store.hashtags(top=None)
    assert dict(zip(table["tag"], table["posts"], strict=True)) == dict(count)


def test_frames_expose_every_table_of_the_report(loaded):
    store, posts, _ = loaded
    # small-cell suppression off ([privacy] min_cell = 1): the frames are the report's numbers
    exact = replace(api.campaign_of(tags=["brexit"]), privacy_k=1)
    frames = store.frames(campaign=exact)
    assert frames["magnitude"].loc[0, "posts"] == store.report(["brexit"])["magnitude"]["posts"]
    hourly = frames["magnitude.hourly"]
    assert list(hourly.columns[:3]) == ["hour", "posts", "new_participants"]
    assert hourly["posts"].sum() == frames["magnitude"].loc[0, "posts"]
    assert {"spread.first_participants", "cascades.repost", "cotags"} <= set(frames)
    # by default (k = 10) the frames are published: the sparse hours' posts are "<10" or
    # withheld (object columns), the others the report's numbers
    published = store.frames(["brexit"])["magnitude.hourly"]
    assert set(published["hour"]) == set(hourly["hour"])
    shown = published[published["posts"].map(lambda v: isinstance(v, int))]
    assert len(shown) < len(published) and "<10" in set(published["posts"].map(str))
    raw = dict(zip(hourly["hour"], hourly["posts"], strict=True))
    assert all(raw[h] == n for h, n in zip(shown["hour"], shown["posts"], strict=True))
