"""Opening stores: the errors a user can hit are one clear sentence."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from helpers import assert_post_keys, corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell import Store, StoreBusy, StoreError
from groundswell.export import export_parquet, read_manifest
from groundswell.schema import KEYED_TABLES, POST_KEY, SCHEMA_VERSION, TABLES


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



FILES = ("twarc2/brexit.jsonl", "twarc2/flat.jsonl",
         "twitter-v1/python_twitter_streaming_lines.jsonl")


def test_post_keys_are_unique_and_follow_each_post(tmp_path):
    """The writer numbers each new post (schema 4) and gives its hashtags and mentions the
    same number, across batches, re-runs and stores reopened; later posts get higher keys."""
    files = [corpus(*f.split("/")) for f in FILES]
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest(files[:2], batch_posts=7)
        assert_post_keys(store)
        first = store.con.execute("SELECT max(post_key) FROM posts").fetchall()[0][0]
    with Store(path) as store:
        store.ingest(files)  # the first two again: nothing new from them
        assert_post_keys(store)
        later = store.con.execute("SELECT min(post_key) FROM posts WHERE source_file = ?",
                                  [str(files[2])]).fetchall()[0][0]
        assert later > first


def test_posts_of_a_returning_account_keep_keys_nobody_else_got(tmp_path):
    """An account deactivated takes its posts to ``hidden_posts``; a writer opened meanwhile
    numbers new posts after the hidden ones too, so the account's posts come back with keys
    that are still theirs alone (the metrics join posts and hashtags on the key)."""
    from groundswell.ingest.batch import Batch

    path = tmp_path / "s.duckdb"
    at = datetime(2025, 5, 1, 12)

    def write(fill) -> None:
        batch = Batch()
        fill(batch)
        with Store(path) as store:  # each batch in a store opened for it, as live writers do
            store.write_batch(batch.to_arrow().tables)

    def post(b: Batch, post_id: str, author: str) -> None:
        b.post("bluesky", post_id, author, at, "#MeToo", "en", "original", None, None, None,
               None, None, ["MeToo"], [])

    write(lambda b: [post(b, f"a{i}", "alice") for i in range(3)])
    write(lambda b: b.account_status("bluesky", "alice", False, "deactivated", at))
    write(lambda b: post(b, "b1", "bob"))
    write(lambda b: b.account_status("bluesky", "alice", True, None, at))
    with Store(path) as store:
        assert store.count("posts") == 4
        assert_post_keys(store)


def _as_schema_3(path) -> None:
    """Turn a store back into what version 3 software wrote: no post keys."""
    con = duckdb.connect(str(path))
    for table in KEYED_TABLES:
        con.execute(f"ALTER TABLE {table} DROP COLUMN {POST_KEY}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()


def test_a_schema_3_store_reads_as_before_and_gains_post_keys_when_written(tmp_path):
    """Read-only, an older store joins on (platform, post_id); opened for writing, it is
    numbered once, in one transaction. Both report exactly what a new store reports."""
    files = [corpus(*f.split("/")) for f in FILES]
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.ingest(files[:2])
        expected = store.report(tags=["brexit"])
    _as_schema_3(path)
    with Store(path, read_only=True) as old:
        assert POST_KEY not in old.table("posts").columns
        assert old.report(tags=["brexit"]) == expected
        export_parquet(old, tmp_path / "export")  # says what it holds: schema 3's columns
    manifest = read_manifest(tmp_path / "export")
    assert manifest["schema_version"] == 3
    assert POST_KEY not in manifest["tables"]["posts"]["columns"]
    with Store(path) as store:
        assert store.con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                 ).fetchall() == [(str(SCHEMA_VERSION),)]
        assert_post_keys(store)
        assert store.report(tags=["brexit"]) == expected
        store.ingest(files)
        assert_post_keys(store)


# -- account snapshots: the most recent wins, missing fields kept -------------------------------

SNAPSHOT = st.tuples(
    st.sampled_from(["a", "b", "c"]),  # author
    st.one_of(st.none(), st.sampled_from(["h1", "h2", "h3"])),  # handle
    st.one_of(st.none(), st.integers(0, 5)),  # followers
    st.one_of(st.none(), st.booleans()),  # verified
    st.one_of(st.none(), st.integers(0, 4)),  # observed: day of the month
)


def _fold(snapshots: list[tuple]) -> dict[str, tuple]:
    """The rule in words, one snapshot at a time: a snapshot at least as recent as the stored
    one (or any, while the stored one has no time) replaces it, keeping stored values for the
    fields it lacks; an older one is ignored."""
    state: dict[str, tuple] = {}
    for author, *fields, observed in snapshots:
        old = state.get(author)
        if old is None:
            state[author] = (*fields, observed)
        elif old[-1] is None or (observed is not None and observed >= old[-1]):
            kept = zip(fields, old[:-1], strict=True)
            state[author] = (*(n if n is not None else o for n, o in kept), observed)
    return state


def _account_batch(snapshots: list[tuple]) -> dict:
    """A batch of account snapshots only, as the store's Arrow tables."""
    from groundswell.arrow import rows_to_arrow

    at = {None: None, **{d: datetime(2017, 10, 10 + d) for d in range(5)}}
    tables = {name: rows_to_arrow(name, []) for name in
              ("posts", "post_hashtags", "mentions", "deletions", "quarantine")}
    tables["accounts"] = rows_to_arrow("accounts", [
        ("twitter", author, handle, None, followers, verified, None, at[observed])
        for author, handle, followers, verified, observed in snapshots])
    return tables


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.lists(SNAPSHOT, max_size=4, unique_by=lambda s: s[0]),
                        min_size=1, max_size=5),
       bulk=st.booleans(), legacy=st.booleans())
def test_account_snapshots_fold_in_arrival_order(tmp_path_factory, batches, bulk, legacy):
    """Batch after batch (bulk or live), the accounts table must equal applying the snapshots
    one by one (a batch holds one snapshot per account, as parsers merge within a batch),
    one row per account: in a schema-3 store (no key constraint: the writer keeps accounts
    unique) and in an older store whose accounts table still has its primary key."""
    path = tmp_path_factory.mktemp("acc") / "s.duckdb"
    if legacy:
        with duckdb.connect(str(path)) as con:
            con.execute(TABLES["accounts"].replace(
                "observed_at   TIMESTAMP",
                "observed_at TIMESTAMP, PRIMARY KEY (platform, author_id)"))
    with Store(path) as store:
        if bulk:
            with store.bulk_writes():
                for batch in batches:
                    store.write_batch(_account_batch(batch))
        else:
            for batch in batches:
                store.write_batch(_account_batch(batch))
        got = {r[0]: (r[1], r[2], r[3], r[4]) for r in store.con.execute(
            "SELECT author_id, handle, followers, verified, day(observed_at) - 10 "
            "FROM accounts").fetchall()}
        assert store.count("accounts") == len(got)
    assert got == _fold([s for batch in batches for s in batch])


def test_snapshots_staged_by_a_killed_bulk_ingest_are_folded_before_newer_ones(tmp_path):
    """A bulk ingest stages account snapshots and folds them when it ends; one that dies
    first leaves them staged. Opening the store for writing folds them, so a newer snapshot
    written afterwards (live, one batch at a time) still wins, and nothing is lost."""
    path = tmp_path / "s.duckdb"
    store = Store(path)
    with pytest.raises(RuntimeError, match="killed"), store.bulk_writes():
        store.write_batch(_account_batch([("a", "old", 1, None, 1), ("b", "b1", 2, None, 1)]))
        store.write_batch(_account_batch([("a", None, 3, True, 2)]))
        assert store.count("accounts") == 0  # staged, not folded yet
        raise RuntimeError("killed")
    store.close()
    with Store(path) as store:
        assert store.con.execute("SELECT count(*) FROM account_snapshots").fetchall() == [(0,)]
        store.write_batch(_account_batch([("b", "b2", None, None, 3)]))
        got = sorted(store.con.execute(
            "SELECT author_id, handle, followers, verified, day(observed_at) - 10 "
            "FROM accounts").fetchall())
    assert got == [("a", "old", 3, True, 2), ("b", "b2", 2, None, 3)]


def test_bulk_writer_budget_is_fixed_and_the_setting_overrides_it(tmp_path, monkeypatch):
    """Bulk writes run within a DuckDB memory budget (its default, 80 % of RAM, would cache
    the archive); $GROUNDSWELL_WRITER_MIB sets it; afterwards DuckDB's default is back."""
    import groundswell.store as store_module

    def budget(store: Store) -> str:
        return store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    with Store(tmp_path / "s.duckdb") as store:
        default = budget(store)
        with store.bulk_writes():
            assert budget(store) == f"{store_module.BULK_MEMORY_MIB}.0 MiB"
            store.write_batch(_account_batch([(a, None, None, None, 1) for a in "abc"]))
            assert budget(store) == f"{store_module.BULK_MEMORY_MIB}.0 MiB"
        assert budget(store) == default
        monkeypatch.setenv(store_module.MEMORY_ENV, "300")
        with store.bulk_writes():
            assert budget(store) == "300.0 MiB"


def test_duckdb_draws_no_progress_bar_on_stdout(tmp_path):
    """DuckDB's own progress bar (queries over 2 s) goes to stdout, where it would break
    `--json`: off in both modes; ours are on stderr."""
    Store(tmp_path / "s.duckdb").close()
    for read_only in (False, True):
        with Store(tmp_path / "s.duckdb", read_only=read_only) as store:
            assert store._one("SELECT current_setting('enable_progress_bar')") == (False,)


def test_an_in_memory_store_spills_outside_the_current_folder(tmp_path, monkeypatch):
    """DuckDB's default for an in-memory database is ``.tmp`` in the current folder."""
    monkeypatch.chdir(tmp_path)
    store = Store(":memory:")
    spill = Path(store.con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    store.con.execute("SET memory_limit = '64MiB'")
    assert store.con.execute("SELECT count(*) FROM (SELECT DISTINCT md5(range::VARCHAR) "
                             "FROM range(3000000))").fetchone() == (3_000_000,)
    assert spill.is_absolute() and spill.is_dir()  # it spilled, there
    assert list(tmp_path.iterdir()) == []
    store.close()
    assert not spill.exists()
