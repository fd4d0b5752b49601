"""Parquet export: Hive layout, a manifest readers check, exact round trip, safe re-export."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from helpers import corpus, table_rows

from groundswell import Store, schema
from groundswell.engines import canonical_schema, duckdb_parquet, open_engine, read_meta
from groundswell.export import MANIFEST, ExportError, export_parquet, read_manifest
from groundswell.simulate import simulate


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A simulated campaign, ingested and exported once for the read-only checks."""
    folder = tmp_path_factory.mktemp("export")
    simulate(5000, fmt="twitter-v2", seed=1, out=folder / "c.jsonl")
    store = Store(folder / "s.duckdb")
    store.ingest([folder / "c.jsonl"])
    counts = export_parquet(store, folder / "out", reveal=True)
    yield store, folder / "out", counts
    store.close()


def count(store: Store, table: str) -> int:
    """Rows in a store table, fully fetched (a half-fetched result blocks Ibis on DuckDB 2)."""
    return store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def backend_rows(backend, table: str) -> list[tuple]:
    rows = backend.table(table).to_pyarrow().to_pylist()
    return sorted((tuple(r.values()) for r in rows), key=repr)


def loose(schema_) -> dict[str, str]:
    """Column → type, ignoring nullability (Parquet columns are all nullable)."""
    return {name: str(dtype.copy(nullable=True)) for name, dtype in schema_.items()}


def test_posts_are_partitioned_by_platform_and_utc_day(exported):
    store, out, _ = exported
    days = {r[0] for r in store.con.execute(
        "SELECT DISTINCT strftime(created_at, '%Y-%m-%d') FROM posts").fetchall()}
    assert "2017-10-15" in days
    folders = {p.name for p in (out / "posts" / "platform=twitter").iterdir()}
    assert folders == {f"day={d}" for d in days}
    assert list((out / "posts" / "platform=twitter" / "day=2017-10-15").glob("*.parquet"))


def test_other_tables_layout(exported):
    _, out, _ = exported
    for table in ("post_hashtags", "mentions", "accounts", "deletions"):
        assert list((out / table / "platform=twitter").glob("*.parquet")), table
    for table in ("meta", "quarantine", "ingests"):
        assert [p.name for p in (out / table).iterdir()] == ["data.parquet"], table


def test_row_counts_and_manifest_match_the_store(exported):
    store, out, counts = exported
    expected = {t: count(store, t) for t in schema.TABLES}
    assert counts == expected
    assert expected["posts"] == 5000 and expected["deletions"] >= 1
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    assert {t: info["rows"] for t, info in manifest["tables"].items()} == expected
    assert manifest["tables"]["posts"]["partition_by"] == ["platform", "day"]
    datetime.fromisoformat(manifest["exported_at"].removesuffix("Z"))
    assert read_manifest(out) == manifest


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_parquet_tables_equal_the_store_row_for_row(exported, table):
    store, out, _ = exported
    backend = duckdb_parquet(out)
    assert loose(backend.table(table).schema()) == loose(store.ibis.table(table).schema())
    assert loose(backend.table(table).schema()) == loose(canonical_schema(table))
    assert backend_rows(backend, table) == table_rows(store, table, post_keys=True)


def test_meta_and_the_store_id_travel_with_the_export_never_the_key(exported):
    store, out, _ = exported
    meta = read_meta(out)
    assert meta == read_meta(store) == read_meta(duckdb_parquet(out))
    assert meta["schema_version"] == str(schema.SCHEMA_VERSION)
    assert meta["store_id"] == store.store_id and "pseudonym_key" not in meta
    assert store.pseudonym_key.hex() not in "".join(
        p.read_bytes().hex() for p in out.rglob("*") if p.is_file())


def test_progress_reports_every_row(exported, tmp_path):
    store, _, counts = exported
    seen: list[int] = []
    export_parquet(store, tmp_path / "again", progress=seen.append, reveal=True)
    assert sum(seen) == sum(counts.values()) and len(seen) == len(schema.TABLES)


def test_posts_without_time_and_empty_tables(store, tmp_path):
    """NULL created_at → day=unknown; an empty table still reads back with its columns."""
    store.con.execute("INSERT INTO posts (platform, post_id, kind, created_at, post_key) VALUES "
                      "('twitter', '1', 'original', NULL, 1), "
                      "('twitter', '2', 'original', TIMESTAMP '2017-10-15 23:59:59.5', 2), "
                      "('bluesky', '3', 'original', TIMESTAMP '2017-10-16 00:00:00', 3)")
    export_parquet(store, tmp_path / "out", reveal=True)
    posts = tmp_path / "out" / "posts"
    assert {p.relative_to(posts).as_posix() for p in posts.glob("*/*")} == {
        "platform=twitter/day=unknown", "platform=twitter/day=2017-10-15",
        "platform=bluesky/day=2017-10-16"}
    assert [p.name for p in (tmp_path / "out" / "mentions").iterdir()] == ["data.parquet"]
    backend = duckdb_parquet(tmp_path / "out")
    assert backend_rows(backend, "posts") == table_rows(store, "posts", post_keys=True)
    assert backend.table("mentions").count().execute() == 0
    assert loose(backend.table("mentions").schema()) == loose(canonical_schema("mentions"))


def test_real_corpora_round_trip(tmp_path):
    """Real archives (odd text, missing fields) come back exactly."""
    with Store(tmp_path / "real.duckdb") as store:
        store.ingest([corpus("twarc2", "brexit.jsonl"),
                      corpus("twitter-v1", "python_twitter_streaming_lines.jsonl")])
        export_parquet(store, tmp_path / "out", reveal=True)
        backend = duckdb_parquet(tmp_path / "out")
        for table in schema.TABLES:
            assert backend_rows(backend, table) == table_rows(store, table, post_keys=True), table


# -- re-exporting ------------------------------------------------------------------------------
def small_store(path: Path, posts: int) -> Store:
    store = Store(path)
    store.con.execute("INSERT INTO posts (platform, post_id, kind) "
                      "SELECT 'twitter', i::VARCHAR, 'original' FROM range(?) t(i)", [posts])
    return store


def leftovers(folder: Path) -> list[str]:
    """Hidden staging or backup folders an export left beside its target."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_reexport_is_refused_without_overwrite(tmp_path):
    with small_store(tmp_path / "s.duckdb", 3) as store:
        export_parquet(store, tmp_path / "out", reveal=True)
        before = (tmp_path / "out" / MANIFEST).read_text()
        with pytest.raises(ExportError, match="already holds an export.*overwrite=True"):
            export_parquet(store, tmp_path / "out", reveal=True)
    assert (tmp_path / "out" / MANIFEST).read_text() == before


def test_reexport_with_overwrite_replaces_everything(tmp_path):
    with small_store(tmp_path / "s.duckdb", 3) as store:
        export_parquet(store, tmp_path / "out", reveal=True)
        (tmp_path / "out" / "posts" / "stray.txt").write_text("old")
        store.con.execute("DELETE FROM posts WHERE post_id = '0'")
        counts = export_parquet(store, tmp_path / "out", overwrite=True, reveal=True)
    assert counts["posts"] == 2
    assert read_manifest(tmp_path / "out")["tables"]["posts"]["rows"] == 2
    assert not (tmp_path / "out" / "posts" / "stray.txt").exists()
    assert duckdb_parquet(tmp_path / "out").table("posts").count().execute() == 2
    assert leftovers(tmp_path) == []


def test_failed_reexport_keeps_the_earlier_export(tmp_path, monkeypatch):
    import groundswell.export as export

    with small_store(tmp_path / "s.duckdb", 3) as store:
        export_parquet(store, tmp_path / "out", reveal=True)
        store.con.execute("DELETE FROM posts")

        def disk_full(*_args):
            raise OSError("No space left on device")

        monkeypatch.setattr(export, "_write_manifest", disk_full)
        with pytest.raises(OSError, match="No space"):
            export_parquet(store, tmp_path / "out", overwrite=True, reveal=True)
    assert duckdb_parquet(tmp_path / "out").table("posts").count().execute() == 3
    assert leftovers(tmp_path) == []


def test_empty_folder_is_fine_and_parents_are_created(tmp_path):
    (tmp_path / "empty").mkdir()
    with small_store(tmp_path / "s.duckdb", 1) as store:
        assert export_parquet(store, tmp_path / "empty", reveal=True)["posts"] == 1
        assert export_parquet(store, tmp_path / "a" / "b", reveal=True)["posts"] == 1
    assert read_manifest(tmp_path / "a" / "b")["tables"]["posts"]["rows"] == 1


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_that_is_not_an_export_is_never_touched(tmp_path, overwrite):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with small_store(tmp_path / "s.duckdb", 1) as store:
        with pytest.raises(ExportError, match="not empty and holds no Groundswell export"):
            export_parquet(store, tmp_path / "docs", overwrite=overwrite, reveal=True)
        with pytest.raises(ExportError, match="is a file"):
            export_parquet(store, tmp_path / "docs" / "thesis.tex", reveal=True)
    assert [p.name for p in (tmp_path / "docs").iterdir()] == ["thesis.tex"]
    assert leftovers(tmp_path) == []


def test_a_subset_of_tables_always_carries_meta(tmp_path):
    with small_store(tmp_path / "s.duckdb", 2) as store:
        counts = export_parquet(store, tmp_path / "out", tables=["posts"], reveal=True)
        with pytest.raises(ValueError, match="unknown table.*tweets"):
            export_parquet(store, tmp_path / "other", tables=["tweets"], reveal=True)
    assert set(counts) == {"meta", "posts"}
    with open_engine("duckdb", input_dir=tmp_path / "out") as engine:
        assert engine.table("posts").count().execute() == 2
        with pytest.raises(ExportError, match="has no table 'accounts'"):
            engine.table("accounts")


# -- readers refuse what is not an export ----------------------------------------------------
def test_reader_errors(tmp_path):
    with pytest.raises(ExportError, match="no Parquet export at"):
        duckdb_parquet(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "posts.parquet").write_bytes(b"")
    with pytest.raises(ExportError, match="not a Groundswell Parquet export.*_groundswell.json"):
        duckdb_parquet(tmp_path / "plain")
    with pytest.raises(ExportError, match="not a Groundswell Parquet export"):
        read_meta(tmp_path / "plain")
    (tmp_path / "plain" / MANIFEST).write_text("{not json")
    with pytest.raises(ExportError, match="damaged"):
        read_manifest(tmp_path / "plain")


def test_newer_schema_is_refused(tmp_path):
    with small_store(tmp_path / "s.duckdb", 1) as store:
        export_parquet(store, tmp_path / "out", reveal=True)
    path = tmp_path / "out" / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["schema_version"] = schema.SCHEMA_VERSION + 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(ExportError, match="newer Groundswell.*pip install -U groundswell"):
        open_engine("duckdb", input_dir=tmp_path / "out")
