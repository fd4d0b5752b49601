"""Twitter's v2 compliance streams over a real twarc2 search (``brexit.jsonl``): a tweet's
delete or drop removes it for good; a user's delete, protect or suspend hides every tweet of
theirs until the undoing event; what Groundswell does not keep is skipped with its reason;
a malformed event is quarantined and the rest of the file is read. The events are X's own
payload shapes (developer docs, "Compliance Data Objects")."""

from __future__ import annotations

import json

import pytest
from helpers import corpus

EVENT_AT = "2022-12-23T12:34:56.789Z"


def tweet_event(name: str, tweet_id: str, author_id: str) -> dict:
    return {"data": {name: {"tweet": {"id": tweet_id, "author_id": author_id},
                            "event_at": EVENT_AT}}}


def user_event(name: str, user_id: str, at: str = EVENT_AT) -> dict:
    return {"data": {name: {"user": {"id": user_id}, "event_at": at}}}


def write(folder, name: str, *events: dict | str) -> str:
    path = folder / name
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n"
                            for e in events))
    return str(path)


@pytest.fixture
def searched(make_store):
    store = make_store()
    store.ingest([str(corpus("twarc2", "brexit.jsonl"))])
    return store


def one(store, sql: str, *params):
    return store.con.execute(sql, list(params)).fetchall()


def a_tagged_tweet(store) -> tuple[str, str]:
    return one(store, "SELECT p.post_id, p.author_id FROM posts p JOIN post_hashtags h "
                      "USING (platform, post_id) ORDER BY p.post_id LIMIT 1")[0]


@pytest.mark.parametrize("event", ["delete", "drop"])
def test_a_deleted_or_dropped_tweet_is_removed_for_good(searched, tmp_path, event):
    store = searched
    tweet, author = a_tagged_tweet(store)
    posts = store.count("posts")
    summary = store.ingest([write(tmp_path, "c.jsonl", tweet_event(event, tweet, author))])
    assert summary.deleted == 1 and summary.quarantined == 0
    assert store.count("posts") == posts - 1
    assert one(store, "SELECT count(*) FROM post_hashtags WHERE post_id = ?", tweet) == [(0,)]
    reason = "deleted" if event == "delete" else "dropped"
    assert one(store, "SELECT reason FROM deletions WHERE post_id = ?", tweet) == [(reason,)]
    store.ingest([str(corpus("twarc2", "brexit.jsonl"))])  # read again: stays gone
    assert store.count("posts") == posts - 1
    undrop = store.ingest([write(tmp_path, "u.jsonl", tweet_event("undrop", tweet, author))])
    assert store.count("posts") == posts - 1
    assert dict(undrop.skipped) == {
        "compliance undrop (an undropped tweet stays removed: its drop deleted it)": 1}


@pytest.mark.parametrize(("hide", "show", "status"), [
    ("user_delete", "user_undelete", "deactivated"),
    ("user_protect", "user_unprotect", "protected"),
    ("user_suspend", "user_unsuspend", "suspended")])
def test_an_account_is_hidden_until_the_undoing_event(searched, tmp_path, hide, show, status):
    store = searched
    author = one(store, "SELECT author_id FROM posts GROUP BY 1 HAVING count(*) = 2 "
                        "ORDER BY 1 LIMIT 1")[0][0]
    posts, tags = store.count("posts"), store.count("post_hashtags")
    store.ingest([write(tmp_path, "h.jsonl", user_event(hide, author))])
    assert store.count("posts") == posts - 2
    assert one(store, "SELECT count(*) FROM hidden_posts WHERE author_id = ?", author) == [(2,)]
    assert one(store, "SELECT status FROM accounts WHERE platform = 'twitter' "
                      "AND author_id = ?", author) == [(status,)]
    store.ingest([write(tmp_path, "s.jsonl", user_event(show, author, "2022-12-24T00:00:00Z"))])
    assert store.count("posts") == posts and store.count("post_hashtags") == tags
    assert store.count("hidden_posts") == 0
    assert one(store, "SELECT status FROM accounts WHERE platform = 'twitter' "
                      "AND author_id = ?", author) == [(None,)]


def test_what_is_not_kept_is_skipped_with_its_reason(searched, tmp_path):
    store = searched
    tweet, author = a_tagged_tweet(store)
    before = {t: store.count(t) for t in ("posts", "post_hashtags", "deletions", "accounts")}
    summary = store.ingest([write(
        tmp_path, "k.jsonl", tweet_event("withheld", tweet, author),
        tweet_event("tweet_edit", tweet, author), user_event("user_withheld", author),
        user_event("scrub_geo", author), user_event("user_profile_modification", author))])
    assert {t: store.count(t) for t in before} == before
    assert sorted(summary.skipped) == [
        "compliance scrub_geo (no location is stored)",
        "compliance tweet_edit (the edited tweet arrives as a post of its own)",
        "compliance user_profile_modification (profiles are read from the tweets' own data)",
        "compliance user_withheld (withheld in some countries only: kept)",
        "compliance withheld (withheld in some countries only: kept)"]
    assert summary.quarantined == 0


def test_a_malformed_event_is_quarantined_and_the_rest_is_read(searched, tmp_path):
    store = searched
    tweet, author = a_tagged_tweet(store)
    path = write(tmp_path, "bad.jsonl",
                 {"data": {"user_delete": "3198576760"}},
                 {"data": {"delete": {"tweet": {"author_id": author}, "event_at": EVENT_AT}}},
                 {"data": {"user_suspend": {"user": ["x"], "event_at": EVENT_AT}}},
                 tweet_event("delete", tweet, author))
    summary = store.ingest([path])
    assert summary.deleted == 1 and summary.quarantined == 3
    reasons = [r for (r,) in one(store, "SELECT reason FROM quarantine ORDER BY line")]
    assert reasons == [
        "twitter-v2: compliance user_delete event is a str, not an object",
        "twitter-v2: compliance delete event without a tweet id",
        "twitter-v2: compliance user_suspend event without a user id"]


def test_a_job_line_still_removes_for_good(searched, tmp_path):
    """A compliance job's result has no undoing event: its delete removes (docs/schema.md)."""
    store = searched
    tweet, _ = a_tagged_tweet(store)
    line = json.dumps({"id": tweet, "action": "delete", "created_at": EVENT_AT,
                       "reason": "deleted"})
    assert store.ingest([write(tmp_path, "job.jsonl", line)]).deleted == 1
    assert one(store, "SELECT count(*) FROM posts WHERE post_id = ?", tweet) == [(0,)]
