"""The live writer: what it keeps equals a straight ingest of the same events, committed with
the stream's cursor, and kept again after a restart changes nothing."""

from __future__ import annotations

import pytest
from helpers import CORPORA

from groundswell.api import Store
from groundswell.watch import cursors
from groundswell.watch.writer import LiveWriter

EVENTS = CORPORA / "bluesky" / "jetstream_events_v1.jsonl"
pytestmark = pytest.mark.skipif(not EVENTS.is_file(), reason=f"no real Jetstream events at "
                                f"{EVENTS}")

#: The canonical content of a store, without provenance (a stream is not a file).
CONTENT = {
    "posts": "SELECT platform, post_id, author_id, created_at, text, kind, reply_to_post_id, "
             "repost_of_post_id, quote_of_post_id FROM posts",
    "post_hashtags": "SELECT platform, post_id, tag FROM post_hashtags",
    "mentions": "SELECT platform, post_id, handle, mentioned_author_id FROM mentions",
    "deletions": "SELECT platform, post_id FROM deletions",
    "accounts": "SELECT platform, author_id, handle, status FROM accounts",
    "handles": "SELECT platform, author_id, handle FROM handles",
}


def content(db) -> dict[str, list]:
    with Store(db, read_only=True) as store:
        return {t: sorted(map(repr, store.con.execute(q).fetchall())) for t, q in CONTENT.items()}


def lines() -> list[bytes]:
    return [raw for raw in EVENTS.read_bytes().splitlines() if raw.strip()]


def write(db, events: list[tuple[int, bytes]], batch_posts: int = 7) -> LiveWriter:
    """Commits every ``batch_posts`` posts (a time slice in real use), and at the end."""
    writer = LiveWriter(db, "jetstream test", commit_every=3600, batch_posts=batch_posts)
    for number, raw in events:
        writer.seen(cursor=str(number))
        writer.add(raw, line=number)
        writer.commit_if_due()
    writer.close()
    return writer


def test_what_it_keeps_equals_a_straight_ingest(tmp_path):
    with Store(tmp_path / "straight.duckdb") as store:
        store.ingest([EVENTS])
    events = list(enumerate(lines(), 1))
    writer = write(tmp_path / "live.duckdb", events)
    assert writer.summary.commits > 1
    assert content(tmp_path / "live.duckdb") == content(tmp_path / "straight.duckdb")
    with Store(tmp_path / "live.duckdb", read_only=True) as store:
        assert cursors.load(store, "jetstream test") == (str(len(events)), len(events))


def test_a_restart_that_reads_events_again_changes_nothing(tmp_path):
    events = list(enumerate(lines(), 1))
    db = tmp_path / "live.duckdb"
    write(db, events[: len(events) // 2])
    before = content(db)
    writer = LiveWriter(db, "jetstream test")
    assert writer.stored_cursor() == str(len(events) // 2)
    write(db, events[len(events) // 2 - 50: len(events) // 2])  # the rewound part, again
    assert content(db) == before
    write(db, events)
    with Store(tmp_path / "straight.duckdb") as store:
        store.ingest([EVENTS])
    assert content(db) == content(tmp_path / "straight.duckdb")
