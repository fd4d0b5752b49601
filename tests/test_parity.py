"""Engine parity: every registered metric gives identical results on the DuckDB store, DuckDB over
the Parquet export, and Spark over the same export; plus the engines' own error messages.

The metrics run with ``names=None`` (whatever is registered), so a new metric is covered the
moment it is registered. Results are compared as JSON-ready data, exactly, except that floats
are rounded to 9 significant digits (engines may sum in a different order).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from spark_session import requires_java, start_spark

from groundswell import Store, schema
from groundswell.demo import campaign_from_truth
from groundswell.engines import (
    EngineUnavailable,
    canonical_schema,
    duckdb_parquet,
    duckdb_store,
    open_engine,
    read_meta,
    require_spark,
    spark_parquet,
)
from groundswell.export import export_parquet
from groundswell.metrics import Scope, Tables, registry, run
from groundswell.simulate import simulate

POSTS = 6000
KEY = b"parity-test-pseudonym-key"
SCOPES = ("campaign", "all_posts")
METRICS = sorted(registry())

# pyspark 4.0's toPandas passes pandas 3 a deprecated argument; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A simulated campaign: its truth, the store, and the store's Parquet export."""
    folder = tmp_path_factory.mktemp("parity")
    truth = simulate(POSTS, fmt="twitter-v2", seed=5, out=folder / "c.jsonl")
    store = Store(folder / "s.duckdb")
    store.ingest([folder / "c.jsonl"])
    export_parquet(store, folder / "export", reveal=True)
    yield truth, store, folder / "export"
    store.close()


@pytest.fixture(scope="module")
def spark():
    session = start_spark()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def scopes(data) -> dict[str, Scope]:
    truth = data[0]
    return {"campaign": Scope(campaign=campaign_from_truth(truth), pseudonym_key=KEY),
            "all_posts": Scope(pseudonym_key=KEY)}


class Results:
    """Every registered metric (default or not) per engine and scope, computed once (errors
    kept and re-raised)."""

    def __init__(self, backends: dict[str, Any], scopes: dict[str, Scope]):
        self.backends, self.scopes, self.done = backends, scopes, {}

    def get(self, engine: str, scope: str) -> dict[str, Any]:
        if (engine, scope) not in self.done:
            try:
                tables = Tables.from_backend(self.backends[engine])
                self.done[engine, scope] = run(tables, self.scopes[scope], names=METRICS)
            except Exception as exc:  # kept, and re-raised in every test that needs it
                self.done[engine, scope] = exc
        found = self.done[engine, scope]
        if isinstance(found, Exception):
            raise found
        return found


@pytest.fixture(scope="module")
def duckdb_results(data, scopes) -> Results:
    _, store, export = data
    return Results({"store": duckdb_store(store), "parquet": duckdb_parquet(export)}, scopes)


@pytest.fixture(scope="module")
def spark_results(data, scopes, spark) -> Results:
    return Results({"spark": spark_parquet(data[2], session=spark)}, scopes)


def normalized(value: Any) -> Any:
    """JSON-ready data with floats rounded to 9 significant digits; nothing else is loosened."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalized(v) for v in value]
    return value


def count(store: Store, table: str) -> int:
    """Rows in a store table, fully fetched (a half-fetched result blocks Ibis on DuckDB 2)."""
    return store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def rows(backend, table: str) -> list[tuple]:
    got = backend.table(table).to_pyarrow().to_pylist()
    return sorted((tuple(r.values()) for r in got), key=repr)


def loose(schema_) -> dict[str, str]:
    """Column → type, ignoring nullability and timestamp precision (Spark's is always µs)."""
    out = {}
    for name, dtype in schema_.items():
        dtype = dtype.copy(nullable=True)
        out[name] = str(dtype.copy(scale=None) if dtype.is_timestamp() else dtype)
    return out


# -- metrics ---------------------------------------------------------------------------------
def test_every_registered_metric_is_compared(duckdb_results):
    assert sorted(duckdb_results.get("store", "campaign")) == METRICS


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("scope", SCOPES)
def test_duckdb_over_parquet_matches_the_store(duckdb_results, scope, metric):
    store = duckdb_results.get("store", scope)[metric]
    parquet = duckdb_results.get("parquet", scope)[metric]
    assert normalized(parquet) == normalized(store)


@requires_java
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("scope", SCOPES)
def test_spark_over_parquet_matches_the_store(duckdb_results, spark_results, scope, metric):
    store = duckdb_results.get("store", scope)[metric]
    spark = spark_results.get("spark", scope)[metric]
    assert normalized(spark) == normalized(store)


def test_the_campaign_scope_is_not_trivial(duckdb_results, data):
    """Guards the parity checks against comparing empty reports."""
    truth = data[0]
    magnitude = duckdb_results.get("store", "campaign")["magnitude"]
    assert magnitude["posts"] == truth["matched_posts"] > 0
    assert duckdb_results.get("store", "all_posts")["magnitude"]["posts"] == truth["posts"]


# -- tables on Spark -------------------------------------------------------------------------
@requires_java
@pytest.mark.parametrize("table", list(schema.TABLES))
def test_spark_tables_equal_the_store_row_for_row(data, spark_results, table):
    """Same columns, same types, same values: timestamps come back as the same naive UTC."""
    store = data[1]
    backend = spark_results.backends["spark"]
    assert loose(backend.table(table).schema()) == loose(canonical_schema(table))
    assert rows(backend, table) == rows(store.ibis, table)


@requires_java
def test_spark_ignores_the_callers_session_time_zone(data, spark):
    """A caller's session in another zone neither shifts the values nor is reconfigured."""
    store, export = data[1], data[2]
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        backend = spark_parquet(export, session=spark)
        posts = backend.table("posts")
        first = posts.created_at.min().to_pyarrow().as_py()
        assert first.tzinfo is None
        assert first == store.ibis.table("posts").created_at.min().to_pyarrow().as_py()
        assert spark.conf.get("spark.sql.session.timeZone") == "America/Los_Angeles"
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


@requires_java
def test_two_exports_side_by_side_keep_their_own_tables(data, spark, tmp_path):
    with Store(tmp_path / "small.duckdb") as small:
        small.con.execute("INSERT INTO posts (platform, post_id, kind) "
                          "VALUES ('twitter', '1', 'original')")
        export_parquet(small, tmp_path / "small", reveal=True)
    first = spark_parquet(data[2], session=spark)
    second = spark_parquet(tmp_path / "small", session=spark)
    assert second.table("posts").count().execute() == 1
    assert first.table("posts").count().execute() == POSTS


@requires_java
def test_meta_is_the_same_on_every_engine(data, spark_results):
    _, store, export = data
    meta = read_meta(store)
    assert "store_id" in meta and "pseudonym_key" not in meta  # the key lives outside
    assert read_meta(spark_results.backends["spark"]) == read_meta(export) == meta


@requires_java
def test_open_engine_spark(data, spark):
    """Reuses the running session and leaves it running when closed."""
    with open_engine("spark", input_dir=data[2]) as engine:
        assert engine.kind == "spark"
        assert engine.table("posts").count().execute() == count(data[1], "posts")
        assert engine.meta() == read_meta(data[1])
    assert spark.range(1).count() == 1


# -- errors that need no Spark ---------------------------------------------------------------
def test_open_engine_argument_errors(data):
    _, store, export = data
    with pytest.raises(ValueError, match="unknown engine 'polars'; choose one of: duckdb, spark"):
        open_engine("polars", store=store)
    with pytest.raises(ValueError, match="Spark engine reads a Parquet export"):
        open_engine("spark", store=store)
    with pytest.raises(ValueError, match="not both"):
        open_engine("duckdb", store=store, input_dir=export)
    with open_engine("duckdb", store=store) as engine:
        assert engine.table("posts").count().execute() == count(store, "posts")
    assert count(store, "posts") == POSTS  # closing the engine left the caller's store open


def test_missing_java_says_install_java_17(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(EngineUnavailable, match="Java 17.*`java` is not on PATH.*openjdk-17"):
        require_spark()


def test_broken_java_home_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(EngineUnavailable, match=f"JAVA_HOME={tmp_path} has no bin/java"):
        require_spark()


def test_missing_pyspark_says_what_to_install(monkeypatch, data):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(EngineUnavailable, match=r"pip install 'groundswell\[spark\]'"):
        open_engine("spark", input_dir=data[2])
