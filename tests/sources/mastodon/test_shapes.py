"""What the Mastodon source takes and what it leaves: it is offered every line and every
record before the Twitter sources, so it must take nothing of theirs (or Bluesky's); and the
other shapes the Mastodon API wraps statuses in, or answers without any, are read or skipped
with a reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from helpers import CORPORA

from groundswell.ingest.batch import Batch
from groundswell.sources.mastodon import SOURCE

MASTODON_SOCIAL = "mastodon.social"


def raw_lines(path: Path) -> list[bytes]:
    return [line.strip() for line in path.read_bytes().split(b"\n") if line.strip()]


def records(path: Path) -> list[dict]:
    """Every decoded record of a file (a document's array elements one by one)."""
    try:
        docs = [json.loads(path.read_text("utf-8"))]
    except ValueError:
        docs = []
        for line in raw_lines(path):
            try:
                docs.append(json.loads(line))
            except ValueError:
                pass  # the corpora's broken lines on purpose
    return [r for d in docs for r in (d if isinstance(d, list) else [d]) if isinstance(r, dict)]


def objects(value: object):
    """Every JSON object in a value, nested ones too: a tweet inside a page, a user inside
    a tweet could each be a line of their own in some other file."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def other_formats() -> list[Path]:
    if not CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA}")
    return sorted(p for folder in ("twarc2", "twitter-v1", "bluesky")
                  for p in (CORPORA / folder).rglob("*.json*") if p.is_file())


def test_nothing_of_twitter_or_bluesky_is_taken() -> None:
    files = other_formats()
    assert len(files) >= 25
    taken, seen = [], 0
    for path in files:
        for raw in raw_lines(path):
            batch = Batch()
            assert SOURCE.parse_line(raw, batch) is False, (path.name, raw[:80])
            assert not batch.skipped and not batch._problems
        for record in objects(records(path)):
            seen += 1
            if SOURCE.claims(record):
                taken.append((path.name, list(record)[:6]))
    assert seen > 19_000 and taken == []


def test_every_mastodon_record_is_claimed(real_files) -> None:
    for path, _ in real_files:
        found = records(path)
        assert found and all(SOURCE.claims(r) for r in found), path.name


def one(store, sql: str, params=()) -> list[tuple]:
    return store.con.execute(sql, params).fetchall()


def test_statuses_inside_other_responses(timeline, store, ingest, write) -> None:
    """A search result, a mention notification, a conversation: their statuses are posts;
    a follow notification, an account, an announcement, a filter change are not."""
    a, b, c = timeline[:3]
    account = a["account"]
    announcement = {"id": "1", "content": "<p>test</p>", "starts_at": None, "ends_at": None,
                    "all_day": True, "published_at": "2022-11-15T15:55:22.452Z",
                    "mentions": [], "statuses": [], "tags": [], "emojis": [], "reactions": []}
    path = write("responses.jsonl", [
        {"accounts": [account], "statuses": [a], "hashtags": []},
        {"id": "68739215", "type": "mention", "created_at": b["created_at"],
         "account": b["account"], "status": b},
        {"id": "7", "unread": False, "accounts": [c["account"]], "last_status": c},
        {"id": "68739216", "type": "follow", "created_at": b["created_at"], "account": account},
        account,
        {"stream": ["user"], "event": "announcement", "payload": json.dumps(announcement)},
        {"stream": ["user"], "event": "filters_changed"},
        f"data: {json.dumps(announcement)}",
        "data: undefined",
        {"stream": ["user"], "event": "notification", "payload": json.dumps(
            {"id": "9", "type": "favourite", "created_at": b["created_at"],
             "account": account, "status": b})},
    ])
    summary = ingest(store, path, server=MASTODON_SOCIAL)
    assert {u for u, in one(store, "SELECT post_id FROM posts")} == {a["uri"], b["uri"], c["uri"]}
    assert summary.quarantined == 0
    assert summary.skipped == {"notification of type 'follow' (no status)": 1,
                               "account (not a post)": 1, "announcement (not a post)": 2,
                               "stream event filters_changed (not a post)": 2}


def test_what_mastodon_answers_without_posts_is_refused_with_its_shape(store, ingest,
                                                                       write) -> None:
    tag = {"name": "ichbinhanna", "url": "https://mastodon.social/tags/ichbinhanna",
           "history": [{"day": "1752537600", "accounts": "3", "uses": "4"}]}
    summary = ingest(store, write("tag.jsonl", [tag]), server=MASTODON_SOCIAL)
    assert summary.quarantined == 1
    assert one(store, "SELECT reason FROM quarantine") == [
        ("unknown record shape (keys: name, url, history)",)]


def test_quotes_inline_shallow_and_as_a_status(timeline, store, ingest, write) -> None:
    """Mastodon 4.4's ``{"state", "quoted_status"}``, its shallow ``quoted_status_id`` form,
    and servers that put the quoted status itself in ``quote``."""
    quoted, quoting, shallow, inline = (copy.deepcopy(s) for s in timeline[:4])
    quoting["quote"] = {"state": "accepted", "quoted_status": quoted}
    shallow["quote"] = {"state": "accepted", "quoted_status_id": quoted["id"]}
    inline["quote"] = quoted
    for status in (quoting, shallow, inline):
        status["in_reply_to_id"] = None
    ingest(store, write("quotes.jsonl", [quoting, shallow, inline]), server=MASTODON_SOCIAL)
    rows = dict(((u, (k, q)) for u, k, q in one(
        store, "SELECT post_id, kind, quote_of_post_id FROM posts")))
    assert rows == {quoted["uri"]: ("reply" if quoted["in_reply_to_id"] else "original", None),
                    quoting["uri"]: ("quote", quoted["uri"]),
                    # by the server's id, resolved: the quoted status was read too
                    shallow["uri"]: ("quote", quoted["uri"]),
                    inline["uri"]: ("quote", quoted["uri"])}


def test_a_boost_is_a_repost_and_its_status_a_post_of_its_own(timeline, store, ingest,
                                                             write) -> None:
    status = timeline[0]
    booster = next(s["account"] for s in timeline if "@" not in s["account"]["acct"])
    boost = {**status, "id": "1", "uri": f"{booster['url']}/statuses/1/activity",
             "account": booster, "content": "", "tags": [], "mentions": [], "reblog": status,
             "in_reply_to_id": None, "quote": None, "edited_at": None}
    ingest(store, write("boost.jsonl", [boost]), server=MASTODON_SOCIAL)
    rows = {u: r for u, *r in one(store, "SELECT post_id, kind, author_id, repost_of_post_id "
                                         "FROM posts")}
    assert rows[boost["uri"]] == ["repost", f"{booster['acct']}@{MASTODON_SOCIAL}",
                                  status["uri"]]
    assert rows[status["uri"]][0] in ("original", "reply", "quote")
    assert one(store, "SELECT count(*) FROM post_hashtags WHERE post_id = ?",
               [boost["uri"]]) == [(0,)]


@pytest.mark.parametrize(("line", "taken"), [
    (b"event: update", True), (b"event:update", True), (b":thump", True), (b":)", True),
    (b"data: undefined", True), (b'data:{"id": "1"}', True),
    (b'{"event": "update"}', False), (b"[]", False), (b"dataset,1,2", False),
    (b"events: 3", False), (b"eventually", False), (b"d", False), (b"", False),
])
def test_the_line_parser_takes_only_server_sent_lines(line: bytes, taken: bool) -> None:
    batch = Batch(MASTODON_SOCIAL)
    assert SOURCE.parse_line(line, batch) is taken
    if not taken:
        assert not batch.skipped and not batch._problems and not batch.post_ids
