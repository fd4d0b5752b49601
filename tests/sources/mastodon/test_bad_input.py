"""Bad Mastodon input is quarantined with its file, line and reason; the run goes on and
every good record is kept. The bad records are real statuses broken one way each."""

from __future__ import annotations

import json

import pytest

MASTODON_SOCIAL = "mastodon.social"


def one(store, sql: str, params=()) -> list[tuple]:
    return store.con.execute(sql, params).fetchall()


def without(status: dict, key: str) -> dict:
    return {k: v for k, v in status.items() if k != key}


def quarantined(store) -> dict[int, str]:
    return dict(one(store, "SELECT line, reason FROM quarantine"))


def test_broken_statuses_are_quarantined_and_the_rest_kept(timeline, store, ingest,
                                                           write) -> None:
    good = timeline[:6]
    lines = [
        good[0],
        without(timeline[10], "uri"),
        without(timeline[11], "account"),
        {**timeline[12], "created_at": "last Tuesday"},
        {**timeline[13], "content": 42},
        json.dumps(timeline[14])[:300],  # a line cut short
        good[1],
        {**timeline[15], "account": {**timeline[15]["account"], "acct": None}},
        {**timeline[16], "reblog": "yes"},
        {**timeline[17], "quote": {"state": "accepted", "quoted_status": 7}},
        good[2],
    ]
    path = write("broken.jsonl", lines)
    summary = ingest(store, path, server=MASTODON_SOCIAL)
    reasons = quarantined(store)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 8, 9, 10]
    expected = {
        2: "mastodon: status without uri",
        3: f"mastodon: status {timeline[11]['uri'][:100]} has no account",
        4: "mastodon: created_at is not an ISO timestamp: 'last Tuesday'",
        5: "mastodon: content is a int, not a string",
        8: "mastodon: status account without acct",
        9: "mastodon: reblog is a str, not a status",
        10: "mastodon: quote.quoted_status is a int, not a status",
    }
    for line, reason in expected.items():
        assert reasons[line] == reason, line
    assert reasons[6].startswith("not valid JSON")
    assert one(store, "SELECT DISTINCT source FROM quarantine") == [(str(path),)]
    assert {u for u, in one(store, "SELECT post_id FROM posts")} == {s["uri"] for s in good[:3]}
    assert (summary.quarantined, summary.posts_added) == (8, 3)


def test_broken_stream_lines_are_quarantined(stream_statuses, store, ingest, write) -> None:
    good, other = stream_statuses[0], stream_statuses[1]
    lines = [
        ":thump",
        "event: update",
        "data: " + json.dumps(good),
        "event: update",
        "data: " + json.dumps(other)[:500],  # broken JSON
        "data: this is not a payload",
        'data: {"unexpected": true}',
        "data: ",
        json.dumps({"stream": ["public"], "event": "update", "payload": "{not json"}),
        json.dumps({"stream": ["public"], "event": "update", "payload": "[1, 2]"}),
        json.dumps({"stream": ["public"], "event": "delete", "payload": "12 34"}),
        json.dumps({"stream": ["public"], "event": "update", "payload": json.dumps(other)}),
    ]
    summary = ingest(store, write("stream.sse", lines), server=MASTODON_SOCIAL)
    reasons = quarantined(store)
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 11]
    assert reasons[5].startswith("mastodon: server-sent data is not valid JSON")
    assert reasons[6] == ("mastodon: server-sent data is neither JSON nor a status id: "
                          "b'this is not a payload'")
    assert reasons[7] == "mastodon: Mastodon object of unknown shape (keys: unexpected)"
    assert reasons[8] == "mastodon: server-sent data is neither JSON nor a status id: b''"
    assert reasons[9].startswith("mastodon: update payload is not valid JSON")
    assert reasons[10] == "mastodon: update payload is a list, not an object"
    assert reasons[11] == "mastodon: delete without a status id: '12 34'"
    assert {u for u, in one(store, "SELECT post_id FROM posts")} == {good["uri"], other["uri"]}
    assert summary.quarantined == 7


def test_one_bad_status_of_a_thread_costs_only_itself(real_files, store, ingest,
                                                      write) -> None:
    context = json.loads(next(p for p, _ in real_files if p.name.startswith("context"))
                         .read_text("utf-8"))
    context["descendants"][3] = without(context["descendants"][3], "account")
    summary = ingest(store, write("context.jsonl", [context]), server=MASTODON_SOCIAL)
    assert one(store, "SELECT count(*) FROM posts") == [(58,)]
    assert quarantined(store) == {1: "descendants[3]: status "
                                     f"{context['descendants'][3]['uri']} has no account"}
    assert summary.quarantined == 1


def test_a_broken_carried_status_keeps_the_status_carrying_it(timeline, store, ingest,
                                                              write) -> None:
    status, carried = timeline[0], timeline[1]
    quoting = {**status, "quote": {"state": "accepted",
                                   "quoted_status": {**carried, "created_at": 5}}}
    odd_profile = {**timeline[2], "account": {**timeline[2]["account"], "created_at": "soon"}}
    ingest(store, write("carried.jsonl", [quoting, odd_profile]), server=MASTODON_SOCIAL)
    assert {u for u, in one(store, "SELECT post_id FROM posts")} == {status["uri"],
                                                                     timeline[2]["uri"]}
    assert quarantined(store) == {
        1: f"quoted status of {status['uri']}: created_at is not a string: int",
        2: "account created_at is not an ISO timestamp: 'soon'"}
    assert one(store, "SELECT created_at FROM accounts WHERE author_id = ?",
               [timeline[2]["account"]["acct"] if "@" in timeline[2]["account"]["acct"]
                else f"{timeline[2]['account']['acct']}@{MASTODON_SOCIAL}"]) == [(None,)]


def test_a_server_that_is_no_host_name_is_refused_before_reading(timeline, store, ingest,
                                                                 write) -> None:
    """Given by the user, a bad server stops the ingest before a line is read; written
    beside the statuses in a line, it is that line's reason, and the other lines read."""
    path = write("timeline.jsonl", timeline[:3])
    with pytest.raises(ValueError, match="--server: server 'https://' is not a host name"):
        store.ingest([path], server="https://")
    assert store.count("posts") == 0 and store.count("quarantine") == 0
    declared = write("declared.jsonl", [{"server": "https://", "status": timeline[0]},
                                        *({"server": MASTODON_SOCIAL, "status": s}
                                          for s in timeline[1:3])])
    summary = ingest(store, declared)
    assert set(quarantined(store).values()) == {"mastodon: server 'https://' is not a host name"}
    assert (summary.quarantined, summary.posts_added) == (1, 2)
