"""The campaign filter of ``watch bluesky``: what it keeps, event by event, agrees with the
store's own reading of the same events (tags as post_hashtags, phrases as the matching rule)."""

from __future__ import annotations

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pytest
from watch.jetstream_replay import real_lines, straight

from groundswell.api import Store
from groundswell.campaign import Campaign, Variant
from groundswell.scope.matching import phrase_pattern
from groundswell.simulate import simulate
from groundswell.watch import known
from groundswell.watch.keep import Keep, KeepAll, phrase_regex
from groundswell.watch.known import KnownSet

A = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
B = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
C = "did:plc:cccccccccccccccccccccccc"
POST, REPOST = "app.bsky.feed.post", "app.bsky.feed.repost"
ORIGIN = f"at://{C}/{POST}/3origin"
CAMPAIGN = Campaign(name="t", main_tag="metoo", variants=(Variant("yotambien"),),
                    response_tags=("ibelieveyou",), phrases=("me too",),
                    origins=(("bluesky", ORIGIN), ("twitter", "123")))


def uri(did: str, rkey: str, collection: str = POST) -> str:
    return f"at://{did}/{collection}/{rkey}"


def commit(did: str, rkey: str, record: dict | None = None, collection: str = POST,
           operation: str = "create") -> dict:
    body = {"rev": "3rev", "operation": operation, "collection": collection, "rkey": rkey}
    if record is not None:
        body["record"] = record
    return {"did": did, "time_us": 1_760_000_000_000_000, "kind": "commit", "commit": body}


def post(did: str, rkey: str, text: str, reply_to: str | None = None, root: str | None = None,
         **extra: object) -> dict:
    record: dict = {"$type": POST, "createdAt": "2025-10-15T20:00:00Z", "text": text, **extra}
    if reply_to is not None:
        record["reply"] = {"parent": {"uri": reply_to, "cid": "x"},
                           "root": {"uri": root or reply_to, "cid": "x"}}
    return commit(did, rkey, record)


def repost(did: str, rkey: str, subject: str) -> dict:
    return commit(did, rkey, {"$type": REPOST, "createdAt": "2025-10-15T20:00:00Z",
                              "subject": {"uri": subject, "cid": "x"}}, REPOST)


def identity(did: str, handle: str) -> dict:
    return {"did": did, "time_us": 1, "kind": "identity",
            "identity": {"did": did, "handle": handle, "seq": 1, "time": "2025-10-15T20:00:00Z"}}


def take(keep: Keep, event: object) -> list[bytes]:
    raw = orjson.dumps(event) if isinstance(event, dict) else b"garbage"
    return [kept for kept, _ in keep.take(event, raw, 7)]


def kept(keep: Keep, event: dict) -> bool:
    return bool(take(keep, event))


def test_tags_written_any_way_keep_a_post():
    keep = Keep(CAMPAIGN)
    assert kept(keep, post(A, "1", "so #MeToo"))  # no facets: found in the text
    assert kept(keep, post(A, "2", "#ＭｅＴｏｏ ok"))  # full-width, normalised
    assert kept(keep, post(A, "3", "x", tags=["YoTambien"]))  # outline tags
    assert kept(keep, post(A, "4", "I believe you", facets=[{
        "index": {"byteStart": 0, "byteEnd": 1},
        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "IBelieveYou"}]}]))
    assert not kept(keep, post(A, "5", "#metoomuch and #nba"))
    # facets are believed: a client that wrote facets without the tag is not second-guessed
    assert not kept(keep, post(A, "6", "#metoo", facets=[{
        "index": {"byteStart": 0, "byteEnd": 1},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x"}]}]))


def test_threads_reposts_and_deletes_of_kept_posts_are_kept():
    keep = Keep(CAMPAIGN)
    tagged = uri(A, "1")
    assert kept(keep, post(A, "1", "#metoo"))
    assert kept(keep, post(B, "2", "same", reply_to=tagged))  # parent kept
    assert kept(keep, post(C, "3", "deeper", reply_to=uri(B, "2"), root=tagged))
    assert kept(keep, post(C, "4", "deeper still", reply_to=uri(C, "3"), root=uri(B, "9")))
    assert not kept(keep, post(C, "5", "elsewhere", reply_to=uri(B, "404")))
    assert kept(keep, repost(B, "r1", tagged))
    assert kept(keep, repost(B, "r2", uri(C, "3")))
    assert not kept(keep, repost(B, "r3", uri(C, "5")))
    assert kept(keep, commit(B, "r1", collection=REPOST, operation="delete"))
    assert kept(keep, commit(A, "1", operation="delete"))
    assert not kept(keep, commit(C, "5", operation="delete"))
    # an edit of a kept post is kept even when it drops the tag
    assert kept(keep, commit(A, "1", {"$type": POST, "text": "edited"}, operation="update"))
    # an edit that adds the tag keeps a post never seen before
    assert kept(keep, commit(C, "6", {"$type": POST, "text": "now #metoo"},
                             operation="update"))


def test_the_origin_and_the_phrase_in_replies_to_it():
    keep = Keep(CAMPAIGN)
    assert kept(keep, post(C, "3origin", "write me too as a reply"))  # no tag: the origin
    assert kept(keep, post(A, "1", "Me  too.", reply_to=ORIGIN))
    assert not kept(keep, post(A, "2", "me too"))  # not a reply to the origin
    everywhere = Keep(Campaign(name="t", main_tag="metoo", phrases=("me too",),
                               phrases_only_in_replies_to_origin=False))
    assert kept(everywhere, post(A, "3", "ME\u00a0TOO, sadly"))
    assert not kept(everywhere, post(A, "4", "me tool"))
    assert not kept(everywhere, post(A, "5", "me_too"))


@pytest.mark.parametrize("text", [
    "me too", "Me too!", "xme too", "me tooth", "me\ttoo", "me\u2003too", "me\u0085too",
    "me\x0btoo", "(me too)", "me too_", "me too2", "2me too", "é me too é", "éme too",
    "me\u200btoo", "me too\n", "\nme too", "me  \n too", "ME TOO", "me-too", "me\u3000too",
])
def test_phrases_match_as_the_store_matches(text):
    expected = duckdb.execute("SELECT regexp_matches(lower(?), ?)",
                              [text, phrase_pattern("me too")]).fetchall()[0][0]
    assert bool(phrase_regex("me too").search(text.lower())) == expected


def test_account_events_follow_their_authors_and_are_held_until_then():
    keep = Keep(CAMPAIGN, held_accounts=2)
    early = identity(A, "a.example")
    assert take(keep, early) == []  # A has authored nothing kept yet: held
    assert take(keep, identity(B, "b.example")) == []
    status = {"did": A, "time_us": 2, "kind": "account", "account": {"active": True}}
    assert take(keep, status) == []
    first = post(A, "1", "#metoo")
    assert take(keep, first) == [orjson.dumps(early), orjson.dumps(status), orjson.dumps(first)]
    assert kept(keep, identity(A, "a2.example"))  # from now on, as they come
    assert take(keep, identity(C, "c.example")) == []  # held...
    assert take(keep, identity(B, "b2.example")) == []
    assert take(keep, identity(A, "zz")) != []
    assert take(keep, identity(C, "c2.example")) == []  # ...B is now the oldest held
    keep.held_accounts = 1
    assert take(keep, identity("did:plc:dddddddddddddddddddddddd", "d.example")) == []
    assert len(take(keep, post(C, "1", "#metoo"))) == 1  # C's held events were forgotten
    assert len(take(keep, post(B, "1", "#metoo"))) == 1  # and B's


def test_what_cannot_be_judged_is_kept_and_what_is_not_the_campaigns_is_dropped():
    keep = Keep(CAMPAIGN)
    for unreadable in (
        "not an object",
        {"kind": "commit"},  # no did, no commit
        commit("not-a-did", "1", {"text": "x"}),
        commit(A, "no/slash", {"text": "x"}),
        commit(A, "1"),  # a create without a record
        commit(A, "1", {"$type": POST}),  # a post without text
        commit(A, "1", {"text": "x"}, operation="upsert"),
        commit(A, "1", {"$type": REPOST}, REPOST),  # a repost without a subject
        {"did": A, "kind": "identity", "identity": "x"},
        {"did": 5, "kind": "account", "account": {"active": True}},
        {"did": A, "kind": 7},
    ):
        assert kept(keep, unreadable), unreadable
    assert not kept(keep, commit(A, "1", {"subject": "x"}, "app.bsky.feed.like"))
    assert not kept(keep, {"did": A, "time_us": 1, "kind": "sync", "sync": {}})
    assert KeepAll().take(None, b"x", 3) == [(b"x", 3)]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keep")
    simulate(3000, fmt="bluesky-jetstream", seed=11, out=tmp / "s.jsonl")
    lines = [line for line in (tmp / "s.jsonl").read_bytes().splitlines() if line.strip()]
    return tmp, lines, Campaign.load(tmp / "s.campaign.toml")


def test_tags_agree_with_the_stores_post_hashtags(simulated):
    """Every post create of the simulated campaign (mixed case, full-width, facetless posts)
    and of the real stream: kept by tag exactly when the store gives it a campaign tag."""
    tmp, lines, campaign = simulated
    real = real_lines()
    with Store(straight(tmp, "both", [*lines, *real]), read_only=True) as store:
        real_tags = [t for t, in store.con.execute(
            "SELECT DISTINCT tag FROM post_hashtags WHERE post_id IN (SELECT unnest(?))",
            [[_uri(e) for e in map(orjson.loads, real) if _is_post(e)]]).fetchall()]
        assert real_tags  # the real stream carries tags to agree on
        for name, stream, tags in (("simulated", lines, campaign.tags),
                                   ("real", real, tuple(real_tags[:3]))):
            keep = Keep(Campaign(name=name, main_tag=tags[0],
                                 variants=tuple(Variant(t) for t in tags[1:])))
            tagged = {p for p, in store.con.execute(
                "SELECT post_id FROM post_hashtags WHERE tag IN (SELECT unnest(?))",
                [list(tags)]).fetchall()}
            deleted = {p for p, in store.con.execute("SELECT post_id FROM deletions").fetchall()}
            events = [e for e in map(_loads, stream) if _is_post(e) and _uri(e) not in deleted]
            assert events
            for event in events:
                assert keep.matches(event["commit"]["record"]) == (_uri(event) in tagged)


def _loads(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _is_post(event: object) -> bool:
    return isinstance(event, dict) and event.get("kind") == "commit" \
        and event["commit"].get("collection") == POST \
        and event["commit"].get("operation") == "create"


def _uri(event: dict) -> str:
    return uri(event["did"], event["commit"]["rkey"])


def test_known_sets_are_compact_and_load_what_the_store_holds(simulated):
    tmp, lines, _ = simulated
    chunks = [pa.array([f"at://{A}/{POST}/{i}" for i in range(1000)]), ["x", None, "y"]]
    found = KnownSet.from_chunks(chunks)
    assert len(found) == 1002 and f"at://{A}/{POST}/999" in found and "x" in found
    assert "z" not in found and found.nbytes == 1002 * np.dtype(np.int64).itemsize
    assert found.add("z") and not found.add("z") and not found.add("x") and "z" in found
    db = straight(tmp, "loaded", lines)
    posts, dids = known.load(db)
    with Store(db, read_only=True) as store:
        stored = store.con.execute("SELECT post_id, author_id FROM posts").fetchall()
    assert len(posts) == len(stored) and len(dids) == len({a for _, a in stored})
    assert all(p in posts and a in dids for p, a in stored)
    assert known.load(tmp / "none.duckdb")[0].nbytes == 0


def test_the_benchs_firehose_is_what_it_says(tmp_path):
    """bench/watch_bluesky.py's stream: valid Jetstream events with fresh ids, in the real
    mix, of which the campaign keeps only events of the planted campaign."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "watch_bluesky.py"
    spec = importlib.util.spec_from_file_location("bench_watch_bluesky", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    frames, campaign, posts = bench.firehose(3000, 100, tmp_path)
    planted = {bench._TIME.sub(b"", line)
               for line in (tmp_path / "campaign.jsonl").read_bytes().splitlines()}
    keep = Keep(Campaign.load(campaign))
    times, uris, kept = [], set(), 0
    for frame in frames:
        event = _loads(frame)
        if event is None:  # the simulator's few broken lines
            continue
        times.append(event["time_us"])
        if event["kind"] == "commit":
            uris.add((event["did"], event["commit"]["rkey"]))
        if keep.take(event, frame, 0):
            kept += 1
            assert bench._TIME.sub(b"", frame) in planted
    assert times == sorted(times) and len(uris) > 0.95 * sum(
        _loads(f) is not None and _loads(f)["kind"] == "commit" for f in frames)
    assert 0 < kept <= 30 and 0.4 < posts / len(frames) < 0.6
