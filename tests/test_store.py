"""Opening stores: the errors a user can hit are one clear sentence."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from helpers import corpus

from groundswell import Store, StoreBusy, StoreError
from groundswell.schema import SCHEMA_VERSION, TABLES


def test_new_store_has_every_table(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        names = {r[0] for r in store.con.execute("SHOW TABLES").fetchall()}
    assert set(TABLES) <= names


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="newer Groundswell"):
        Store(path)


def test_not_a_store(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(junk)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE x (a INT)").close()
    with pytest.raises(StoreError, match="not a Groundswell store"):
        Store(other, read_only=True)


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_second_writer_gets_store_is_busy(tmp_path):
    path = tmp_path / "s.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"from groundswell import Store; import sys; s = Store({str(path)!r}); "
         "print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusy, match="store is busy"):
            Store(path)
    finally:
        holder.communicate("")


def test_keys_stay_unique_without_primary_key_indexes(tmp_path):
    """Schema 2 dropped the primary keys of posts, post_hashtags and mentions: the writer's
    anti-join must keep them unique across batches, files, re-runs and repeated copies."""
    files = [corpus("twarc2", "brexit.jsonl"), corpus("twarc2", "flat.jsonl"),
             corpus("twitter-v1", "python_twitter_streaming_lines.jsonl")]
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(files, batch_posts=7)
        store.ingest(files + files[:1])
        for table, key in (("posts", "platform, post_id"),
                           ("post_hashtags", "platform, post_id, tag"),
                           ("mentions", "platform, post_id, handle")):
            doubled = store.con.execute(
                f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1"
            ).fetchall()
            assert doubled == [], table
        assert store.count("posts") > 100
