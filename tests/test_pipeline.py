"""End to end: simulate a campaign, ingest it, and recover the planted ground truth exactly, in
every simulated format (a Mastodon file with the server it was collected from)."""

from __future__ import annotations

import gzip
import json
from datetime import datetime

import pytest

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.simulate import simulate

FORMATS = ("twitter-v2", "twitter-v1", "bluesky-jetstream", "mastodon")


@pytest.fixture(scope="module", params=FORMATS)
def pipeline(request, tmp_path_factory):
    fmt = request.param
    folder = tmp_path_factory.mktemp(fmt)
    data = folder / "c.jsonl.gz"
    truth = simulate(8_000, fmt=fmt, seed=11, out=data)
    store = Store(folder / "c.duckdb")
    summary = store.ingest([data], server=truth.get("server"))
    yield truth, store, summary, data
    store.close()


def _rows(store: Store, sql: str, *params) -> list[tuple]:
    return store.con.execute(sql, list(params)).fetchall()


def test_ingest_summary_matches_what_was_planted(pipeline):
    truth, store, summary, _ = pipeline
    assert summary.lines == truth["lines"]
    assert summary.quarantined == truth["malformed_lines"] >= 1
    assert summary.posts_added - summary.deleted == truth["posts"]
    assert summary.deleted == truth["deleted"] >= 1
    assert store.count("posts") == truth["posts"]


def test_report_recovers_truth(pipeline):
    truth, store, _, _ = pipeline
    report = store.report()["magnitude"]
    assert report["posts"] == truth["posts"]
    assert report["posts_by_kind"] == truth["posts_by_kind"]
    assert report["accounts"] == truth["accounts"]
    assert report["first_post"] == truth["first_post"]
    assert report["last_post"] == truth["last_post"]


def test_hashtags_recover_truth(pipeline):
    truth, store, _, _ = pipeline
    table = store.hashtags(top=None)
    assert dict(zip(table["tag"], table["posts"], strict=True)) == truth["tag_posts"]
    assert dict(zip(table["tag"], table["accounts"], strict=True)) == truth["tag_accounts"]
    (response,) = store.report(campaign=campaign_from_truth(truth))["response_tags"]
    assert response["posts"] == truth["response_tag_posts"]


def test_a_post_carries_each_tag_once(pipeline):
    _, store, _, _ = pipeline
    assert _rows(store, "SELECT count(*) FROM (SELECT DISTINCT platform, post_id, tag FROM "
                        "post_hashtags)") == _rows(store, "SELECT count(*) FROM post_hashtags")


def test_campaign_tags_scope_matches_truth(pipeline):
    """Main tag + variants, no phrase: posts carrying them plus reposts of those."""
    truth, store, _, _ = pipeline
    tags = [truth["campaign"]["main_tag"], *truth["campaign"]["variants"]]
    direct = store.con.execute(
        "SELECT DISTINCT post_id FROM post_hashtags WHERE tag IN (SELECT unnest(?))", [tags]
    ).fetchall()
    direct = {r[0] for r in direct}
    rows = _rows(store, "SELECT post_id, author_id, kind, repost_of_post_id FROM posts")
    kind = {r[0]: r[2] for r in rows}
    matched = [r for r in rows if r[0] in direct
               or (r[2] == "repost" and r[3] in direct and kind[r[3]] != "repost")]
    report = store.report(tags, ["magnitude"])["magnitude"]
    assert report["posts"] == len(matched)
    assert report["accounts"] == len({r[1] for r in matched})


def test_campaign_report_recovers_truth(pipeline):
    """The planted campaign measured: people, the call to action, public figures (none on
    Bluesky, whose stream has no profiles), first appearances."""
    truth, store, _, _ = pipeline
    report = store.report(campaign=campaign_from_truth(truth))
    m = report["magnitude"]
    assert (m["posts"], m["posts_by_kind"]) == (truth["matched_posts"],
                                                truth["matched_posts_by_kind"])
    assert (m["participants"], m["amplifiers"]) == (truth["participants"], truth["amplifiers"])
    c = report["call_to_action"]
    assert c["origin_found"] is True
    assert (c["replies"], c["replies_with_phrase"]) == (
        truth["replies_to_origin"], truth["replies_to_origin_with_phrase"])
    got = [(j["author_id"], j["account"], j["followers"], j["first_post_at"])
           for j in report["spread"]["notable_joiners"]]
    assert got == [(j["author_id"], "@" + j["handle"], j["followers"], j["first_post_at"])
                   for j in truth["notable_joiners"]]
    assert bool(got) == (truth["platform"] != "bluesky")
    starts = {v["tag"]: v["first_post_at"] for v in report["spread"]["variants"]}
    assert {t: starts[t] for t in truth["variant_starts"]} == truth["variant_starts"]
    (response,) = report["response_tags"]
    assert (response["first_post_at"], response["accounts"]) == (
        truth["response_tag_start"], truth["response_tag_accounts"])


def _us(iso: str) -> datetime:
    return datetime.fromisoformat(iso.removesuffix("Z"))


@pytest.mark.parametrize("pipeline", ["bluesky-jetstream"], indirect=True)
def test_bluesky_times_and_handles_are_the_stores(pipeline):
    """An implausible ``createdAt`` is kept as claimed and the post ordered by when Jetstream
    saw it; a clock a few minutes fast is believed; identity events are handle changes."""
    truth, store, _, _ = pipeline
    odd = {o["post_id"]: o for o in truth["absurd_created_at"]}
    differs = _rows(store, "SELECT post_id, created_at, claimed_at FROM posts "
                           "WHERE claimed_at IS DISTINCT FROM created_at")
    assert {r[0] for r in differs} == set(odd) and len(odd) >= 4
    for post_id, created, claimed in differs:
        assert created == _us(odd[post_id]["created_at"])
        assert claimed == _us(odd[post_id]["claimed"])
    for o in truth["skewed_created_at"]:
        assert _rows(store, "SELECT created_at, claimed_at FROM posts WHERE post_id = ?",
                     o["post_id"]) == [(_us(o["created_at"]), _us(o["claimed"]))]
    assert sorted(_rows(store, "SELECT author_id, handle, first_seen, last_seen FROM handles")
                  ) == sorted((c["author_id"], c["handle"], _us(c["at"]), _us(c["at"]))
                              for c in truth["handle_changes"])
    for c in truth["handle_changes"]:
        assert _rows(store, "SELECT handle FROM accounts WHERE author_id = ?",
                     c["author_id"]) == [(c["handle"],)]


@pytest.mark.parametrize("pipeline", ["mastodon"], indirect=True)
def test_mastodon_edits_languages_servers_and_links(pipeline):
    """Each edit one version, the newest text kept; posts without a language; authors keyed
    name@domain; every reply and quote resolved from the server's ids to the post's uri."""
    truth, store, _, data = pipeline
    assert _rows(store, "SELECT count(*), count(DISTINCT post_id) FROM post_versions") == [
        (truth["edits"], truth["edits"])]
    assert sorted(r[0] for r in _rows(store, "SELECT post_id FROM post_versions")) == \
        truth["edited_post_ids"]
    with gzip.open(data, "rt", encoding="utf-8") as lines:
        edits = [json.loads(m["payload"]) for m in map(json.loads, filter(
            lambda line: '"event":"status.update"' in line, lines))]
    for status in edits:  # the stored tags are the edited status's
        assert {r[0] for r in _rows(store, "SELECT tag FROM post_hashtags WHERE post_id = ?",
                                    status["uri"])} == {t["name"] for t in status["tags"]}
    assert _rows(store, "SELECT count(*) FROM posts WHERE lang IS NULL") == [
        (truth["null_language_posts"],)]
    server = truth["server"]
    assert _rows(store, "SELECT count(DISTINCT author_id) FROM posts WHERE author_id NOT LIKE ?",
                 f"%@{server}") == [(truth["remote_accounts"],)]
    assert _rows(store, "SELECT count(*) FROM posts WHERE (kind = 'reply' AND "
                        "reply_to_post_id NOT LIKE 'https://%') OR (kind = 'quote' AND "
                        "quote_of_post_id NOT LIKE 'https://%')") == [(0,)]
