"""The rules for one post or repost record, whatever envelope it came in: kind, language,
conversation, tags, and the ids and times of :mod:`groundswell.sources.bluesky.names`."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from helpers import corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.ingest.batch import Batch
from groundswell.schema import POST_COLUMNS
from groundswell.sources.base import RecordError
from groundswell.sources.bluesky import names, records
from groundswell.sources.bluesky.richtext import hashtags

ALICE = "did:plc:alice000000000000000000"
BOB = "did:plc:bob00000000000000000000"
ME = f"at://{ALICE}/app.bsky.feed.post/3aaa"
THEIRS = f"at://{BOB}/app.bsky.feed.post/3bbb"
ROOT = f"at://{BOB}/app.bsky.feed.post/3root"
STARTER_PACK = f"at://{BOB}/app.bsky.graph.starterpack/3sp"


def read(record: dict) -> tuple[dict, list[str]]:
    """The post row a record gives, and the problems it raised."""
    batch = Batch()
    records.post(batch, ME, ALICE, {"text": "hi", **record}, None)
    [row] = batch.posts
    return dict(zip(POST_COLUMNS, row, strict=True)), batch._problems


def ref(uri: str) -> dict:
    return {"uri": uri, "cid": "bafy"}


@pytest.mark.parametrize(("record", "kind", "columns"), [
    ({}, "original", {"conversation_id": ME}),
    ({"reply": {"parent": ref(THEIRS), "root": ref(ROOT)}}, "reply",
     {"reply_to_post_id": THEIRS, "reply_to_author_id": BOB, "conversation_id": ROOT}),
    ({"embed": {"$type": "app.bsky.embed.record", "record": ref(THEIRS)}}, "quote",
     {"quote_of_post_id": THEIRS, "conversation_id": ME}),
    ({"embed": {"$type": "app.bsky.embed.recordWithMedia", "record": {"record": ref(THEIRS)},
                "media": {"$type": "app.bsky.embed.images", "images": []}}}, "quote",
     {"quote_of_post_id": THEIRS}),
    ({"embed": {"$type": "app.bsky.embed.record", "record": ref(STARTER_PACK)}}, "original",
     {"quote_of_post_id": None}),
    ({"embed": {"$type": "app.bsky.embed.images", "images": []}}, "original", {}),
    ({"reply": {"parent": ref(THEIRS), "root": ref(ROOT)},
      "embed": {"$type": "app.bsky.embed.record", "record": ref(ROOT)}}, "reply",
     {"quote_of_post_id": ROOT}),  # a reply that quotes is a reply (schema.KINDS) and
    # names what it quotes, as on Twitter and Mastodon
    ({"reply": {"parent": {"uri": "at://bob.test/app.bsky.feed.post/3x"}}}, "reply",
     {"reply_to_author_id": None, "conversation_id": None}),  # a handle, no DID; no root
])
def test_kinds_and_what_they_point_at(record, kind, columns):
    row, problems = read(record)
    assert row["kind"] == kind and problems == []
    for column, value in columns.items():
        assert row[column] == value, column


def test_a_reply_without_a_parent_is_kept_and_said():
    row, problems = read({"reply": {"root": ref(ROOT)}})
    assert row["kind"] == "original" and row["conversation_id"] == ME
    assert problems == ["bluesky: reply without a parent uri (kept as a post that answers "
                        "none)"]


@pytest.mark.parametrize(("langs", "lang"), [(["fr-FR", "en"], "fr-FR"), ([], None),
                                             ("en", None), ([3], None), ([""], None)])
def test_language_is_the_first_of_langs(langs, lang):
    assert read({"langs": langs})[0]["lang"] == lang


def test_records_that_cannot_be_posts():
    for record, words in (({"text": None}, "without text"), ({"text": 5}, "text is a int")):
        with pytest.raises(RecordError, match=words):
            records.post(Batch(), ME, ALICE, record, None)
    for record in ({}, {"subject": "x"}, {"subject": {"uri": ""}}, {"subject": {"uri": 5}}):
        with pytest.raises(RecordError, match="subject uri"):
            records.repost(Batch(), ME, ALICE, record, None)


@settings(deadline=None)
@given(st.text(st.sampled_from("ab #＃$@A1 \n\u3000")),
       st.sampled_from([{}, {"facets": []}, {"facets": None}, {"tags": ["x"]},
                        {"facets": [{"index": {"byteStart": 0, "byteEnd": 1},
                                     "features": [{"$type": "app.bsky.richtext.facet#tag",
                                                   "tag": "t"}]}]}]))
def test_the_shortcut_finds_the_tags_richtext_finds(text, extra):
    record = {"text": text, **extra}
    assert records.tags_of(record, text) == hashtags(record)


def test_the_shortcut_on_every_real_record():
    folder = corpus("bluesky")
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("text"), str) and "createdAt" in value:
                found.append(value)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for line in (folder / "jetstream_events_v1.jsonl").read_text().splitlines():
        walk(json.loads(line))
    for name in ("bluesky-posts.json", "bluesky-firehose-posts.json", "bluesky-tap-posts.json"):
        walk(json.loads((folder / "twitwi" / name).read_text()))
    assert len(found) > 150
    assert [records.tags_of(r, r["text"]) for r in found] == [hashtags(r) for r in found]


def test_ids_and_times():
    assert names.parts("at://did:plc:x/app.bsky.feed.post/3k") == (
        "did:plc:x", "app.bsky.feed.post", "3k")
    for uri in ("https://x/y/z", "at://did:plc:x/app.bsky.feed.post", "at://a//b", 5, None):
        assert names.parts(uri) is None
    assert names.author_of("at://bob.test/app.bsky.feed.post/3k") is None
    assert [names.is_rkey(k) for k in ("3kbpuogc6fz2o", "self", ".", "..", "", "a/b",
                                       "x" * 513)] == [True, True] + [False] * 5
    assert [names.is_did(d) for d in ("did:plc:abc", "did:web:example.com", "did:", "plc:x",
                                      "did:plc:a/b", None)] == [True, True] + [False] * 4
    # a record key written by the PDS is a TID: the time it was written
    assert names.tid_time("3kbpuogc6fz2o") == datetime(2023, 10, 14, 15, 16, 37, 389695)
    assert names.tid_time("2222222222222") is None  # 1970: not a time Bluesky wrote
    assert names.tid_time("self") is names.tid_time("zzzzzzzzzzzzz") is None
    assert names.microseconds_time(1783175888085434) == datetime(2026, 7, 4, 14, 38, 8, 85434)
    assert names.microseconds_time(True) is names.microseconds_time(10**30) is None
    assert names.microseconds_time(float("nan")) is None
