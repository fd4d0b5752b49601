"""``ingest --follow``: a growing file, read like ``tail -F``, lands exactly as a one-shot ingest.

The follower opens the store only to commit a batch; these tests append to a file while it
runs in a thread, cut lines anywhere, hold the store from another process, rotate and truncate
the file, and compare every table with a one-shot ingest of the same bytes.
"""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import all_rows

from groundswell import Store, StoreBusy
from groundswell.ingest.follow import Follower, Tail, follow
from groundswell.ingest.lines import InputFile, iter_lines
from groundswell.simulate import simulate


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until ``condition()`` holds (a bound on a hang, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> tuple[bytes, dict]:
    """A v1.1 stream (one status per line, oldest first) with deletes and broken lines."""
    folder = tmp_path_factory.mktemp("sim")
    truth = simulate(2_500, fmt="twitter-v1", seed=5, out=folder / "c.jsonl")
    return (folder / "c.jsonl").read_bytes(), truth


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


class Running:
    """A follower in a thread; ``finish()`` stops it and returns its summary."""

    def __init__(self, db: Path, file: Path, **options):
        options.setdefault("poll", 0.05)
        self.stop = threading.Event()
        self.follower = Follower(db, file, stop=self.stop, **options)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.follower.run()
        except BaseException as exc:  # surfaced by finish()
            self.error = exc

    @property
    def summary(self):
        return self.follower.summary

    def finish(self):
        self.stop.set()
        self.thread.join(timeout=120)
        assert not self.thread.is_alive(), "follower did not stop"
        if self.error is not None:
            raise self.error
        return self.summary


def one_shot(tmp_path: Path, file: Path):
    with Store(tmp_path / "once.duckdb") as store:
        summary = store.ingest([file])
        return summary, all_rows(store)


def tables(db: Path) -> dict[str, list[tuple]]:
    with Store(db, read_only=True) as store:
        return all_rows(store)


def test_following_a_growing_file_equals_one_shot_ingest(tmp_path, sim):
    data, truth = sim
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"")
    db = tmp_path / "live.duckdb"
    run = Running(db, followed, batch_posts=400)
    rng = random.Random(7)
    with open(followed, "ab") as out:  # appends that cut lines (and UTF-8) anywhere
        pos = 0
        while pos < len(data):
            n = rng.randint(1, 60_000)
            out.write(data[pos:pos + n])
            out.flush()
            pos += n
            time.sleep(rng.choice((0, 0.005, 0.03)))
    wait_for(lambda: run.summary.offset == len(data), "every line to be committed")
    summary = run.finish()

    expected_summary, expected = one_shot(tmp_path, followed)
    assert tables(db) == expected
    assert summary.batches > 1
    assert summary.pending_bytes == 0
    for field in ("lines", "posts_seen", "posts_added", "duplicates", "quarantined", "deleted",
                  "already_deleted", "skipped"):
        assert getattr(summary, field) == getattr(expected_summary, field), field
    assert summary.posts_added - summary.deleted == truth["posts"]
    assert summary.quarantined == truth["malformed_lines"] >= 1
    with Store(db, read_only=True) as store:  # one ingests row for the run, kept current
        runs = store.con.execute("SELECT sources, lines, posts_added FROM ingests").fetchall()
    assert runs == [(f'["{followed.resolve()}"]', summary.lines, summary.posts_added)]


def test_a_partial_last_line_waits_for_its_newline(tmp_path, sim):
    data, _ = sim
    first, second, third = lines_of(data)[:3]
    followed = tmp_path / "live.jsonl"
    half = len(third) // 2
    followed.write_bytes(first + second + third[:half])
    db = tmp_path / "live.duckdb"
    run = Running(db, followed)
    wait_for(lambda: run.summary.lines == 2, "the two complete lines")
    looked = run.summary.looks
    # three more looks at the file's end: the half line must still be waiting, not quarantined
    wait_for(lambda: run.summary.looks >= looked + 3, "three more looks at the end")
    assert run.summary.lines == 2
    assert run.summary.pending_bytes == half
    assert run.summary.quarantined == 0
    with open(followed, "ab") as out:
        out.write(third[half:])
    wait_for(lambda: run.summary.lines == 3, "the completed third line")
    summary = run.finish()
    assert summary.quarantined == 0
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT max(source_line) FROM posts").fetchall() == [(3,)]
        assert store.count("quarantine") == 0


def test_on_stop_a_complete_unterminated_line_is_ingested_a_broken_one_waits(tmp_path, sim):
    data, _ = sim
    first, second = lines_of(data)[:2]
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(first + second.rstrip(b"\n"))  # a file without final newline
    db = tmp_path / "a.duckdb"
    summary = follow(db, followed, stop=_stopped())
    assert summary.lines == 2 and summary.pending_bytes == 0
    assert tables(db) == one_shot(tmp_path, followed)[1]

    followed.write_bytes(first + second[:40])  # being written when the follower stopped
    db = tmp_path / "b.duckdb"
    summary = follow(db, followed, stop=_stopped())
    assert summary.lines == 1 and summary.pending_bytes == 40 and summary.quarantined == 0


def _stopped() -> threading.Event:
    """A stop already set: ``follow`` catches up with the file and returns."""
    event = threading.Event()
    event.set()
    return event


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the store's write lock, as `groundswell ingest` would."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_busy_store_is_retried_until_it_is_free(tmp_path, sim):
    data, _ = sim
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"".join(lines_of(data)[:200]))
    db = tmp_path / "live.duckdb"
    Store(db).close()
    holder = hold_write_lock(db, 1.0)
    try:
        summary = follow(db, followed, stop=_stopped())
    finally:
        holder.wait(timeout=30)
    assert summary.busy_retries > 0
    assert tables(db) == one_shot(tmp_path, followed)[1]


def test_a_reader_in_the_same_process_counts_as_busy(tmp_path, sim):
    """DuckDB refuses a read-write connection while the process has a read-only one open."""
    data, _ = sim
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"".join(lines_of(data)[:50]))
    db = tmp_path / "live.duckdb"
    Store(db).close()
    reader = Store(db, read_only=True)
    threading.Timer(0.3, reader.close).start()
    summary = follow(db, followed, stop=_stopped())
    assert summary.busy_retries > 0
    assert tables(db) == one_shot(tmp_path, followed)[1]


def test_a_store_busy_for_too_long_is_an_error(tmp_path, sim):
    data, _ = sim
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(lines_of(data)[0])
    db = tmp_path / "live.duckdb"
    Store(db).close()
    holder = hold_write_lock(db, 30)
    try:
        with pytest.raises(StoreBusy, match="stayed busy"):
            follow(db, followed, stop=_stopped(), busy_timeout=0.2)
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(tmp_path, sim):
    data, _ = sim
    lines = lines_of(data)
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"".join(lines[:100]))
    db = tmp_path / "live.duckdb"
    run = Running(db, followed)
    wait_for(lambda: run.summary.lines == 100, "the first file")
    rotated = tmp_path / "live.jsonl.1"
    followed.rename(rotated)
    with open(rotated, "ab") as out:  # the writer still had the old file open
        out.write(b"".join(lines[100:110]))
    followed.write_bytes(b"".join(lines[110:150]))
    wait_for(lambda: run.summary.rotations == 1 and run.summary.lines == 150, "the new file")
    summary = run.finish()
    assert summary.quarantined == 0
    name = str(followed.resolve())
    with Store(db, read_only=True) as store:
        rows = store.con.execute("SELECT source_file, min(source_line), max(source_line) "
                                 "FROM posts GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [(name, 1, 110), (f"{name} [2]", 1, 40)]


def test_truncation_starts_again_from_the_start(tmp_path, sim):
    data, _ = sim
    lines = lines_of(data)
    followed = tmp_path / "live.jsonl"
    followed.write_bytes(b"".join(lines[:100]))
    db = tmp_path / "live.duckdb"
    run = Running(db, followed)
    wait_for(lambda: run.summary.lines == 100, "the first lines")
    followed.write_bytes(b"".join(lines[200:220]))  # `> file` then new lines: shorter
    wait_for(lambda: run.summary.truncations == 1 and run.summary.lines == 120, "new lines")
    summary = run.finish()
    assert summary.quarantined == 0
    name = str(followed.resolve())
    with Store(db, read_only=True) as store:
        rows = store.con.execute("SELECT source_file, min(source_line), max(source_line) "
                                 "FROM posts GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [(name, 1, 100), (f"{name} [2]", 1, 20)]


def test_tail_numbers_lines_like_a_one_shot_read(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n  \n{"b": 2}\n{"c": ')
    tail = Tail(path)
    assert tail.read() == [(1, b'{"a": 1}'), (4, b'{"b": 2}')]
    assert tail.buffer == b'{"c": '
    assert tail.read() == []
    with open(path, "ab") as out:
        out.write(b'3}\n')
    assert tail.read() == [(5, b'{"c": 3}')]
    tail.close()
    assert list(iter_lines(InputFile.from_arg(path))) == [
        (1, b'{"a": 1}'), (4, b'{"b": 2}'), (5, b'{"c": 3}')]


def test_bad_inputs_are_refused_clearly(tmp_path):
    db = tmp_path / "s.duckdb"
    with pytest.raises(FileNotFoundError, match="no such file"):
        follow(db, tmp_path / "missing.jsonl", stop=_stopped())
    with pytest.raises(ValueError, match="not stdin"):
        follow(db, "-", stop=_stopped())
    packed = tmp_path / "x.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"a": 1}\n'))
    with pytest.raises(ValueError, match="compressed"):
        follow(db, packed, stop=_stopped())
    assert not db.exists()  # nothing was written, not even an empty store


def test_a_campaign_keeps_its_live_state_current_after_every_batch(tmp_path, sim):
    """``after_batch`` (as ``api.follow(..., campaign=...)`` passes the campaign's live state
    update, groundswell.live) runs right after each batch and once at the start, catching up
    a store filled before; without it, no state is kept."""
    from live_checks import assert_panels_match

    from groundswell.campaign import Campaign
    from groundswell.live import LiveState

    data, truth = sim
    lines = lines_of(data)
    campaign = Campaign.from_tags(["metoo", *truth["campaign"]["variants"]])
    followed, db = tmp_path / "live.jsonl", tmp_path / "live.duckdb"
    followed.write_bytes(b"".join(lines[:800]))
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"".join(lines[:300]))
    with Store(db) as store:
        store.ingest([plain])  # before anyone keeps a state
    batches = []
    running = Running(db, followed, after_batch=LiveState(campaign).update, batch_posts=200,
                      on_batch=lambda b: batches.append(b))
    wait_for(lambda: running.follower.summary.offset == followed.stat().st_size, "the file")
    with open(followed, "ab") as out:
        out.write(b"".join(lines[800:]))
    running.finish()
    assert len(batches) > 3
    state = LiveState(campaign)
    with Store(db, read_only=True) as store:
        assert state.current(store)
        assert_panels_match(store, state)
        [(posts,)] = store.con.execute("SELECT count(*) FROM posts").fetchall()
        assert state.read(store, ["summary"])["summary"]["posts"] < posts  # a campaign's

    bare = tmp_path / "bare.duckdb"
    stop = threading.Event()
    stop.set()
    follow(bare, followed, stop=stop)
    with Store(bare, read_only=True) as store:
        assert not store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name "
                                     "LIKE 'live_%'").fetchall()[0][0]


def test_the_api_keeps_a_campaigns_live_state_and_the_cli_asks_for_follow(tmp_path, sim):
    from click.testing import CliRunner

    from groundswell import api
    from groundswell.campaign import Campaign
    from groundswell.cli import main
    from groundswell.live import LiveState

    data, truth = sim
    campaign = Campaign.from_tags(["metoo", *truth["campaign"]["variants"]])
    db, followed = tmp_path / "live.duckdb", tmp_path / "live.jsonl"
    followed.write_bytes(data)
    stop = threading.Event()
    stop.set()  # read what is there, then stop
    api.follow(db, followed, stop=stop, campaign=campaign)
    with Store(db, read_only=True) as store:
        assert LiveState(campaign).current(store)
    path = tmp_path / "c.toml"
    path.write_text('name = "c"\n[tags]\nmain = "metoo"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", "--db", str(db), "--campaign", str(path),
                                       str(followed)])
    assert result.exit_code == 2 and "--campaign goes with --follow" in result.output
