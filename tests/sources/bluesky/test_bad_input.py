"""Bad Bluesky input loses nothing and says why: broken and incomplete events are quarantined
with their line and reason, records that are not posts are skipped by name, absurd client
times are kept as claims while posts are ordered by when they were seen, and compressed
copies of the real stream give the same tables."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta

import pytest
import zstandard
from helpers import all_rows, corpus

ALICE = "did:plc:alice000000000000000000"
POST = "app.bsky.feed.post"


def at(time_us: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=time_us)


def reasons(store) -> dict[int, str]:
    return dict(store.con.execute("SELECT line, reason FROM quarantine").fetchall())


def without(event: dict, *path: str) -> dict:
    """A copy of ``event`` without the key at ``path``."""
    event = json.loads(json.dumps(event))
    inner = event
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return event


def test_broken_and_incomplete_events_are_quarantined_with_their_reason(make_store, jetstream):
    good = jetstream.post(ALICE, "3aaa", "fine #MeToo")
    real = corpus("bluesky", "jetstream_events_v1.jsonl").read_bytes().splitlines()[1]
    bad_operation = jetstream.post(ALICE, "3aac", "x")
    bad_operation["commit"]["operation"] = "upsert"
    no_active = without(jetstream.account(ALICE, True), "account", "active")
    path = jetstream.write(
        "bad.jsonl",
        good,                                                       # 1
        real[: len(real) // 2],                                     # 2 truncated
        without(jetstream.post(ALICE, "3aab", "x"), "did"),         # 3
        without(jetstream.post(ALICE, "3aab", "x"), "commit", "rkey"),  # 4
        without(jetstream.post(ALICE, "3aab", "x"), "commit", "record", "text"),  # 5
        without(jetstream.repost(ALICE, "3aab", "at://x"), "commit", "record", "subject"),  # 6
        without(jetstream.post(ALICE, "3aab", "x"), "commit"),      # 7
        bad_operation,                                              # 8
        no_active,                                                  # 9
        {**good, "did": "alice"},                                   # 10
        jetstream.post(ALICE, "3aad", "also fine"),                 # 11
    )
    store = make_store()
    summary = store.ingest([path])
    assert summary.quarantined == 9
    found = reasons(store)
    expected = {2: "not valid JSON", 3: "without a valid did", 4: "without a valid rkey",
                5: "post record without text", 6: "repost record without a subject uri",
                7: "commit event without a commit object", 8: "unknown commit operation 'upsert'",
                9: "account event without a boolean 'active'", 10: "did is not a DID"}
    assert set(found) == set(expected)
    for line, words in expected.items():
        assert words in found[line], (line, found[line])
    assert all(reason.startswith("bluesky: ") for line, reason in found.items() if line != 2)
    assert sorted(r[0] for r in store.con.execute("SELECT post_id FROM posts").fetchall()) == [
        f"at://{ALICE}/{POST}/3aaa", f"at://{ALICE}/{POST}/3aad"]


def test_records_that_are_not_posts_are_skipped_by_name(make_store, jetstream):
    def record_of(collection: str, operation: str = "create") -> dict:
        event = jetstream.post(ALICE, "3aaa", "x", operation=operation)
        event["commit"]["collection"] = collection
        return event

    events = [record_of("app.bsky.feed.like"), record_of("app.bsky.graph.follow", "delete"),
              record_of("fm.teal.alpha.feed.play"), record_of("com.whtwnd.blog.entry"),
              {**jetstream.post(ALICE, "3aaa", "x"), "kind": "sync"}]
    store = make_store()
    summary = store.ingest([jetstream.write("others.jsonl", *events)])
    assert summary.skipped == {"bluesky app.bsky.feed.like (not a post)": 1,
                               "bluesky app.bsky.graph.follow (not a post)": 1,
                               "bluesky record of another app (not a post)": 2,
                               "bluesky sync event (not a post)": 1}
    assert summary.quarantined == 0 and store.count("posts") == 0


@pytest.mark.parametrize(("claim", "claimed"), [
    ("1970-01-01T00:00:00.000Z", datetime(1970, 1, 1)),
    ("0001-01-01T00:00:00Z", datetime(1, 1, 1)),
    ("next year", None),
    ("0000-10-14T15:06:10.730Z", None),  # a real one: no datetime at all
    ("yesterday", None),
])
def test_absurd_client_times_are_kept_as_claims(make_store, jetstream, claim, claimed):
    t = jetstream.time_us
    if claim == "next year":
        claimed = at(t).replace(microsecond=0) + timedelta(days=365)
        claim = claimed.isoformat() + "Z"
    event = jetstream.post(ALICE, "3aaa", "when?", created_at=claim)
    store = make_store()
    assert store.ingest([jetstream.write("times.jsonl", event)]).quarantined == 0
    assert store.con.execute("SELECT created_at, claimed_at FROM posts").fetchall() == [
        (at(t), claimed)]


def test_a_punctual_claim_is_the_posts_time(make_store, jetstream):
    t = jetstream.time_us
    event = jetstream.post(ALICE, "3aaa", "on time", created_at="2026-07-04T14:30:00+02:00")
    store = make_store()
    store.ingest([jetstream.write("times.jsonl", event)])
    assert store.con.execute("SELECT created_at, claimed_at FROM posts").fetchall() == [
        (datetime(2026, 7, 4, 12, 30), datetime(2026, 7, 4, 12, 30))]
    assert at(t) - datetime(2026, 7, 4, 12, 30) > timedelta(hours=2)  # long before it was seen


@pytest.mark.parametrize("codec", ["gz", "zst"])
def test_compressed_copies_of_the_real_stream_give_the_same_tables(make_store, tmp_path, codec):
    path = corpus("bluesky", "jetstream_events_v1.jsonl")
    compress = gzip.compress if codec == "gz" else zstandard.ZstdCompressor().compress
    packed = tmp_path / f"{path.name}.{codec}"
    packed.write_bytes(compress(path.read_bytes()))

    def tables(source, label: str) -> dict:
        store = make_store(label)
        summary = store.ingest([source])
        rows = all_rows(store)
        for table in ("posts", "deletions", "post_versions"):
            rows[table] = sorted(store.con.execute(
                f"SELECT * EXCLUDE (source_file) FROM {table}").fetchall(), key=repr)
        return {"rows": rows, "skipped": summary.skipped, "seen": summary.posts_seen}

    plain = tables(path, "plain")
    assert plain["rows"]["posts"] and plain["rows"]["deletions"]
    assert tables(packed, "packed") == plain


def test_a_cut_compressed_stream_keeps_what_came_before(make_store, tmp_path):
    path = corpus("bluesky", "jetstream_events_v1.jsonl")
    packed = gzip.compress(path.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    store = make_store()
    summary = store.ingest([cut])
    assert summary.quarantined == 1 and "ends early" in next(iter(reasons(store).values()))
    assert 0 < store.count("posts") < 32
