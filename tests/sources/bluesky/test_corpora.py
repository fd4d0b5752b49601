"""Every real Bluesky file ingests exactly right.

Expected values come from the oracle below: a plain reading of the raw JSON with ``json``,
written without the source's modules. It finds posts its own way (any object, at any depth,
with a post's at-uri and a record, rather than the source's walk of known containers), and
reads kinds, times, accounts and handles straight from the lexicon's fields. The one thing
it borrows is atproto's hashtag detection for records written without facets
(``richtext.detect_tags``), which ``test_richtext.py`` checks against atproto's own cases.

The CSV export (``twitwi/bluesky-posts-export.csv``) belongs to another format and is not
read here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import all_rows, corpus

from groundswell.sources.bluesky.richtext import detect_tags
from groundswell.text import normalize_tag

JETSTREAM = ("jetstream_events_v1.jsonl",)
TWITWI = ("twitwi/bluesky-posts.json", "twitwi/bluesky-firehose-posts.json",
          "twitwi/bluesky-tap-posts.json")
NAMES = JETSTREAM + TWITWI
POST, REPOST = "app.bsky.feed.post", "app.bsky.feed.repost"
PUBLIC = datetime(2023, 2, 1)
SKEW = timedelta(minutes=10)


def path_of(name: str) -> Path:
    return corpus("bluesky", *name.split("/"))


# --- the oracle --------------------------------------------------------------------------------


@dataclass
class Expected:
    posts: dict[str, dict] = field(default_factory=dict)  # uri → columns, first copy wins
    accounts: set[str] = field(default_factory=set)  # DIDs with a profile or an identity
    handles: set[tuple[str, str]] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    skips: Counter = field(default_factory=Counter)
    seen: int = 0  # posts met, copies included

    def add(self, uri: str, **columns) -> None:
        self.seen += 1
        self.posts.setdefault(uri, columns)


def iso(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None


def tid(key: str) -> datetime:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    number = 0
    for char in key:
        number = number * 32 + alphabet.index(char)
    return datetime(1970, 1, 1) + timedelta(microseconds=number >> 10)


def when(created: object, seen: datetime | None) -> tuple[datetime | None, datetime | None]:
    claimed = iso(created)
    if seen is not None and (claimed is None or claimed < PUBLIC or claimed > seen + SKEW):
        return seen, claimed
    return claimed, claimed


def tags_of(record: dict) -> set[str]:
    if record.get("facets"):
        found = [feature["tag"] for facet in record["facets"] for feature in facet["features"]
                 if feature.get("$type") == "app.bsky.richtext.facet#tag" and feature.get("tag")]
    else:
        found = [tag for tag, _, _ in detect_tags(record["text"])]
    found += record.get("tags", [])[:8]
    return {normalize_tag(tag) for tag in found}


def kind_of(record: dict) -> str:
    if record.get("reply"):
        return "reply"
    embed = record.get("embed") or {}
    ref = embed.get("record") or {}
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        ref = ref.get("record") or {}
    if embed.get("$type") in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia") \
            and str(ref.get("uri", "")).split("/")[3:4] == [POST]:
        return "quote"
    return "original"


def add_record(out: Expected, uri: str, did: str, collection: str, record: dict,
               seen: datetime | None) -> None:
    created, claimed = when(record.get("createdAt"), seen)
    if collection == REPOST:
        out.add(uri, author=did, kind="repost", tags=set(), created=created, claimed=claimed,
                of=record["subject"]["uri"])
    else:
        out.add(uri, author=did, kind=kind_of(record), tags=tags_of(record), created=created,
                claimed=claimed, of=None)


def profile(out: Expected, author: dict) -> None:
    out.accounts.add(author["did"])
    if author.get("handle") and author["handle"] != "handle.invalid":
        out.handles.add((author["did"], author["handle"]))


def views(value: object, out: Expected) -> None:
    """Every post view at any depth, and every repost reason."""
    if isinstance(value, dict):
        uri = value.get("uri")
        record = value.get("record", value.get("value"))
        if isinstance(uri, str) and uri.split("/")[3:4] == [POST] and "author" in value \
                and isinstance(record, dict):
            seen = iso(value["indexedAt"]) or tid(uri.split("/")[-1])
            add_record(out, uri, value["author"]["did"], POST, record, seen)
            profile(out, value["author"])
        reason = value.get("reason")
        if isinstance(reason, dict) and reason.get("$type", "").endswith("#reasonRepost"):
            did = reason["by"]["did"]
            subject = value["post"]["uri"]
            out.add(reason.get("uri") or f"at://{did}/{REPOST}?subject={subject}", author=did,
                    kind="repost", tags=set(), created=iso(reason["indexedAt"]), claimed=None,
                    of=subject)
            profile(out, reason["by"])
        for inner in value.values():
            views(inner, out)
    elif isinstance(value, list):
        for inner in value:
            views(inner, out)


def events(docs: list[dict], out: Expected) -> None:
    """Jetstream events and Tap records."""
    for doc in docs:
        if doc.get("type") == "record":  # Tap: live records are dated by their rev
            body = doc["record"]
            did, collection, rkey, operation = (body["did"], body["collection"], body["rkey"],
                                                body["action"])
            seen = tid(body["rev"]) if body["live"] else None
        elif doc.get("kind") == "commit":
            body = doc["commit"]
            did, collection, rkey, operation = (doc["did"], body["collection"], body["rkey"],
                                                body["operation"])
            seen = datetime(1970, 1, 1) + timedelta(microseconds=doc["time_us"])
        else:
            if doc["kind"] == "identity":
                out.accounts.add(doc["did"])
                if doc["identity"].get("handle"):
                    out.handles.add((doc["did"], doc["identity"]["handle"]))
            continue
        uri = f"at://{did}/{collection}/{rkey}"
        if collection not in (POST, REPOST):
            name = collection if collection.startswith("app.bsky.") else None
            out.skips[f"bluesky {name} (not a post)" if name
                      else "bluesky record of another app (not a post)"] += 1
        elif operation == "delete":
            out.deletes.add(uri)
        else:
            add_record(out, uri, did, collection, body["record"], seen)


def read(name: str) -> list[dict]:
    text = path_of(name).read_text(encoding="utf-8")
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def oracle(*names: str) -> Expected:
    out = Expected()
    for name in names:
        docs = read(name)
        events([doc for doc in docs if "kind" in doc or doc.get("type") == "record"], out)
        views([doc for doc in docs if "kind" not in doc and "type" not in doc], out)
    for uri in out.deletes:
        out.posts.pop(uri, None)
    return out


# --- the tests ---------------------------------------------------------------------------------


def stored(store, sql: str) -> list[tuple]:
    return sorted(store.con.execute(sql).fetchall(), key=repr)


def assert_matches(store, summary, expected: Expected) -> None:
    posts = {row[0]: row[1:] for row in stored(
        store, "SELECT post_id, author_id, kind, created_at, claimed_at, repost_of_post_id "
               "FROM posts WHERE platform = 'bluesky'")}
    assert set(posts) == set(expected.posts)
    assert posts == {uri: (e["author"], e["kind"], e["created"], e["claimed"], e["of"])
                     for uri, e in expected.posts.items()}
    tags = stored(store, "SELECT post_id, tag FROM post_hashtags")
    assert tags == sorted(((uri, tag) for uri, e in expected.posts.items() for tag in e["tags"]),
                          key=repr)
    assert {r[0] for r in stored(store, "SELECT author_id FROM accounts")} == expected.accounts
    assert set(stored(store, "SELECT author_id, handle FROM handles")) == expected.handles
    assert {r[0] for r in stored(store, "SELECT post_id FROM deletions")} == expected.deletes
    assert summary.skipped == dict(expected.skips)
    assert summary.posts_seen == expected.seen
    assert summary.quarantined == 0 and store.count("quarantine") == 0


@pytest.mark.parametrize("name", NAMES)
def test_each_real_file_matches_the_oracle(make_store, name: str):
    store = make_store()
    summary = store.ingest([path_of(name)])
    expected = oracle(name)
    assert_matches(store, summary, expected)
    assert summary.posts_added == len(expected.posts)


def test_what_the_real_files_hold(make_store):
    """The counts themselves, so that a change in the corpora or the oracle shows."""
    expected = {name: oracle(name) for name in NAMES}
    kinds = {name: Counter(e["kind"] for e in out.posts.values())
             for name, out in expected.items()}
    assert kinds == {
        "jetstream_events_v1.jsonl": {"original": 9, "reply": 8, "repost": 15},
        "twitwi/bluesky-posts.json": {"original": 91, "reply": 20, "quote": 23, "repost": 2},
        "twitwi/bluesky-firehose-posts.json": {"original": 8, "reply": 1},
        "twitwi/bluesky-tap-posts.json": {"original": 8, "reply": 6},
    }
    jetstream = expected["jetstream_events_v1.jsonl"]
    assert jetstream.skips == {"bluesky app.bsky.feed.like (not a post)": 105,
                               "bluesky app.bsky.graph.follow (not a post)": 9,
                               "bluesky app.bsky.graph.block (not a post)": 1,
                               "bluesky app.bsky.actor.status (not a post)": 1,
                               "bluesky record of another app (not a post)": 1}
    assert len(jetstream.deletes) == 1 and jetstream.handles == set()
    views = expected["twitwi/bluesky-posts.json"]
    assert (len(views.accounts), len(views.handles)) == (109, 108)  # one handle.invalid
    tags = Counter(tag for out in expected.values() for e in out.posts.values()
                   for tag in e["tags"])
    assert sum(tags.values()) == 153 and (tags["lackadaisy"], tags["hceres"]) == (6, 8)


def test_all_real_files_together_then_again_change_nothing(make_store):
    store = make_store()
    paths = [path_of(name) for name in NAMES]
    summary = store.ingest(paths)
    expected = oracle(*NAMES)
    assert_matches(store, summary, expected)
    before = all_rows(store)
    again = store.ingest(paths)
    assert again.posts_added == 0 and again.quarantined == 0
    assert all_rows(store) == before


def test_claimed_and_plausible_times_of_real_views(make_store):
    """The view whose ``createdAt`` runs 4¾ hours ahead of when the AppView indexed it is
    dated by ``indexedAt``; the one dated year 0000 (``indexedAt`` too) by its record key."""
    store = make_store()
    store.ingest([path_of("twitwi/bluesky-posts.json")])
    times = {row[0]: row[1:] for row in stored(
        store, "SELECT post_id, created_at, claimed_at FROM posts "
               "WHERE created_at IS DISTINCT FROM claimed_at AND kind <> 'repost'")}
    assert times == {
        "at://did:plc:7bkvbgrysyow3pf3v6lqp6n4/app.bsky.feed.post/3lbca2nxy4f2a":
            (datetime(2024, 11, 19, 10, 29, 15, 212000),
             datetime(2024, 11, 19, 15, 13, 1, 156888)),
        "at://did:plc:jhzoul6h437y2g5xsnsr2qr5/app.bsky.feed.post/3kbpuogc6fz2o":
            (datetime(2023, 10, 14, 15, 16, 37, 389695), None),
    }
    assert store.con.execute("SELECT count(*) FROM posts WHERE created_at IS NULL").fetchone() \
        == (0,)


def test_real_views_give_accounts_and_handles(make_store):
    store = make_store()
    store.ingest([path_of("twitwi/bluesky-posts.json")])
    [row] = stored(store, "SELECT handle, display_name, verified, created_at FROM accounts "
                          "WHERE author_id = 'did:plc:ragtjsm2j2vknwkz3zp4oxrd'")
    assert row == ("pfrazee.com", "Paul Frazee", True, datetime(2022, 11, 17, 0, 35, 16, 391000))
    assert stored(store, "SELECT count(*) FROM accounts WHERE verified") == [(1,)]
    [(first, last)] = stored(store, "SELECT first_seen, last_seen FROM handles "
                                    "WHERE handle = 'yomguithereal.bsky.social'")
    assert first < last  # seen on several posts, and as a reposter
