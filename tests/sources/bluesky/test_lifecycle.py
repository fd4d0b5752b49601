"""What happens to Bluesky posts over time: edits, deletes, accounts that go and come back,
handles that change. Every event is a real Jetstream event of the corpus with its fields
replaced (the ``jetstream`` fixture)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest
from helpers import all_rows, corpus

from groundswell.privacy.forget import is_forgotten

ALICE, BOB = "did:plc:alice000000000000000000", "did:plc:bob00000000000000000000"
POST = "app.bsky.feed.post"
US = 1_000_000  # a second, in Jetstream's microseconds


def uri(did: str, rkey: str, collection: str = POST) -> str:
    return f"at://{did}/{collection}/{rkey}"


def rows(store, sql: str, *params) -> list[tuple]:
    return sorted(store.con.execute(sql, list(params)).fetchall(), key=repr)


def tags(store, post_id: str) -> list[str]:
    return [r[0] for r in rows(store, "SELECT tag FROM post_hashtags WHERE post_id = ?", post_id)]


def at(time_us: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=time_us)


def test_reingest_changes_nothing(make_store, jetstream):
    t = jetstream.time_us
    path = jetstream.write(
        "mixed.jsonl",
        jetstream.post(ALICE, "3aaa", "first #MeToo @bob.test", mentions={"bob.test": BOB}),
        jetstream.post(ALICE, "3aaa", "first, edited #MeToo #IBelieveYou", operation="update",
                       cid="bafyedit1", time_us=t + US),
        jetstream.repost(BOB, "3bbb", uri(ALICE, "3aaa")),
        jetstream.identity(ALICE, "alice.test"),
        jetstream.post(BOB, "3ccc", "gone soon"),
        jetstream.delete(BOB, POST, "3ccc", t + 2 * US),
        b'{"did": "did:plc:x", "time_us": 1, "kind": "commit", "commit": {',
    )
    store = make_store()
    assert store.ingest([path]).quarantined == 1
    assert store.count("posts") == 2
    before = all_rows(store)
    again = store.ingest([path])
    assert again.posts_added == 0
    assert all_rows(store) == before


def test_an_update_replaces_text_and_tags_and_counts_one_version(make_store, jetstream):
    t = jetstream.time_us
    post_id = uri(ALICE, "3aaa")
    store = make_store()
    store.ingest([jetstream.write("create.jsonl", jetstream.post(
        ALICE, "3aaa", "before #MeToo @bob.test", mentions={"bob.test": BOB}))])
    assert tags(store, post_id) == ["metoo"]
    update = jetstream.write("update.jsonl", jetstream.post(
        ALICE, "3aaa", "after #IBelieveYou", operation="update", cid="bafyedit1",
        time_us=t + 60 * US))

    for _ in range(2):  # the same update twice counts once
        store.ingest([update])
        assert rows(store, "SELECT text FROM posts WHERE post_id = ?", post_id) == [
            ("after #IBelieveYou",)]
        assert tags(store, post_id) == ["ibelieveyou"]
        assert rows(store, "SELECT * FROM mentions WHERE post_id = ?", post_id) == []
        assert rows(store, "SELECT version, edited_at FROM post_versions") == [
            ("bafyedit1", at(t + 60 * US))]
    # the post keeps the time it was created
    assert rows(store, "SELECT created_at FROM posts") == [(at(t).replace(
        microsecond=at(t).microsecond // 1000 * 1000),)]


def test_an_update_of_an_unseen_post_stores_it_as_updated(make_store, jetstream):
    store = make_store()
    store.ingest([jetstream.write("update.jsonl", jetstream.post(
        ALICE, "3aaa", "only the edit #MeToo", operation="update", cid="bafyedit1"))])
    assert rows(store, "SELECT text, kind FROM posts") == [("only the edit #MeToo", "original")]
    assert tags(store, uri(ALICE, "3aaa")) == ["metoo"]
    assert rows(store, "SELECT count(*) FROM post_versions") == [(1,)]


@pytest.mark.parametrize("same_file", [True, False], ids=["same-file", "later-file"])
def test_a_delete_removes_the_post_and_what_hangs_off_it_for_good(make_store, jetstream,
                                                                  same_file):
    t = jetstream.time_us
    create = jetstream.post(ALICE, "3aaa", "#MeToo @bob.test", mentions={"bob.test": BOB})
    repost = jetstream.repost(BOB, "3rrr", uri(ALICE, "3aaa"))
    deletes = (jetstream.delete(ALICE, POST, "3aaa", t + US),
               jetstream.delete(BOB, "app.bsky.feed.repost", "3rrr", t + US))
    store = make_store()
    if same_file:
        store.ingest([jetstream.write("all.jsonl", create, repost, *deletes)])
    else:
        store.ingest([jetstream.write("posts.jsonl", create, repost)])
        assert store.count("posts") == 1 + 1 and tags(store, uri(ALICE, "3aaa")) == ["metoo"]
        assert store.count("mentions") == 1
        assert store.ingest([jetstream.write("deletes.jsonl", *deletes)]).deleted == 2
    for table in ("posts", "post_hashtags", "mentions"):
        assert store.count(table) == 0, table
    assert rows(store, "SELECT post_id, deleted_at, reason FROM deletions") == [
        (uri(ALICE, "3aaa"), at(t + US), "deleted"),
        (uri(BOB, "3rrr", "app.bsky.feed.repost"), at(t + US), "deleted")]
    # the create read again does not bring it back
    assert store.ingest([jetstream.write("again.jsonl", create, repost)]).posts_added == 0
    assert store.count("posts") == 0


def test_a_deleted_account_loses_every_post_for_good(make_store, jetstream):
    t = jetstream.time_us
    store = make_store()
    store.ingest([jetstream.write("posts.jsonl",
                                  jetstream.post(ALICE, "3aaa", "one #MeToo"),
                                  jetstream.post(ALICE, "3aab", "two"),
                                  jetstream.post(BOB, "3bbb", "bob stays"))])
    store.ingest([jetstream.write("gone.jsonl",
                                  jetstream.account(ALICE, False, "deleted", t + US))])
    assert rows(store, "SELECT author_id FROM posts") == [(BOB,)]
    assert store.count("post_hashtags") == 0 and store.count("hidden_posts") == 0
    # a deleted account is forgotten: a salted tombstone, not its DID in clear text
    assert is_forgotten(store, "bluesky", account=ALICE)
    assert store.count("account_deletions") == 0
    # later posts of the account, and its old ones read again, are not stored
    late = jetstream.write("late.jsonl", jetstream.post(ALICE, "3aac", "from beyond",
                                                        time_us=t + 2 * US))
    store.ingest([late, store_path(jetstream, "posts.jsonl")])
    assert rows(store, "SELECT author_id FROM posts") == [(BOB,)]


def store_path(jetstream, name: str):
    return jetstream.folder / name


@pytest.mark.parametrize("status", ["takendown", "suspended", "deactivated"])
def test_an_inactive_account_is_hidden_until_it_returns(make_store, jetstream, status):
    t = jetstream.time_us
    store = make_store()
    store.ingest([jetstream.write("posts.jsonl",
                                  jetstream.post(ALICE, "3aaa", "one #MeToo"),
                                  jetstream.post(BOB, "3bbb", "bob stays"))])
    store.ingest([jetstream.write("down.jsonl", jetstream.account(ALICE, False, status, t + US))])
    assert rows(store, "SELECT author_id FROM posts") == [(BOB,)]
    assert rows(store, "SELECT post_id FROM hidden_posts") == [(uri(ALICE, "3aaa"),)]
    assert rows(store, "SELECT status FROM accounts WHERE author_id = ?", ALICE) == [(status,)]
    # a post of the account while it is hidden is hidden too
    store.ingest([jetstream.write("more.jsonl",
                                  jetstream.post(ALICE, "3aab", "meanwhile", time_us=t + 2 * US))])
    assert store.count("posts") == 1 and store.count("hidden_posts") == 2

    store.ingest([jetstream.write("up.jsonl", jetstream.account(ALICE, True, time_us=t + 3 * US))])
    assert rows(store, "SELECT author_id, count(*) FROM posts GROUP BY 1") == [(ALICE, 2), (BOB, 1)]
    assert store.count("hidden_posts") == 0
    assert tags(store, uri(ALICE, "3aaa")) == ["metoo"]
    assert rows(store, "SELECT status FROM accounts WHERE author_id = ?", ALICE) == [(None,)]


def test_statuses_that_hide_nothing_change_nothing(make_store, jetstream):
    store = make_store()
    store.ingest([jetstream.write("all.jsonl", jetstream.post(ALICE, "3aaa", "one"),
                                  jetstream.account(ALICE, False, "desynchronized"),
                                  jetstream.account(ALICE, False, "throttled"))])
    assert store.count("posts") == 1 and store.count("hidden_posts") == 0


def test_identity_events_keep_the_handle_history(make_store, jetstream):
    t = jetstream.time_us
    store = make_store()
    store.ingest([jetstream.write(
        "identity.jsonl",
        jetstream.identity(ALICE, "alice.bsky.social", t),
        jetstream.identity(ALICE, "alice.bsky.social", t + 5 * US),
        jetstream.identity(ALICE, "alice.example.com", t + 9 * US),
        jetstream.identity(BOB, None, t),  # an identity event without a handle
    )])
    assert rows(store, "SELECT author_id, handle, first_seen, last_seen FROM handles") == [
        (ALICE, "alice.bsky.social", at(t), at(t + 5 * US)),
        (ALICE, "alice.example.com", at(t + 9 * US), at(t + 9 * US))]
    assert rows(store, "SELECT author_id, handle, observed_at FROM accounts") == [
        (ALICE, "alice.example.com", at(t + 9 * US)), (BOB, None, at(t))]
    # an older sighting read later widens the history
    store.ingest([jetstream.write("older.jsonl",
                                  jetstream.identity(ALICE, "alice.bsky.social", t - US))])
    assert rows(store, "SELECT first_seen FROM handles WHERE handle = 'alice.bsky.social'") == [
        (at(t - US),)]
    assert rows(store, "SELECT handle FROM accounts WHERE author_id = ?", ALICE) == [
        ("alice.example.com",)]


def test_tap_events_are_the_same_commits_and_identities(make_store, tmp_path):
    """Tap's envelope around the real backfilled records, a live copy, a delete and identity
    events: a live record is dated by its rev, a backfilled one by its own claim."""
    real = json.loads(corpus("bluesky", "twitwi", "bluesky-tap-posts.json").read_text())
    body = real[0]["record"]
    live = copy.deepcopy(real[1])
    live["record"].update(live=True, rev="3lepscqsk2s25", rkey="3lepscqsk2s2z")
    live["record"]["record"]["createdAt"] = "2030-01-01T00:00:00Z"  # the client's clock
    delete = copy.deepcopy(real[2])
    delete["record"].update(action="delete", live=True)
    del delete["record"]["record"]
    identity = {"id": 9, "type": "identity", "identity": {
        "did": body["did"], "handle": "rocky.example", "is_active": False,
        "status": "deactivated"}}
    path = tmp_path / "tap.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in (real[0], live, delete, identity)))
    store = make_store()
    summary = store.ingest([path])
    assert summary.quarantined == 0
    by_id = {row[0]: row[1:] for row in rows(store, "SELECT post_id, created_at, claimed_at "
                                                    "FROM hidden_posts")}
    first = uri(body["did"], body["rkey"])
    assert by_id[first] == (datetime(2025, 1, 1, 21, 11, 45, 459000),) * 2
    live_uri = uri(body["did"], "3lepscqsk2s2z")
    assert by_id[live_uri] == (datetime(2025, 1, 2, 0, 16, 5, 247000),  # the rev's time
                               datetime(2030, 1, 1))
    assert rows(store, "SELECT post_id FROM deletions") == [
        (uri(body["did"], real[2]["record"]["rkey"]),)]
    assert store.count("posts") == 0  # the account is deactivated: its posts are hidden
    assert rows(store, "SELECT handle, status FROM accounts") == [("rocky.example", "deactivated")]
    assert rows(store, "SELECT handle FROM handles") == [("rocky.example",)]
    identity["identity"].update(is_active=True, status="active")
    back = tmp_path / "back.jsonl"
    back.write_text(json.dumps(identity) + "\n")
    store.ingest([back])
    assert store.count("posts") == 2 and store.count("hidden_posts") == 0
