"""The Mastodon source's guarantees: idempotent, one post per uri whichever server served it,
deletes by local id honoured in any order, edits counted once, and the streaming API's
transports (server-sent events, WebSocket messages) equal to the plain statuses.

Inputs are real statuses (mastodon.social's tag timeline and public stream) written in the
other shapes the API gives them, or changed as another server or an edit would change them.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta

import pytest
from helpers import all_rows

from groundswell import Store
from groundswell.text import normalize_tag

MASTODON_SOCIAL = "mastodon.social"  # where the rtoot recordings were made
OTHER = "other.example"


def one(store, sql: str, params=()) -> list[tuple]:
    return store.con.execute(sql, params).fetchall()


def sse(*events: tuple[str, object]) -> list[str]:
    """A server-sent stream as Mastodon writes it (a heartbeat first)."""
    lines = [":thump", ""]
    for event, data in events:
        lines += [f"event: {event}", f"data: {data if isinstance(data, str) else json.dumps(data)}",
                  ""]
    return lines


def ws(event: str, payload: object, **extra) -> dict:
    """A WebSocket message of the streaming API (payloads are JSON in a string)."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return {"stream": ["public"], "event": event, "payload": body, **extra}


def tagged(statuses: list[dict]) -> dict:
    """A real status with hashtags and mentions, not a reply."""
    return next(s for s in statuses if s["tags"] and s["mentions"] and not s["in_reply_to_id"])


def derived_rows(store, uri: str) -> tuple[int, int, int]:
    return tuple(one(store, f"SELECT count(*) FROM {t} WHERE post_id = ?", [uri])[0][0]
                 for t in ("posts", "post_hashtags", "mentions"))


# --- idempotence ----------------------------------------------------------------------------

def test_reingesting_every_real_file_changes_nothing(real_files, store, ingest) -> None:
    for path, server in real_files:
        ingest(store, path, server=server)
    before = all_rows(store)
    assert len(before["posts"]) == 304 + 160 + 59 + 48
    for path, server in real_files:
        again = ingest(store, path, server=server)
        assert (again.posts_added, again.quarantined, again.deleted) == (0, 0, 0)
    assert all_rows(store) == before


# --- one post, many servers -----------------------------------------------------------------

def test_a_status_served_by_two_servers_is_stored_once(timeline, store, ingest, write) -> None:
    status = next(s for s in timeline if "@" in s["account"]["acct"] and not s["in_reply_to_id"])
    elsewhere = {**status, "id": str(int(status["id"]) - 4711)}  # the other server's number
    ingest(store, write("here.jsonl", [status]), server=MASTODON_SOCIAL)
    ingest(store, write("there.jsonl", [elsewhere]), server=OTHER)
    assert one(store, "SELECT count(*) FROM posts WHERE post_id = ?", [status["uri"]]) == [(1,)]
    assert sorted(one(store, "SELECT server, local_id FROM local_ids WHERE post_id = ?",
                      [status["uri"]])) == [(MASTODON_SOCIAL, status["id"]),
                                            (OTHER, elsewhere["id"])]
    # a reply seen on the other server names the parent by that server's id: it joins
    reply = {**next(s for s in timeline if s is not status and not s["in_reply_to_id"]),
             "in_reply_to_id": elsewhere["id"],
             "in_reply_to_account_id": status["account"]["id"]}
    ingest(store, write("reply.jsonl", [reply]), server=OTHER)
    assert one(store, "SELECT kind, reply_to_post_id FROM posts WHERE post_id = ?",
               [reply["uri"]]) == [("reply", status["uri"])]
    # the same local id on a third server is another post: nothing joins, nothing is deleted
    ingest(store, write("third.jsonl", [ws("delete", elsewhere["id"])]), server="third.example")
    assert derived_rows(store, status["uri"])[0] == 1
    # the other server's delete removes it
    ingest(store, write("gone.jsonl", [ws("delete", elsewhere["id"])]), server=OTHER)
    assert derived_rows(store, status["uri"]) == (0, 0, 0)


def test_a_reply_whose_parent_comes_later_is_joined_then(timeline, store, ingest, write) -> None:
    replies = [s for s in timeline if s["in_reply_to_id"]]
    ids = {s["id"]: s["uri"] for s in timeline}
    child = next(s for s in replies if s["in_reply_to_id"] in ids)
    parent = next(s for s in timeline if s["id"] == child["in_reply_to_id"])
    ingest(store, write("child.jsonl", [child]), server=MASTODON_SOCIAL)
    assert one(store, "SELECT reply_to_post_id FROM posts WHERE post_id = ?", [child["uri"]]) \
        == [(f"local:{MASTODON_SOCIAL}/{parent['id']}",)]
    ingest(store, write("parent.jsonl", [parent]), server=MASTODON_SOCIAL)
    assert one(store, "SELECT reply_to_post_id FROM posts WHERE post_id = ?", [child["uri"]]) \
        == [(parent["uri"],)]


# --- deletes --------------------------------------------------------------------------------

def test_a_delete_in_the_same_stream_removes_the_status(stream_statuses, store, ingest,
                                                        write) -> None:
    status = tagged(stream_statuses)
    path = write("stream.sse", sse(("update", status), ("delete", status["id"])))
    summary = ingest(store, path, server=MASTODON_SOCIAL)
    assert derived_rows(store, status["uri"]) == (0, 0, 0)
    assert one(store, "SELECT post_id, reason FROM deletions") == [(status["uri"], "deleted")]
    assert (summary.deleted, summary.quarantined) == (1, 0)


def test_a_later_delete_removes_the_status_and_its_rows(stream_statuses, real_files, store,
                                                        ingest, write) -> None:
    status = tagged(stream_statuses)
    ingest(store, real_files[-1][0], server=MASTODON_SOCIAL)
    assert derived_rows(store, status["uri"]) == (1, len(status["tags"]), len(status["mentions"]))
    summary = ingest(store, write("deletes.jsonl", [ws("delete", status["id"])]),
                     server=MASTODON_SOCIAL)
    assert derived_rows(store, status["uri"]) == (0, 0, 0)
    assert summary.deleted == 1
    assert one(store, "SELECT count(*) FROM posts") == [(47,)]


@pytest.mark.parametrize("same_file", [True, False], ids=["same file", "later ingest"])
def test_a_delete_before_its_status_is_a_tombstone(stream_statuses, store, ingest, write,
                                                   same_file) -> None:
    status = tagged(stream_statuses)
    delete = sse(("delete", status["id"]))
    update = sse(("update", status))
    if same_file:
        ingest(store, write("stream.sse", delete + update), server=MASTODON_SOCIAL)
    else:
        ingest(store, write("delete.sse", delete), server=MASTODON_SOCIAL)
        ingest(store, write("update.sse", update), server=MASTODON_SOCIAL)
    assert derived_rows(store, status["uri"]) == (0, 0, 0)
    ingest(store, write("again.sse", update), server=MASTODON_SOCIAL)  # and stays deleted
    assert derived_rows(store, status["uri"]) == (0, 0, 0)


# --- edits ----------------------------------------------------------------------------------

def first_tag(status: dict) -> str:
    """The first hashtag linked in a status's HTML, as written."""
    return re.search(r'/tags/(\w+)"', status["content"])[1]


def edited(status: dict) -> dict:
    """The status as a ``status.update`` would give it: its first hashtag replaced by
    #NeuerTag in text and tags, ``edited_at`` an hour after it was posted."""
    new = copy.deepcopy(status)
    old = first_tag(status)
    new["content"] = status["content"].replace(f'/tags/{old}"', '/tags/NeuerTag"') \
        .replace(f"#<span>{old}</span>", "#<span>NeuerTag</span>")
    new["tags"] = [{"name": "neuertag", "url": "https://mastodon.social/tags/neuertag"},
                   *(t for t in status["tags"] if t["name"].lower() != old.lower())]
    posted = datetime.strptime(status["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    new["edited_at"] = (posted + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return new


def test_an_edit_replaces_text_and_tags_and_counts_one_version(timeline, store, ingest,
                                                               write) -> None:
    status = next(s for s in timeline if not s["edited_at"] and len(s["tags"]) > 1)
    update = edited(status)
    assert update["content"] != status["content"]
    ingest(store, write("timeline.jsonl", timeline), server=MASTODON_SOCIAL)
    [(text_before,)] = one(store, "SELECT text FROM posts WHERE post_id = ?", [status["uri"]])

    ingest(store, write("edit.jsonl", [ws("status.update", update)]), server=MASTODON_SOCIAL)
    [(text,)] = one(store, "SELECT text FROM posts WHERE post_id = ?", [status["uri"]])
    assert text != text_before and "#NeuerTag" in text
    stored_tags = {t for t, in one(store, "SELECT tag FROM post_hashtags WHERE post_id = ?",
                                   [status["uri"]])}
    assert "neuertag" in stored_tags and len(stored_tags) == len(update["tags"])
    assert normalize_tag(first_tag(status)) not in stored_tags
    versions = one(store, "SELECT version FROM post_versions WHERE post_id = ?", [status["uri"]])
    assert versions == [(update["edited_at"],)]
    after = all_rows(store)

    # the same edit again, by either transport: nothing changes
    ingest(store, write("edit-again.jsonl", [ws("status.update", update)]),
           server=MASTODON_SOCIAL)
    ingest(store, write("edit.sse", sse(("status.update", update))), server=MASTODON_SOCIAL)
    assert all_rows(store) == after


def test_an_edited_status_read_first_counts_its_version_once(timeline, store, ingest,
                                                             write) -> None:
    status = next(s for s in timeline if s["edited_at"])
    ingest(store, write("a.jsonl", [status, status]), server=MASTODON_SOCIAL)
    ingest(store, write("b.jsonl", [status]), server=MASTODON_SOCIAL)
    assert one(store, "SELECT count(*) FROM posts") == [(1,)]
    assert one(store, "SELECT version FROM post_versions") == [(status["edited_at"],)]


# --- the streaming transports ---------------------------------------------------------------

def test_server_sent_and_websocket_streams_equal_the_statuses(stream_statuses, real_files,
                                                              write, ingest, rows_of,
                                                              tmp_path) -> None:
    """The 48 real ``update`` payloads, then a delete of one of them: as plain statuses and a
    WebSocket delete, as a server-sent stream, and as WebSocket messages."""
    gone = stream_statuses[7]["id"]
    shapes = {
        "json": write("plain.jsonl", [*stream_statuses, ws("delete", gone)]),
        "sse": write("stream.sse", sse(*(("update", s) for s in stream_statuses),
                                       ("delete", gone))),
        "websocket": write("socket.jsonl", [*(ws("update", s) for s in stream_statuses),
                                            ws("delete", gone)]),
    }
    rows, summaries = {}, {}
    for shape, path in shapes.items():
        with Store(tmp_path / f"{shape}.duckdb") as store:
            summaries[shape] = ingest(store, path, server=MASTODON_SOCIAL)
            rows[shape] = rows_of(store)
    assert len(rows["json"]["posts"]) == 47 and rows["json"]["deletions"]
    assert rows["sse"] == rows["json"] == rows["websocket"]
    assert {s: x.quarantined for s, x in summaries.items()} == dict.fromkeys(shapes, 0)
    assert summaries["sse"].skipped == {
        "server-sent event name (its data line is read on its own)": 49,
        "server-sent comment (heartbeat)": 1}


# --- the serving server ---------------------------------------------------------------------

def test_the_server_is_found_in_a_thread_without_the_flag(real_files, ingest, rows_of,
                                                          tmp_path) -> None:
    context = next(p for p, _ in real_files if p.name.startswith("context"))
    rows = []
    for server in (MASTODON_SOCIAL, None):
        with Store(tmp_path / f"{server}.duckdb") as store:
            ingest(store, context, server=server)
            rows.append(rows_of(store))
    assert rows[0] == rows[1] and len(rows[0]["local_ids"]) == 59


def test_a_server_field_beside_the_status_is_the_flag(timeline, real_files, write, ingest,
                                                      rows_of, tmp_path) -> None:
    wrapped = write("wrapped.jsonl", [{"server": "https://Mastodon.Social/", "status": s}
                                      for s in timeline])
    flagged = next(p for p, _ in real_files if p.name.startswith("tag_"))
    rows = []
    for path, server in ((flagged, MASTODON_SOCIAL), (wrapped, None)):
        with Store(tmp_path / f"{path.stem}.duckdb") as store:
            ingest(store, path, server=server)
            rows.append(rows_of(store))
    assert rows[0] == rows[1]


def test_without_a_server_nothing_is_joined_by_a_guess(stream_statuses, store, ingest,
                                                       write) -> None:
    """The public stream without ``--server``: a line naming a local account (author or
    mention) tells its server; the others keep their posts but no local id, and a reply
    among them names no parent; a delete cannot be placed and is quarantined."""
    def names_local(s: dict) -> bool:
        return any("@" not in a["acct"] for a in [s["account"], *s["mentions"]])

    known = {s["uri"] for s in stream_statuses if names_local(s)}
    path = write("stream.jsonl", [*stream_statuses, ws("delete", stream_statuses[0]["id"])])
    summary = ingest(store, path)
    assert one(store, "SELECT count(*) FROM posts") == [(48,)]
    assert {u for u, in one(store, "SELECT post_id FROM local_ids")} == known
    assert {s for s, in one(store, "SELECT DISTINCT server FROM local_ids")} == {MASTODON_SOCIAL}
    unknown_replies = [s["uri"] for s in stream_statuses
                       if s["in_reply_to_id"] and s["uri"] not in known]
    assert unknown_replies
    for uri in unknown_replies:
        assert one(store, "SELECT kind, reply_to_post_id FROM posts WHERE post_id = ?",
                   [uri]) == [("reply", None)]
    [(line, reason)] = one(store, "SELECT line, reason FROM quarantine")
    assert line == 49 and "ingest with --server HOST" in reason
    assert summary.quarantined == 1


def test_the_accounts_of_a_notification_tell_its_server(timeline, store, ingest, write) -> None:
    """A remote status in a notification: the notified-about account that is local (no
    ``@`` in its acct) names the server; two local accounts on different hosts name none."""
    remote = next(s for s in timeline if "@" in s["account"]["acct"] and not any(
        "@" not in m["acct"] for m in s["mentions"]))
    local = next(s["account"] for s in timeline if "@" not in s["account"]["acct"])
    stranger = {**local, "url": "https://other.example/@someone"}
    notified = {"id": "5", "type": "reblog", "created_at": remote["created_at"],
                "account": local, "status": remote}
    confused = {**notified, "status": {**remote, "mentions": [stranger]}}
    ingest(store, write("notified.jsonl", [notified]))
    assert one(store, "SELECT server, local_id FROM local_ids") == [
        (MASTODON_SOCIAL, remote["id"])]
    with Store(store.path.parent / "confused.duckdb") as other:
        ingest(other, write("confused.jsonl", [confused]))
        assert one(other, "SELECT count(*) FROM posts") == [(1,)]
        assert one(other, "SELECT count(*) FROM local_ids") == [(0,)]


def test_a_server_sent_stream_cut_into_chunks_reads_the_same(stream_statuses, write, rows_of,
                                                             tmp_path, monkeypatch) -> None:
    """Worker processes parse a big file in byte ranges, which may part a ``data:`` line
    from its ``event:`` line: each data line is read on its own, so nothing changes."""
    path = write("stream.sse", sse(*(("update", s) for s in stream_statuses),
                                   ("delete", stream_statuses[3]["id"])))
    monkeypatch.setenv("GROUNDSWELL_CHUNK_BYTES", "8192")  # ~15 chunks
    rows = []
    for workers in (1, 3):
        with Store(tmp_path / f"{workers}.duckdb") as store:
            summary = store.ingest([path], server=MASTODON_SOCIAL, workers=workers)
            rows.append(rows_of(store))
            assert summary.quarantined == 0
    assert rows[0] == rows[1] and len(rows[0]["posts"]) == 47


def test_a_status_the_batch_holds_is_not_parsed_again(timeline, store, ingest, write, rows_of,
                                                      make_store, monkeypatch) -> None:
    """Every boost carries the boosted status: within a batch its HTML is read once (the
    ingest's costliest step), and the tables are those of reading it each time (one line
    per batch)."""
    import groundswell.sources.mastodon.statuses as statuses

    original = tagged(timeline)
    boosts = [{**s, "id": str(9_000_000 + i), "uri": f"{s['uri']}/boost", "content": "",
               "reblog": original, "tags": [], "mentions": []}
              for i, s in enumerate(timeline[:5]) if s is not original]
    lines = [original, *boosts, original]
    parsed: list[str] = []
    real = statuses.text_and_tag_text
    monkeypatch.setattr(statuses, "text_and_tag_text",
                        lambda content: parsed.append(content) or real(content))
    ingest(store, write("boosts.jsonl", lines), server=MASTODON_SOCIAL)
    assert parsed.count(original["content"]) == 1
    apart = make_store("apart")
    for i, line in enumerate(lines):  # a batch of its own for each line: nothing known
        ingest(apart, write(f"line{i}.jsonl", [line]), server=MASTODON_SOCIAL)
    assert parsed.count(original["content"]) == 1 + len(lines)
    assert rows_of(store) == rows_of(apart)
    assert one(store, "SELECT count(*) FROM posts WHERE repost_of_post_id = ?",
               [original["uri"]]) == [(len(boosts),)]
