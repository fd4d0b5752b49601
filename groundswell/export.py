"""Export the store as Hive-partitioned Parquet: one copy of the data that DuckDB and Spark read.

Why Parquet: a DuckDB file is ideal on one machine, but archives of hundreds of millions of
posts belong on a cluster, and every engine there reads Parquet. One export is read by both
engines (:mod:`groundswell.engines`), so a report computed on a laptop and one computed on
Spark start from the very same bytes.

Why Hive partitioning (``posts/platform=twitter/day=2017-10-15/data_0.parquet``): campaigns are
asked about time windows and platforms, and engines skip whole folders whose ``platform=`` or
``day=`` value a filter excludes, without opening a file. ``day`` is the UTC date of
``created_at`` as ``YYYY-MM-DD``; posts without a time go to ``day=unknown``. ``day`` exists only
in folder names: readers drop it, so every table reads back with exactly the store's columns.

Layout of ``OUT/``::

    _groundswell.json                 manifest: format, schema_version, rows per table, time
    posts/platform=P/day=D/*.parquet
    accounts|deletions|mentions|post_hashtags/platform=P/*.parquet
    meta|quarantine|ingests/data.parquet
    <table>/data.parquet              any table with no rows (so readers still see its columns)

The manifest is written last and the folder appears in one rename, so a folder with a manifest
is always a complete export, and readers refuse folders without one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from groundswell import schema
from groundswell.keys import fingerprint
from groundswell.policy import Policy
from groundswell.privacy import redact
from groundswell.schema import MANIFEST
from groundswell.store import Store, StoreError

FORMAT = "groundswell-parquet"

#: Tables whose rows are split into folders, and by what. The rest are one small file each.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "posts": ("platform", "day"),
    "accounts": ("platform",),
    "post_hashtags": ("platform",),
    "mentions": ("platform",),
    "deletions": ("platform",),
}

#: The ``day`` folder of posts whose ``created_at`` is NULL.
UNKNOWN_DAY = "unknown"

_DERIVED = {"day": f"coalesce(strftime(created_at, '%Y-%m-%d'), '{UNKNOWN_DAY}') AS day"}


class ExportError(StoreError):
    """A Parquet export that cannot be written or read; the message says why, in one line."""


def canonical_columns(table: str) -> dict[str, str]:
    """``{column: SQL type}`` of a canonical table, in the order ``schema.TABLES`` declares."""
    return schema.columns(table)


def export_parquet(
    store: Store,
    out_dir: str | os.PathLike[str],
    tables: Iterable[str] | None = None,
    progress: Callable[[int], None] | None = None,
    overwrite: bool = False,
    reveal: bool = False,
    policy: Policy | None = None,
) -> dict[str, int]:
    """Write the store's tables (all by default) as Parquet under ``out_dir``; rows per table.

    Private by default (:mod:`groundswell.privacy.redact`): private accounts' ids become the
    keyed pseudonyms reports print, their handles, texts and profile fields are left out, and
    so is the quarantine. ``reveal=True`` writes the tables as stored (a working copy for your
    own cluster: ``report --engine spark`` on it equals the store's report); the manifest says
    which (``"private"``) and under which key (``"key_fingerprint"``). ``policy`` says who is
    public (a campaign's; the defaults without one).

    ``meta`` is always included: it carries the schema version and the store's id (which
    names its pseudonym key file, never the key). All tables are read in one transaction, so
    the export is a consistent snapshot.

    Replacing: a new or empty ``out_dir`` is simply written. A folder holding an earlier
    export is replaced only with ``overwrite=True``, and safely: the new export is written to
    a hidden folder beside it and swapped in when complete, so a failure (disk full, Ctrl-C)
    leaves the earlier export untouched. A non-empty folder that is not an export is never
    touched, whatever ``overwrite`` says.

    ``progress(n)`` is called after each table with its row count (the calls add up to the
    total rows exported).
    """
    names = _chosen(tables)
    out = Path(out_dir)
    _check_target(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    private = None if reveal else (store.pseudonym_key, policy or Policy())
    try:
        counts = _write_tables(store.con, staging, names, progress, private)
        _write_manifest(staging, counts, store, private is not None)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not store.read_only:  # so `groundswell forget` can clean it later
        store.record_export(out, private is not None, fingerprint(store.pseudonym_key))
    return counts


def read_manifest(export_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of an export, after checking that this version of Groundswell can read it."""
    folder = Path(export_dir)
    if not folder.is_dir():
        raise ExportError(f"no Parquet export at {folder} (create one with `groundswell export`)")
    path = folder / MANIFEST
    if not path.is_file():
        raise ExportError(f"{folder} is not a Groundswell Parquet export: it has no {MANIFEST} "
                          "(create one with `groundswell export`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = int(manifest["schema_version"])
        tables = manifest["tables"]
    except (ValueError, KeyError, TypeError):
        raise ExportError(f"{path} is damaged: not a Groundswell manifest; export again") from None
    if manifest.get("format") != FORMAT or not isinstance(tables, dict):
        raise ExportError(f"{path} is not a Groundswell manifest (format "
                          f"{manifest.get('format')!r}); export again")
    if version > schema.SCHEMA_VERSION:
        raise ExportError(
            f"{folder} was exported by a newer Groundswell (schema {version}, this version "
            f"reads {schema.SCHEMA_VERSION}); upgrade with `pip install -U groundswell`")
    return manifest


def _chosen(tables: Iterable[str] | None) -> list[str]:
    names = list(schema.TABLES) if tables is None else list(dict.fromkeys(tables))
    unknown = [n for n in names if n not in schema.TABLES]
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(unknown)}; "
                         f"known: {', '.join(schema.TABLES)}")
    return names if "meta" in names else ["meta", *names]


def _check_target(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"cannot export to {out}: it is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not (out / MANIFEST).is_file():
        raise ExportError(f"refusing to export into {out}: the folder is not empty and holds "
                          "no Groundswell export; choose a new or empty folder")
    if not overwrite:
        raise ExportError(f"{out} already holds an export; pass overwrite=True "
                          "(CLI: --overwrite) to replace it")


def _write_tables(con: duckdb.DuckDBPyConnection, folder: Path, names: list[str],
                  progress: Callable[[int], None] | None,
                  private: tuple[bytes, Policy] | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        if private is not None:
            redact.prepare(con, *private)
        for name in names:
            columns = [c for c in canonical_columns(name) if c in _columns_of(con, name)]
            select = (f"SELECT * FROM {name}" if private is None
                      else redact.private_select(name, columns))
            if select is None:  # left out of a private export: its columns, no rows
                select = f"SELECT * FROM {name} LIMIT 0"
            counts[name] = _copy(con, select, folder / name, PARTITIONS.get(name, ()))
            if progress is not None:
                progress(counts[name])
    finally:
        con.execute("ROLLBACK")  # only read: nothing to commit, and this ends the snapshot
    return counts


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = 'main'", [table]).fetchall()}


def _copy(con: duckdb.DuckDBPyConnection, source: str, target: Path,
          partitions: tuple[str, ...]) -> int:
    """One table's rows (``source``: a SELECT) → Parquet; an empty table is one empty file,
    so its columns stay readable."""
    table = f"({source})"
    # fetchall: DuckDB 2 refuses other work on a connection with a half-fetched result
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    parts = partitions if rows else ()
    select = ", ".join(["*", *(_DERIVED[p] for p in parts if p in _DERIVED)])
    options = "FORMAT parquet, COMPRESSION zstd"
    if parts:
        destination = target
        options += f", PARTITION_BY ({', '.join(parts)})"
    else:
        target.mkdir()
        destination = target / "data.parquet"
    con.execute(f"COPY (SELECT {select} FROM {table}) TO {_quote(destination)} ({options})"
                ).fetchall()
    return rows


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_manifest(folder: Path, counts: dict[str, int], store: Store, private: bool) -> None:
    from groundswell import __version__

    manifest = {
        "format": FORMAT,
        # private: pseudonyms for private accounts (groundswell.privacy.redact); else revealed
        "private": private,
        "key_fingerprint": fingerprint(store.pseudonym_key),
        "schema_version": store.version(),
        "groundswell_version": __version__,
        "exported_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        + "Z",
        "store": str(Path(store.path).resolve()),
        "tables": {
            name: {
                "rows": rows,
                "partition_by": list(PARTITIONS.get(name, ())) if rows else [],
                # an older store, exported read-only, lacks some columns (schema 3: post_key)
                "columns": {column: sql for column, sql in canonical_columns(name).items()
                            if column in store.columns(name)},
            }
            for name, rows in counts.items()
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _swap(staging: Path, out: Path) -> None:
    """Put the finished export in place; an earlier one is removed only once it is replaced."""
    if not out.exists():
        staging.rename(out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    backup.rmdir()
    out.rename(backup)
    try:
        staging.rename(out)
    except BaseException:
        backup.rename(out)
        raise
    shutil.rmtree(backup, ignore_errors=True)


__all__ = ["ExportError", "MANIFEST", "PARTITIONS", "UNKNOWN_DAY", "canonical_columns",
           "export_parquet", "read_manifest"]
