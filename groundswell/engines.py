"""Engines: where the canonical tables live when metrics run (the store, or a Parquet export).

Why: metrics are Ibis expressions, so they run unchanged on any backend that hands out the
canonical tables. This module hands them out, identically, from three places:

* :func:`duckdb_store` — the DuckDB store itself (the default, one machine);
* :func:`duckdb_parquet` — an in-memory DuckDB over a Parquet export (check an export, or read
  one someone sent you, without a store);
* :func:`spark_parquet` — Apache Spark over the same export, for archives beyond one machine.

Each backend's ``.table(name)`` returns exactly the store's columns and types: the export's
folder-only ``day`` column is dropped, ``platform`` comes back from the folder name as a string
(Spark's partition type inference is turned off, or ``day=2017-10-15`` would become a date) and
timestamps come back as the same naive UTC values (the Spark session runs in UTC and reads
DuckDB's naive Parquet timestamps as ``TIMESTAMP_NTZ``). ``tests/test_parity.py`` checks that
every registered metric gives identical results on all three.

:func:`open_engine` is the one entry point the CLI uses; :func:`read_meta` fetches the ``meta``
table (its ``pseudonym_key`` keeps pseudonyms identical across engines).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from groundswell import schema
from groundswell.export import ExportError, canonical_columns, read_manifest
from groundswell.store import Store, StoreError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from pyspark.sql import SparkSession

    from groundswell.scope import Tables

KINDS = ("duckdb", "spark")
DEFAULT_MASTER = "local[2]"
SPARK_INSTALL = "pip install 'groundswell[spark]'"
JAVA_INSTALL = "install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`)"

_IBIS_TYPES = {"VARCHAR": "string", "BIGINT": "int64", "BOOLEAN": "boolean",
               "TIMESTAMP": "timestamp(6)"}

#: Spark settings fixed when a session starts (a local session: a laptop, a CI runner).
_SPARK_STATIC = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
_SPARK_LOCAL = {"spark.sql.shuffle.partitions": "4"}
#: Settings every session reading an export needs (applied per session, so also to yours).
_SPARK_SQL = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
}


class EngineUnavailable(StoreError):
    """An engine that cannot start here (Spark or Java missing); the message says what to do."""


@dataclass
class Engine:
    """An open engine: ``.table(name)`` and ``.tables()`` give the canonical tables.

    ``close()`` (or ``with``) releases what the engine started (an in-memory DuckDB, a Spark
    session it created); a store passed in stays open, it belongs to the caller.
    """

    kind: str
    backend: Any
    source: str
    names: tuple[str, ...] = tuple(schema.TABLES)
    _close: Callable[[], None] | None = field(default=None, repr=False)

    def table(self, name: str) -> ir.Table:
        if name not in self.names:
            raise ExportError(f"{self.source} has no table {name!r} (exported: "
                              f"{', '.join(self.names)}); export it again with all tables")
        return self.backend.table(name)

    def tables(self) -> Tables:
        from groundswell.scope import Tables

        return Tables.from_backend(self)

    def meta(self) -> dict[str, str]:
        return read_meta(self)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def canonical_schema(table: str) -> ibis.Schema:
    """The Ibis schema every engine gives ``table`` (nullability aside)."""
    return ibis.schema({name: _IBIS_TYPES[sql] for name, sql in canonical_columns(table).items()})


# -- the three backends ----------------------------------------------------------------------
def duckdb_store(store: Store):
    """The store's own Ibis DuckDB backend."""
    return store.ibis


def duckdb_parquet(export_dir: str | os.PathLike[str]):
    """An in-memory DuckDB whose views read the Parquet export in ``export_dir``."""
    folder = Path(export_dir)
    manifest = read_manifest(folder)
    backend = ibis.duckdb.connect()
    for name, info in _tables(manifest):
        if info["partition_by"]:
            raw = backend.read_parquet(str(folder / name / "**" / "*.parquet"),
                                       table_name=f"_gs_raw_{name}", hive_partitioning=True,
                                       hive_types_autocast=False)
        else:
            raw = backend.read_parquet(str(folder / name / "data.parquet"),
                                       table_name=f"_gs_raw_{name}", hive_partitioning=False)
        backend.create_view(name, _canonical(raw, name, folder), overwrite=True)
    return backend


def spark_parquet(export_dir: str | os.PathLike[str], master: str = DEFAULT_MASTER,
                  app_name: str = "groundswell", session: SparkSession | None = None):
    """An Ibis PySpark backend whose temporary views read the Parquet export in ``export_dir``.

    Without ``session`` one is started (or the active one reused) with :func:`spark_session`.
    Either way the views live in a child session (``newSession()``: same Spark application,
    own views and settings), so two exports opened side by side never swap tables, and your
    session's settings are left alone. ``backend.disconnect()`` stops the Spark application.
    """
    folder = Path(export_dir)
    manifest = read_manifest(folder)
    base = session if session is not None else spark_session(master, app_name)
    own = base.newSession()
    for key, value in _SPARK_SQL.items():
        own.conf.set(key, value)
    backend = ibis.pyspark.connect(own)
    for name, _info in _tables(manifest):
        raw = backend.read_parquet(str((folder / name).resolve()), table_name=f"_gs_raw_{name}")
        backend.create_view(name, _canonical(raw, name, folder), overwrite=True)
    return backend


def spark_session(master: str = DEFAULT_MASTER, app_name: str = "groundswell") -> SparkSession:
    """A Spark session set up for Groundswell: UTC, no web UI, quiet logs, few local shuffles.

    A local master binds to loopback (``SPARK_LOCAL_IP=127.0.0.1`` unless you set it).
    """
    require_spark()
    from pyspark.sql import SparkSession

    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**_SPARK_STATIC, **(_SPARK_LOCAL if local else {}), **_SPARK_SQL}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise EngineUnavailable(f"could not start Spark ({master}): {first}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


# -- one entry point -------------------------------------------------------------------------
def open_engine(kind: str, store: Store | None = None,
                input_dir: str | os.PathLike[str] | None = None,
                master: str | None = None) -> Engine:
    """Open ``kind`` ("duckdb" or "spark") over a store or a Parquet export folder.

    DuckDB reads either (give one); Spark reads only an export (``groundswell export``).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown engine {kind!r}; choose one of: {', '.join(KINDS)}")
    if store is not None and input_dir is not None:
        raise ValueError("give a store or an export folder to read, not both")
    if kind == "duckdb":
        return _open_duckdb(store, input_dir)
    if input_dir is None:
        raise ValueError("the Spark engine reads a Parquet export: run `groundswell export` "
                         "first and pass its folder")
    return _open_spark(input_dir, master or DEFAULT_MASTER)


def read_meta(source: Engine | Store | str | os.PathLike[str] | Any) -> dict[str, str]:
    """The ``meta`` table as ``{key: value}``, from an engine, a store, a backend or an export."""
    if isinstance(source, str | os.PathLike):
        import pyarrow.parquet as pq

        read_manifest(source)
        rows = pq.read_table(Path(source) / "meta" / "data.parquet").to_pylist()
    else:
        backend = source.ibis if isinstance(source, Store) else source
        rows = backend.table("meta").to_pyarrow().to_pylist()
    return {row["key"]: row["value"] for row in rows}


def require_spark() -> None:
    """Raise :class:`EngineUnavailable`, saying what to install, unless Spark can start here."""
    try:
        import pyspark
    except ImportError:
        raise EngineUnavailable(f"the Spark engine needs the spark extra: {SPARK_INSTALL} "
                                "(pyspark is not installed)") from None
    version = _version(pyspark.__version__)
    if version >= (4, 1):
        raise EngineUnavailable(f"pyspark {pyspark.__version__} is too new for Ibis's Spark "
                                "backend: pip install 'pyspark>=3.5,<4.1'")
    java = find_java()
    needed = 17 if version >= (4,) else 8
    found = _java_major(java)
    if found is not None and found < needed:
        raise EngineUnavailable(f"pyspark {pyspark.__version__} needs Java {needed}+ but {java} "
                                f"is Java {found}; {JAVA_INSTALL} and put it first on PATH")


def find_java() -> str:
    """The ``java`` Spark will run (``$JAVA_HOME/bin/java``, else the one on ``PATH``)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not java.is_file():
            raise EngineUnavailable(f"Spark needs Java 17 but JAVA_HOME={home} has no bin/java; "
                                    f"fix JAVA_HOME or {JAVA_INSTALL}")
        return str(java)
    java = shutil.which("java")
    if java is None:
        raise EngineUnavailable(f"Spark needs Java 17 but `java` is not on PATH; {JAVA_INSTALL}")
    return java


# -- helpers ---------------------------------------------------------------------------------
def _open_duckdb(store: Store | None, input_dir: str | os.PathLike[str] | None) -> Engine:
    if input_dir is not None:
        backend = duckdb_parquet(input_dir)
        names = tuple(name for name, _ in _tables(read_manifest(input_dir)))
        return Engine("duckdb", backend, str(input_dir), names, backend.disconnect)
    if store is None:
        raise ValueError("the DuckDB engine reads a store or a Parquet export folder: give one")
    return Engine("duckdb", duckdb_store(store), str(store.path))


def _open_spark(input_dir: str | os.PathLike[str], master: str) -> Engine:
    """Closing the engine stops Spark only if opening it started Spark."""
    require_spark()
    from pyspark.sql import SparkSession

    already = SparkSession.getActiveSession()
    backend = spark_parquet(input_dir, master=master)
    names = tuple(name for name, _ in _tables(read_manifest(input_dir)))
    return Engine("spark", backend, str(input_dir), names,
                  None if already is not None else backend.disconnect)


def _tables(manifest: dict) -> list[tuple[str, dict]]:
    """The export's canonical tables (anything else in the manifest is not ours to read)."""
    return [(name, info) for name, info in manifest["tables"].items() if name in schema.TABLES]


def _canonical(raw: ir.Table, name: str, folder: Path) -> ir.Table:
    """Exactly the store's columns and types, in the store's order (no ``day``)."""
    wanted = canonical_schema(name)
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise ExportError(f"{folder / name} lacks column(s) {', '.join(missing)}; "
                          "export the store again")
    return raw.select(**{c: raw[c].cast(dtype) for c, dtype in wanted.items()})


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


@cache
def _java_major(java: str) -> int | None:
    """17 for ``version "17.0.15"``, 8 for ``version "1.8.0_392"``; None if it cannot tell."""
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


__all__ = ["Engine", "EngineUnavailable", "KINDS", "canonical_schema", "duckdb_parquet",
           "duckdb_store", "find_java", "open_engine", "read_meta", "require_spark",
           "spark_parquet", "spark_session"]
