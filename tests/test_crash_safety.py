"""Crash safety: an ingest killed at any moment and re-run ends exactly where a clean run ends.

A simulated campaign of 100,000 posts (70,000 as twarc2 v2 pages, 30,000 as v1.1 stream lines,
with deletes, broken lines, and account snapshots that tie on ``observed_at``) is ingested by
the real ``groundswell ingest`` in a subprocess, with small batches (``GROUNDSWELL_BATCH_POSTS``)
so that commits, WAL writes and checkpoints happen all through the files. It is SIGKILLed ten
times on one store after random, growing delays (each run re-reads what is committed, then dies
further on), then run to completion; every table must then equal the clean single run's, row
for row: nothing lost, nothing doubled, the same account snapshots. While the clean run writes,
a second writer is refused with a one-line "store is busy" error and the first completes
untouched. A kill while DuckDB creates the store file must not brick it either.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import orjson
import pytest
from helpers import DATA_TABLES, assert_post_keys

from groundswell import Store
from groundswell.ingest.batch import BATCH_ENV
from groundswell.ingest.parallel import CHUNK_ENV
from groundswell.schema import KEYED_TABLES, POST_KEY
from groundswell.simulate import simulate

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

KILLS = 10
ENV = dict(os.environ, **{BATCH_ENV: "5000", CHUNK_ENV: "4000000"})  # ~22 commits per file


def ingest_command(db: Path, files: list[Path]) -> list[str]:
    return [sys.executable, "-m", "groundswell.cli", "ingest", "--db", str(db),
            *map(str, files)]


TIED = 60  # retweets of one post whose account snapshots tie on observed_at


def tied_snapshots(template: bytes) -> list[bytes]:
    """Retweets of one post, all in the same second, each embedding the two accounts with other
    follower counts and names (sometimes none): snapshots that tie on ``observed_at``, where
    only a deterministic rule gives a re-run the clean run's accounts."""
    lines = []
    for i in range(TIED):
        status = orjson.loads(template)
        original = status["retweeted_status"]
        original.update(id=4242424242, id_str="4242424242")
        status.update(id=4242424300 + i, id_str=str(4242424300 + i),
                      created_at="Fri Mar 08 12:00:00 +0000 2019")
        for user, uid in ((original["user"], "777000777"), (status["user"], "888000888")):
            user.update(id=int(uid), id_str=uid, followers_count=None if i % 5 == 0 else i * 7,
                        name=None if i % 3 == 0 else f"snapshot {i}")
        lines.append(orjson.dumps(status))
    return lines


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Iterator[tuple[list[Path], int]]:
    """Two simulated files (v2 and v1.1, different months so ids never collide), the v1.1 one
    laced with tied account snapshots, and the number of posts a correct ingester stores."""
    folder = tmp_path_factory.mktemp("campaign")
    v2 = simulate(70_000, fmt="twitter-v2", seed=1, out=folder / "v2.jsonl")
    v1 = simulate(30_000, fmt="twitter-v1", seed=2, out=folder / "v1.jsonl",
                  start=datetime(2019, 3, 8, 9, 0))
    lines = (folder / "v1.jsonl").read_bytes().splitlines()
    template = next(line for line in lines if b'"retweeted_status"' in line)
    step = len(lines) // TIED
    for i, tied in enumerate(tied_snapshots(template)):  # spread over every batch
        lines.insert(i * (step + 1), tied)
    (folder / "v1.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    yield [folder / "v2.jsonl", folder / "v1.jsonl"], v2["posts"] + v1["posts"] + TIED + 1
    shutil.rmtree(folder, ignore_errors=True)  # 200 MB: not worth keeping in pytest's tmp


@pytest.fixture(scope="module")
def clean_run(campaign, tmp_path_factory) -> Iterator[dict]:
    """One uninterrupted ingest, with a second writer trying the same store meanwhile."""
    files, _ = campaign
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    started = time.monotonic()
    first = subprocess.Popen(ingest_command(db, files), env=ENV, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # "Created store" is printed once the store is open, i.e. once its write lock is held
    assert first.stderr.readline().startswith("Created store"), "first writer did not start"
    second = subprocess.run(ingest_command(db, files), env=ENV, text=True,
                            capture_output=True, timeout=120)
    overlapped = first.poll() is None
    out, err = first.communicate(timeout=300)
    seconds = time.monotonic() - started
    yield {"db": db, "first": (first.returncode, out, err), "second": second,
           "overlapped": overlapped, "seconds": seconds}
    shutil.rmtree(db.parent, ignore_errors=True)


def differences(db_a: Path, db_b: Path) -> dict[str, list[tuple]]:
    """Per table, rows in one store and not the other (multiset difference both ways)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{db_a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{db_b}' AS b (READ_ONLY)")
    found = {}
    for table in DATA_TABLES:
        # post keys number posts in the order they were stored, which kills change: compared
        # by what they link (assert_post_keys), not by value
        cols = f"* EXCLUDE ({POST_KEY})" if table in KEYED_TABLES else "*"
        a, b = f"(SELECT {cols} FROM a.{table})", f"(SELECT {cols} FROM b.{table})"
        rows = con.execute(
            f"(SELECT 'only in first', * FROM ({a} EXCEPT ALL {b})) "
            f"UNION ALL (SELECT 'only in second', * FROM ({b} EXCEPT ALL {a})) LIMIT 5"
        ).fetchall()
        if rows:
            found[table] = rows
    con.close()
    return found


def count_posts(db: Path) -> int | None:
    """Posts committed so far (reading the WAL a killed writer left behind), None if the
    kill came before the store existed."""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    except duckdb.CatalogException:  # killed before the tables were created
        return None
    finally:
        con.close()


def test_second_writer_is_told_the_store_is_busy(clean_run, campaign):
    second = clean_run["second"]
    assert clean_run["overlapped"], "the first ingest ended before the second tried"
    assert second.returncode == 1
    assert "Traceback" not in second.stderr
    assert second.stderr.strip().splitlines() == [
        f"error: store is busy: another process is writing {clean_run['db']}; wait for it to "
        "finish (readers can use a copy, or read-only mode once it is done)"]
    returncode, out, err = clean_run["first"]
    assert returncode == 0, err
    assert count_posts(clean_run["db"]) == campaign[1], "the first writer's result is wrong"


def test_killed_ingests_converge_on_the_clean_run(clean_run, campaign, tmp_path):
    files, posts = campaign
    db = tmp_path / "killed.duckdb"
    rng = random.Random(20171015)  # fixed: the same delays on every run of the suite
    longest = clean_run["seconds"]
    # Growing delays: each run re-reads what earlier runs committed (killed among duplicates)
    # and dies a little further on, so every kill leaves a new partial store behind.
    delays = sorted(rng.uniform(0.2, 0.75 * longest) for _ in range(KILLS))  # re-runs are faster
    progress: list[tuple[float, int | None]] = []  # (delay, posts committed when killed)
    completed = 0
    while delays:
        delay = delays.pop(0)
        proc = subprocess.Popen(ingest_command(db, files), env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL
            progress.append((round(delay, 2), count_posts(db)))
        else:  # finished before its kill: a complete re-run; try again, earlier
            assert proc.returncode == 0
            completed += 1
            assert completed <= KILLS, f"runs keep finishing before their kill: {progress}"
            delays.append(rng.uniform(0.2, 0.5 * longest))
    assert len(progress) >= KILLS
    partial = {n for _, n in progress if n is not None and 0 < n < posts}
    assert len(partial) >= 3, f"too few kills landed mid-file: {progress}"

    final = subprocess.run(ingest_command(db, files), env=ENV, capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    assert count_posts(db) == posts
    assert differences(clean_run["db"], db) == {}, f"kills (delay s, posts): {progress}"
    with Store(db, read_only=True) as store:
        assert_post_keys(store)
        # the accounts every killed run staged were folded in, and the staging table emptied
        assert store.con.execute("SELECT count(*) FROM account_snapshots").fetchall() == [(0,)]
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)


def unfinished_store(path: Path, size: int) -> None:
    """What a kill while DuckDB creates a file leaves: its first ``size`` bytes of headers."""
    fresh = path.with_name("fresh.duckdb")
    duckdb.connect(str(fresh)).close()
    path.write_bytes(fresh.read_bytes()[:size])
    fresh.unlink()


@pytest.mark.parametrize("size", [0, 4096, 8192])
def test_killed_while_creating_the_store(tmp_path, small_v2, size):
    """DuckDB writes three 4 KiB headers after creating the file; killed before the last one,
    the file used to be refused forever ("not a valid DuckDB database file")."""
    db = tmp_path / "s.duckdb"
    unfinished_store(db, size)
    result = subprocess.run(ingest_command(db, [small_v2]), env=ENV, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert count_posts(db) == 3_000


def test_a_store_being_created_by_another_process_is_left_alone(tmp_path, small_v2):
    db = tmp_path / "s.duckdb"
    unfinished_store(db, 4096)
    holder = subprocess.Popen(  # holds the lock DuckDB takes before writing its headers
        [sys.executable, "-c", f"import fcntl, sys; f = open({str(db)!r}, 'rb+'); "
         "fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = subprocess.run(ingest_command(db, [small_v2]), env=ENV,
                                capture_output=True, text=True, timeout=120)
    finally:
        holder.communicate("")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: store is busy")
    assert db.stat().st_size == 4096, "a file another process is creating was touched"
