"""End to end: simulate a campaign, ingest it, and recover the planted ground truth exactly."""

from __future__ import annotations

import pytest

from groundswell import Store
from groundswell.simulate import simulate


@pytest.fixture(scope="module", params=["twitter-v2", "twitter-v1"])
def pipeline(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    truth = simulate(8_000, fmt=request.param, seed=11, out=folder / "c.jsonl.gz")
    store = Store(folder / "c.duckdb")
    summary = store.ingest([folder / "c.jsonl.gz"])
    yield truth, store, summary
    store.close()


def test_ingest_summary_matches_what_was_planted(pipeline):
    truth, store, summary = pipeline
    assert summary.lines == truth["lines"]
    assert summary.quarantined == truth["malformed_lines"] >= 1
    assert summary.posts_added - summary.deleted == truth["posts"]
    assert summary.deleted == truth["deleted"] >= 1
    assert store.count("posts") == truth["posts"]


def test_report_recovers_truth(pipeline):
    truth, store, _ = pipeline
    report = store.report()["magnitude"]
    assert report["posts"] == truth["posts"]
    assert report["posts_by_kind"] == truth["posts_by_kind"]
    assert report["accounts"] == truth["accounts"]
    assert report["first_post"] == truth["first_post"]
    assert report["last_post"] == truth["last_post"]


def test_hashtags_recover_truth(pipeline):
    truth, store, _ = pipeline
    table = store.hashtags(top=None)
    assert dict(zip(table["tag"], table["posts"], strict=True)) == truth["tag_posts"]
    assert dict(zip(table["tag"], table["accounts"], strict=True)) == truth["tag_accounts"]


def test_campaign_tags_scope_matches_truth(pipeline):
    """Main tag + variants, no phrase: posts carrying them plus reposts of those."""
    truth, store, _ = pipeline
    tags = [truth["campaign"]["main_tag"], *truth["campaign"]["variants"]]
    direct = store.con.execute(
        "SELECT DISTINCT post_id FROM post_hashtags WHERE tag IN (SELECT unnest(?))", [tags]
    ).fetchall()
    direct = {r[0] for r in direct}
    posts = store.con.execute("SELECT post_id, author_id, kind, repost_of_post_id FROM posts")
    kind = {}
    rows = posts.fetchall()
    kind = {r[0]: r[2] for r in rows}
    matched = [r for r in rows if r[0] in direct
               or (r[2] == "repost" and r[3] in direct and kind[r[3]] != "repost")]
    report = store.report(tags, ["magnitude"])["magnitude"]
    assert report["posts"] == len(matched)
    assert report["accounts"] == len({r[1] for r in matched})
