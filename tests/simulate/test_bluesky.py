"""The simulated Jetstream file: shaped like the real stream, ids that are real AT Protocol ids
and agree with the times, facets over exact UTF-8 byte ranges, references to records written
before, and the rare cases (odd ``createdAt``, handle changes, posts without facets) planted
and counted."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from helpers import corpus
from simulate.conftest import POSTS, at

from groundswell.simulate.atproto import tid_micros

DID = re.compile(r"did:plc:[a-z2-7]{24}")
TID = re.compile(r"[234567a-j][234567a-z]{12}")
CID = re.compile(r"bafyrei[a-z2-7]{51}[aeimquy4]")
TAG, MENTION = "app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#mention"


@pytest.fixture(scope="module")
def run(simulated):
    return simulated("bluesky-jetstream")


@pytest.fixture(scope="module")
def events(run) -> list[dict]:
    return [obj for _, obj in run.objects()]


def _kind(event: dict) -> str:
    if event["kind"] != "commit":
        return event["kind"]
    c = event["commit"]
    return "delete" if c["operation"] == "delete" else c["collection"].rsplit(".", 1)[1]


def _uri(event: dict) -> str:
    c = event["commit"]
    return f"at://{event['did']}/{c['collection']}/{c['rkey']}"


def _sorted_keys(value) -> bool:
    """Keys sorted at every level, as Jetstream re-encodes a record from CBOR."""
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(map(_sorted_keys, value.values()))
    if isinstance(value, list):
        return all(map(_sorted_keys, value))
    return True


def test_events_are_shaped_like_the_real_stream(events):
    real = [json.loads(line) for line in corpus("bluesky", "jetstream_events_v1.jsonl")
            .read_text().splitlines()]
    shapes = defaultdict(set)
    record_keys = defaultdict(set)
    for e in real:
        body = e.get("commit") or e[e["kind"]]
        shapes[_kind(e)].add((tuple(e), tuple(body)))
        if "record" in body:
            record_keys[_kind(e)].update(body["record"])
    # the corpus's identity event has no handle; Jetstream writes one between did and seq
    ((real_identity, real_body),) = shapes["identity"]
    identity = real_identity, ("did", "handle", "seq", "time")
    assert real_body == ("did", "seq", "time")
    counts = defaultdict(int)
    for e in events:
        kind = _kind(e)
        counts[kind] += 1
        body = e.get("commit") or e[e["kind"]]
        if kind == "identity":
            assert (tuple(e), tuple(body)) == identity
            continue
        assert (tuple(e), tuple(body)) in shapes[kind], kind
        if "record" in body:
            assert set(body["record"]) <= record_keys[kind] | {"via"}
            assert _sorted_keys(body["record"])
    assert counts["post"] > counts["repost"] / 2 > 0 and counts["delete"] >= 1
    assert counts["identity"] >= 1


def test_ids_are_atproto_ids_consistent_with_the_times(events):
    times = [e["time_us"] for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)  # a firehose's order
    last_rev: dict[str, str] = {}
    ordinary = 0
    for e in events:
        assert DID.fullmatch(e["did"])
        if e["kind"] != "commit":
            continue
        c = e["commit"]
        assert TID.fullmatch(c["rkey"]) and TID.fullmatch(c["rev"])
        assert c["rev"] > last_rev.get(e["did"], "")  # a repository's revisions increase
        last_rev[e["did"]] = c["rev"]
        if c["operation"] == "delete":
            continue
        assert CID.fullmatch(c["cid"])
        written = tid_micros(c["rkey"])
        assert written <= e["time_us"] < written + 3_000_000
        claimed = at(c["record"]["createdAt"])
        if claimed <= at("1970-01-01T00:00:00Z") + timedelta(microseconds=e["time_us"]):
            if claimed.year > 2000:  # the client's clock: what the key says, to the ms
                assert written // 1000 == int(claimed.timestamp() * 1000)
                ordinary += 1
    assert ordinary > len(events) * 0.9


def test_references_name_records_written_before(events):
    cids: dict[str, str] = {}
    replies: set[str] = set()
    checked = 0
    for e in events:
        if e["kind"] != "commit" or e["commit"]["operation"] == "delete":
            continue
        record = e["commit"]["record"]
        refs = [record.get("subject"), record.get("via"),
                record.get("embed", {}).get("record")]
        if "reply" in record:
            refs += [record["reply"]["parent"], record["reply"]["root"]]
            assert record["reply"]["root"]["uri"] not in replies  # a thread's first post
            replies.add(_uri(e))
        for ref in filter(None, refs):
            assert cids[ref["uri"]] == ref["cid"]
            checked += 1
        if "subject" in record:
            assert "/app.bsky.feed.post/" in record["subject"]["uri"]
        cids[_uri(e)] = e["commit"]["cid"]
    assert checked > len(cids) / 2


def test_facets_cover_exact_utf8_byte_ranges(events):
    parents: dict[str, str] = {}  # at-uri → its author's did
    tags = mentions = non_ascii = 0
    for e in events:
        if e["kind"] != "commit" or e["commit"]["operation"] == "delete":
            continue
        parents[_uri(e)] = e["did"]
        record = e["commit"]["record"]
        utf8 = record.get("text", "").encode("utf-8")
        for facet in record.get("facets", []):
            i = facet["index"]
            covered = utf8[i["byteStart"]:i["byteEnd"]].decode("utf-8")
            (feature,) = facet["features"]
            if feature["$type"] == TAG:
                assert covered in ("#" + feature["tag"], "\uff03" + feature["tag"])
                tags += 1
                non_ascii += not covered.isascii()
            else:
                assert feature["$type"] == MENTION and covered.startswith("@")
                assert feature["did"] == parents[record["reply"]["parent"]["uri"]]
                assert i["byteStart"] == 0 and re.fullmatch(r"@[a-z0-9.-]+", covered)
                mentions += 1
    assert tags > POSTS // 3 and mentions > 100 and non_ascii > 10


def test_posts_without_facets_are_planted(run, events):
    bare = [e["commit"]["record"] for e in events if _kind(e) == "post"
            and "facets" not in e["commit"]["record"]
            and ("#" in e["commit"]["record"]["text"] or "@" in e["commit"]["record"]["text"]
                 or "\uff03" in e["commit"]["record"]["text"])]
    assert 0.02 * run.truth["posts_by_kind"]["original"] < len(bare)
    assert len(bare) >= run.truth["facetless_posts"] > 100


def test_odd_created_at_values_are_planted_and_counted(run):
    truth = run.truth
    absurd = {o["claimed"][:4] for o in truth["absurd_created_at"]}
    assert {"1970", "0001", "2035"} <= absurd  # the epoch, year 1, ten years ahead
    ahead = [o for o in truth["absurd_created_at"] if o["claimed"][:4] == "2025"]
    assert ahead and all(at(o["claimed"]) - at(o["created_at"]) > timedelta(minutes=10)
                         for o in ahead)  # a wrong time zone
    assert truth["skewed_created_at"]
    for o in truth["skewed_created_at"]:  # a few minutes fast: believed, and kept as claimed
        assert at(o["created_at"]) == at(o["claimed"])
    assert truth["campaign"]["origin_post_ids"][0] not in {
        o["post_id"] for o in truth["absurd_created_at"] + truth["skewed_created_at"]}


def test_handle_changes_are_identity_events_and_mentions_follow_them(run, events):
    changes = run.truth["handle_changes"]
    assert changes and all(c["old"] != c["handle"] for c in changes)
    identity = [(e["did"], e["identity"]["handle"]) for e in events if e["kind"] == "identity"]
    assert identity == [(c["author_id"], c["handle"]) for c in changes]
    renamed = {c["author_id"]: c for c in changes}
    named = set()
    for e in events:
        if _kind(e) != "post":
            continue
        record = e["commit"]["record"]
        for facet in record.get("facets", []):
            (feature,) = facet["features"]
            change = renamed.get(feature.get("did"))
            if change is not None:
                before = e["time_us"] < int((at(change["at"]) - at("1970-01-01T00:00:00Z"))
                                            / timedelta(microseconds=1))
                want = change["old"] if before else change["handle"]
                assert record["text"].startswith("@" + want + " ")
                named.add(before)
    assert named == {True, False}  # the old handle, then the new one
