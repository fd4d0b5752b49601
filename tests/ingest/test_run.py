"""Ingestion behaviour: bad input is quarantined, nothing is lost or doubled, deletes stick."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import orjson
import pytest
from helpers import all_rows, corpus, table_rows
from metrics.oracle import Raw

from groundswell import Store


def real_lines(name: str) -> list[bytes]:
    return [line for line in corpus("twarc2", name).read_bytes().splitlines() if line.strip()]


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def post_ids(store: Store) -> set[str]:
    return {r[0] for r in store.con.execute("SELECT post_id FROM posts").fetchall()}


def test_bad_lines_are_quarantined_and_good_lines_kept(store, tmp_path):
    good = real_lines("flat.jsonl")[:5]
    lines = [good[0], b"{not json", good[1], b"[1, 2]", b'{"hello": "world"}', good[2],
             b"\xff\xfe garbage", good[3], good[4]]
    summary = store.ingest([write(tmp_path / "mixed.jsonl", lines)])
    clean = Store(tmp_path / "clean.duckdb")
    clean.ingest([write(tmp_path / "good.jsonl", good)])
    assert post_ids(store) == post_ids(clean)
    assert summary.quarantined == 4
    rows = store.con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    assert [r[0] for r in rows] == [2, 4, 5, 7]
    assert "not valid JSON" in rows[0][1]
    assert "unknown record shape" in rows[2][1]


def test_one_bad_tweet_in_a_page_does_not_cost_the_others(store, tmp_path):
    page = orjson.loads(real_lines("brexit.jsonl")[0])
    broken_id = page["data"][3]["id"]
    page["data"][3]["id"] = {"not": "an id"}
    summary = store.ingest([write(tmp_path / "page.jsonl", [orjson.dumps(page)])])
    ids = post_ids(store)
    assert broken_id not in ids or any(
        t["id"] == broken_id for t in page["includes"].get("tweets", []))
    expected = {t["id"] for t in page["data"] if isinstance(t["id"], str)}
    assert expected <= ids
    assert summary.quarantined == 1
    (reason,) = store.con.execute("SELECT reason FROM quarantine").fetchone()
    assert "data[3]" in reason


def test_reingest_is_idempotent_and_small_batches_change_nothing(tmp_path):
    files = [corpus("twarc2", "brexit.jsonl"), corpus("twarc2", "flat.jsonl"),
             corpus("twitter-v1", "python_twitter_streaming_lines.jsonl")]
    one = Store(tmp_path / "one.duckdb")
    first = one.ingest(files)
    before = all_rows(one)
    again = one.ingest(files)
    assert again.posts_added == 0 and again.duplicates == again.posts_seen
    assert all_rows(one) == before
    tiny = Store(tmp_path / "tiny.duckdb")
    tiny.ingest(files, batch_posts=7)
    assert table_rows(tiny, "posts") == before["posts"]
    assert table_rows(tiny, "post_hashtags") == before["post_hashtags"]
    assert first.posts_added == len(before["posts"])


def test_delete_removes_post_and_derived_rows_and_sticks(store, tmp_path):
    source = corpus("twarc2", "flat.jsonl")
    store.ingest([source])
    victim = store.con.execute(
        "SELECT post_id FROM post_hashtags JOIN mentions USING (platform, post_id) LIMIT 1"
    ).fetchone()[0]
    delete = orjson.dumps({"id": victim, "action": "delete", "created_at":
                           "2021-06-01T00:00:00.000Z", "reason": "deleted"})
    summary = store.ingest([write(tmp_path / "compliance.jsonl", [delete])])
    assert summary.deleted == 1
    for table in ("posts", "post_hashtags", "mentions"):
        n = store.con.execute(f"SELECT count(*) FROM {table} WHERE post_id = ?", [victim])
        assert n.fetchone()[0] == 0, table
    again = store.ingest([source])
    assert victim not in post_ids(store)
    assert again.already_deleted >= 1 and again.posts_added == 0


def test_a_delete_left_unswept_by_a_killed_run_is_completed_by_the_next(store, tmp_path,
                                                                        monkeypatch):
    """Inside a bulk ingest, deleting a post stored by an earlier batch waits for one sweep
    at the end. A run killed before it leaves the tombstone and the post: the next run's
    opening sweep removes the post and its rows."""
    source = corpus("twarc2", "flat.jsonl")
    store.ingest([source])
    victim = store.con.execute(
        "SELECT post_id FROM post_hashtags JOIN mentions USING (platform, post_id) LIMIT 1"
    ).fetchall()[0][0]
    delete = orjson.dumps({"id": victim, "action": "delete", "reason": "deleted"})
    compliance = write(tmp_path / "compliance.jsonl", [delete])
    with monkeypatch.context() as patched:  # "killed" right before the closing sweep
        sweeps = iter([0])
        patched.setattr(Store, "sweep_deleted", lambda self: next(sweeps, 0))
        store.ingest([compliance])
    assert victim in post_ids(store)  # tombstoned, not yet swept
    summary = store.ingest([source])  # any later run, even of other files
    assert summary.deleted == 1 and victim not in post_ids(store)
    for table in ("post_hashtags", "mentions"):
        rows = store.con.execute(f"SELECT count(*) FROM {table} WHERE post_id = ?", [victim])
        assert rows.fetchall()[0][0] == 0, table


def test_delete_before_post_in_same_file_keeps_it_out(store, tmp_path):
    status = real_lines_v1()[0]
    post_id = orjson.loads(status)["id_str"]
    notice = orjson.dumps({"delete": {"status": {"id": int(post_id), "id_str": post_id,
                                                 "user_id": 1, "user_id_str": "1"},
                                      "timestamp_ms": "1508100000000"}})
    store.ingest([write(tmp_path / "s.jsonl", [notice, status])])
    assert post_id not in post_ids(store)


def real_lines_v1() -> list[bytes]:
    path = corpus("twitter-v1", "python_twitter_streaming_lines.jsonl")
    return [line for line in path.read_bytes().splitlines() if line.strip()]


def test_bom_crlf_and_blank_lines(store, tmp_path):
    lines = real_lines_v1()[:3]
    raw = b"\xef\xbb\xbf" + b"\r\n\r\n".join(lines) + b"\r\n\r\n"
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(raw)
    summary = store.ingest([path])
    assert summary.quarantined == 0
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    assert summary.posts_added == len(Raw([plain]).posts) >= 3  # retweets embed their original


def test_truncated_gzip_keeps_what_was_read_and_says_so(store, tmp_path):
    lines = real_lines_v1()
    blob = gzip.compress(b"\n".join(lines) + b"\n")
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(blob[: len(blob) // 2])
    summary = store.ingest([path])
    readable = zlib.decompressobj(wbits=31).decompress(blob[: len(blob) // 2])
    whole = tmp_path / "readable.jsonl"  # the lines that end before the cut
    whole.write_bytes(readable[: readable.rfind(b"\n") + 1])
    assert summary.posts_added == len(Raw([whole]).posts) > 0
    reasons = [r[0] for r in store.con.execute("SELECT reason FROM quarantine").fetchall()]
    assert any("ends early" in r for r in reasons)


def test_account_keeps_most_recent_snapshot(store, tmp_path):
    status = orjson.loads(real_lines_v1()[0])
    later = dict(status, id_str="1", id=1, created_at="Sun Oct 15 20:21:00 +0000 2034",
                 user=dict(status["user"], followers_count=999_999_999))
    older = dict(status, id_str="2", id=2, created_at="Sun Oct 15 20:21:00 +0000 2001",
                 user=dict(status["user"], followers_count=1))
    store.ingest([write(tmp_path / "a.jsonl", [orjson.dumps(later), orjson.dumps(older)])])
    followers = store.con.execute(
        "SELECT followers FROM accounts WHERE author_id = ?", [status["user"]["id_str"]]
    ).fetchone()[0]
    assert followers == 999_999_999


def test_missing_file_is_a_clear_error(store, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        store.ingest([tmp_path / "nope.jsonl"])
