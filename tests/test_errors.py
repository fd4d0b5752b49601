"""What a user sees when something is wrong: one line, exit code 1, no traceback.

Through the CLI (click's CliRunner, stderr apart from stdout): a missing input, a store that is
garbage, unreadable or from a newer Groundswell, a disk that fills up mid-ingest (simulated
ENOSPC, three ways DuckDB can report it) and a file system that refuses writes for real
(RLIMIT_FSIZE in a subprocess). After a failed write, re-running the ingest gives exactly the
tables of a clean run: nothing was lost.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import orjson
import pytest
from click.testing import CliRunner
from helpers import all_rows

import groundswell.store
from groundswell import Store
from groundswell.cli import main
from groundswell.ingest.batch import BATCH_ENV
from groundswell.schema import SCHEMA_VERSION
from groundswell.simulate import simulate
from groundswell.store import BULK_MEMORY_MIB, MEMORY_ENV


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    """A small simulated twarc2 file (3,000 posts, real v2 page shapes)."""
    path = tmp_path_factory.mktemp("input") / "campaign.jsonl"
    simulate(3000, fmt="twitter-v2", seed=11, out=path)
    return path


@pytest.fixture(scope="module")
def clean(campaign, tmp_path_factory) -> dict[str, list[tuple]]:
    """The tables of one clean ingest of ``campaign``."""
    with Store(tmp_path_factory.mktemp("clean") / "clean.duckdb") as store:
        store.ingest([campaign])
        return all_rows(store)


def tables(db: Path) -> dict[str, list[tuple]]:
    with Store(db, read_only=True) as store:
        return all_rows(store)


def run(args: list[str], **env: str):
    return CliRunner().invoke(main, args, env=env or None)


def one_line_error(result) -> str:
    """The failure's single stderr line; asserts exit 1 by ``sys.exit`` (CliRunner also says 1
    for an uncaught exception, which would be a traceback), nothing on stdout."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    assert not result.stdout.strip()
    return lines[0]


# -- inputs ---------------------------------------------------------------------------------
def test_missing_input_file(tmp_path):
    db = tmp_path / "s.duckdb"
    line = one_line_error(run(["ingest", "--db", str(db), str(tmp_path / "nope.jsonl")]))
    assert line == f"error: no such file: {tmp_path / 'nope.jsonl'}"
    assert not db.exists(), "a failed ingest must not create the store"


def test_folder_as_input(tmp_path):
    line = one_line_error(run(["ingest", "--db", str(tmp_path / "s.duckdb"), str(tmp_path)]))
    assert "is a folder" in line and "*.jsonl" in line


def test_bad_batch_size_setting(tmp_path, campaign):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    result = run(["ingest", "--db", str(db), str(campaign)], **{BATCH_ENV: "lots"})
    assert one_line_error(result) == (
        f"error: {BATCH_ENV}='lots': expected a whole number of posts, e.g. 5000")


# -- stores ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["ingest"], ["hashtags"], ["quarantine"]])
def test_garbage_store(tmp_path, campaign, command):
    db = tmp_path / "junk.duckdb"
    db.write_bytes(b"this is not a database\n" * 500)
    args = [*command, "--db", str(db)] + ([str(campaign)] if command == ["ingest"] else [])
    line = one_line_error(run(args))
    assert line.startswith(f"error: cannot open store {db}: ") and "not a valid DuckDB" in line
    assert db.read_bytes() == b"this is not a database\n" * 500, "the file must be left alone"


def test_duckdb_file_that_is_not_a_store(tmp_path):
    db = tmp_path / "other.duckdb"
    duckdb.connect(str(db)).execute("CREATE TABLE x (a INT)").close()
    assert "not a Groundswell store" in one_line_error(run(["hashtags", "--db", str(db)]))


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 does not stop root "
                    "from reading a file, so 'permission denied' cannot happen here")
def test_unreadable_store(tmp_path, campaign):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    db.chmod(0)
    try:
        for args in (["hashtags", "--db", str(db)], ["ingest", "--db", str(db), str(campaign)]):
            line = one_line_error(run(args))
            assert str(db) in line and "ermission denied" in line, line
    finally:
        db.chmod(0o644)


def test_store_from_a_newer_schema(tmp_path, campaign):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    for args in (["hashtags", "--db", str(db)], ["ingest", "--db", str(db), str(campaign)]):
        line = one_line_error(run(args))
        assert "newer Groundswell" in line and f"schema {SCHEMA_VERSION + 1}" in line
        assert "pip install -U groundswell" in line


# -- a disk that fills up mid-ingest --------------------------------------------------------
class FillingDisk:
    """A DuckDB connection whose disk fills up during the ``fail_at``-th batch write.

    ``how`` mimics what DuckDB really does (see test_write_refused_by_the_file_system):
    ``commit``: COMMIT fails writing the WAL, and DuckDB has already rolled the transaction
    back (so a ROLLBACK after it fails too); ``insert``: a statement fails writing blocks,
    the transaction stays open; ``oserror``: the OS error itself reaches Python. ``oom``: the
    batch's account statement runs out of DuckDB's memory budget, once; ``oom-always``: in
    that batch and every later try.
    """

    def __init__(self, con, how: str, fail_at: int):
        self._con, self.how, self.fail_at = con, how, fail_at
        self.batches = 0
        self.failed = False

    def _full(self) -> bool:
        return not self.failed and self.batches == self.fail_at

    def execute(self, sql: str, *args):
        if sql.startswith("INSERT INTO posts"):
            self.batches += 1
            if self.how == "insert" and self._full():
                self.failed = True
                raise duckdb.IOException(
                    f'IO Error: Could not write file "{self.path}": No space left on device')
        if sql.lstrip().startswith(("MERGE INTO accounts", "INSERT INTO account_snapshots")) \
                and (self.how == "oom" and self._full()
                     or self.how == "oom-always" and self.batches >= self.fail_at):
            self.failed = True
            raise duckdb.OutOfMemoryException(
                "Out of Memory Error: failed to allocate data of size 4.0 KiB "
                "(256.0 MiB/256.0 MiB used)")
        if sql == "COMMIT" and self.how == "commit" and self._full():
            self.failed = True
            self._con.execute("ROLLBACK")
            raise duckdb.TransactionException(
                "TransactionContext Error: Failed to commit: Could not write file "
                f'"{self.path}.wal": No space left on device')
        return self._con.execute(sql, *args)

    def register(self, name: str, table):
        if self.how == "oserror" and name == "batch_quarantine" and \
                self.batches + 1 == self.fail_at and not self.failed:
            self.failed = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._con.register(name, table)

    def __getattr__(self, name):
        return getattr(self._con, name)


def filling_disks(monkeypatch, how: str, fail_at: int) -> list[FillingDisk]:
    """Make every store this test opens a :class:`FillingDisk`; the list fills as they open."""
    real_connect = duckdb.connect
    disks: list[FillingDisk] = []

    def connect(path, *args, **kwargs):
        disks.append(FillingDisk(real_connect(path, *args, **kwargs), how, fail_at))
        disks[-1].path = path
        return disks[-1]

    monkeypatch.setattr(groundswell.store.duckdb, "connect", connect)
    return disks


@pytest.mark.parametrize("how", ["commit", "insert", "oserror"])
def test_disk_full_is_one_line_and_loses_nothing(tmp_path, monkeypatch, campaign, clean, how):
    db = tmp_path / "s.duckdb"
    Store(db).close()  # an existing store: no "Created store" line
    disks = filling_disks(monkeypatch, how, fail_at=3)
    result = run(["ingest", "--db", str(db), str(campaign)], **{BATCH_ENV: "500"})
    monkeypatch.undo()
    assert disks and disks[0].failed, "the simulated disk never filled up"
    assert one_line_error(result) == (
        f"error: disk full while writing {db}: free space and re-run; nothing was lost — "
        "the last batch was rolled back")

    partial = tables(db)  # the batches before the full disk are there, whole
    deleted_later = {row[1] for row in clean["deletions"]}
    kept = [row for row in partial["posts"] if row[1] not in deleted_later]
    assert 0 < len(kept) < len(clean["posts"])
    assert set(kept) <= set(clean["posts"])

    again = run(["ingest", "--db", str(db), str(campaign)], **{BATCH_ENV: "500"})
    assert again.exit_code == 0, again.output
    assert tables(db) == clean


def test_writer_out_of_memory_raises_its_budget_and_goes_on(tmp_path, monkeypatch, campaign,
                                                            clean):
    """A batch that outgrows the writer's DuckDB budget is rolled back and written again with
    twice the budget: the run goes on, nothing lost or doubled, and the summary says so."""
    db = tmp_path / "s.duckdb"
    Store(db).close()
    disks = filling_disks(monkeypatch, "oom", fail_at=2)
    result = run(["ingest", "--db", str(db), str(campaign)], **{BATCH_ENV: "500"})
    monkeypatch.undo()
    assert disks and disks[0].failed
    assert result.exit_code == 0, result.output
    assert f"it was raised to {2 * BULK_MEMORY_MIB:,} MiB" in " ".join(result.output.split())
    assert tables(db) == clean


def test_writer_out_of_memory_at_the_ceiling_says_which_setting_to_raise(
        tmp_path, monkeypatch, campaign, clean):
    """Raising stops at half the machine's memory: then one line naming the setting, and
    nothing lost."""
    db = tmp_path / "s.duckdb"
    Store(db).close()
    ceiling = 4 * BULK_MEMORY_MIB
    monkeypatch.setattr(groundswell.store, "memory_ceiling_mib", lambda: ceiling)
    disks = filling_disks(monkeypatch, "oom-always", fail_at=2)
    result = run(["ingest", "--db", str(db), str(campaign)], **{BATCH_ENV: "500"})
    monkeypatch.undo()
    assert disks and disks[0].failed
    assert one_line_error(result) == (
        f"error: out of memory while writing {db}, even with {ceiling:,} MiB for the writer's "
        f"DuckDB: free memory, or set {MEMORY_ENV} higher, and re-run; nothing was lost — "
        "the last batch was rolled back")
    again = run(["ingest", "--db", str(db), str(campaign)], **{MEMORY_ENV: "512"})
    assert again.exit_code == 0, again.output
    assert tables(db) == clean
    bad = run(["ingest", "--db", str(db), str(campaign)], **{MEMORY_ENV: "lots"})
    assert one_line_error(bad) == f"error: {MEMORY_ENV}='lots': expected a whole number of " \
        "MiB, e.g. 512"


def test_absurd_values_that_outgrow_the_budget_are_stored_all_the_same(
        tmp_path, monkeypatch, campaign):
    """No mock: tweets of 22 MB each (a damaged file) outgrow a small writer budget for real.
    The store ends as it would with room to spare."""
    lines = campaign.read_bytes().splitlines()
    pages = [i for i, line in enumerate(lines) if line.startswith(b'{"data"')][:2]
    for i in pages:
        page = orjson.loads(lines[i])
        for tweet in page["data"][:3]:
            tweet["text"] = "#MeToo " * (3 << 20)
        lines[i] = orjson.dumps(page)
    huge = tmp_path / "huge.jsonl"
    huge.write_bytes(b"\n".join(lines) + b"\n")
    stored = {}
    for mib in (32, 4096):
        monkeypatch.setenv(MEMORY_ENV, str(mib))
        with Store(tmp_path / f"{mib}.duckdb") as store:
            summary = store.ingest([huge])
            stored[mib] = (all_rows(store), summary.writer_mib_raised_to)
    assert stored[32][1] and stored[32][1] > 32 and stored[4096][1] is None
    assert stored[32][0] == stored[4096][0]
    assert max(len(row[4] or "") for row in stored[32][0]["posts"]) == 7 * (3 << 20)


def test_write_refused_by_the_file_system(tmp_path, campaign, clean):
    """A real refusal, not a mock: the file-size limit makes DuckDB's writes fail (EFBIG) the
    way a full disk does (ENOSPC), through the same commit and checkpoint paths."""
    db = tmp_path / "s.duckdb"
    Store(db).close()
    limit = db.stat().st_size + 100_000  # the WAL outgrows it after a few batches

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, **{BATCH_ENV: "300"})
    cut = subprocess.run(
        [sys.executable, "-m", "groundswell.cli", "ingest", "--db", str(db), str(campaign)],
        capture_output=True, text=True, env=env, preexec_fn=small_files, timeout=120)
    assert cut.returncode == 1, (cut.stdout, cut.stderr)
    lines = cut.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in cut.stderr, cut.stderr
    assert lines[0].startswith(f"error: cannot write {db}") and "File too large" in lines[0]
    assert "nothing was lost" in lines[0]

    again = subprocess.run(
        [sys.executable, "-m", "groundswell.cli", "ingest", "--db", str(db), str(campaign)],
        capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    assert tables(db) == clean
