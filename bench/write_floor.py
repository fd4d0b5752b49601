"""The least a store write can cost: a feasibility measurement, not an ingest.

It reads the tables of an ingested store into Arrow memory, then inserts them into a fresh
store file created with the same tables and indexes, and checkpoints it — the part of an
ingest no parser can avoid, with nothing parsed, checked or deduplicated. Compare it with the
orjson floor of the file the store was ingested from (``bench/floor.py --workers 2``): an
ingest can be no faster than the two together, however its parsing is done (issue 22's
"within 2× the floor", docs/benchmarks.md).

Usage:  .venv/bin/python bench/write_floor.py STORE.duckdb [--min-rows 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--min-rows", type=int, default=1000,
                        help="leave out tables smaller than this (default 1000)")
    args = parser.parse_args()
    src = duckdb.connect(str(args.store), read_only=True)
    tables = src.execute("SELECT table_name, estimated_size, sql FROM duckdb_tables()").fetchall()
    data, ddl = {}, {}
    for name, _, create in tables:
        if src.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] >= args.min_rows:
            data[name] = src.sql(f'SELECT * FROM "{name}"').to_arrow_table()
            ddl[name] = create
    indexes = [r[0] for r in src.execute("SELECT sql FROM duckdb_indexes()").fetchall()
               if r[0] and any(f" {n}" in r[0] or f'"{n}"' in r[0] for n in data)]
    src.close()
    with tempfile.TemporaryDirectory(prefix="groundswell-write-floor-") as tmp:
        dst = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        for sql in [*ddl.values(), *indexes]:
            dst.execute(sql)
        started = time.perf_counter()
        for name, table in data.items():
            dst.register("rows_in_memory", table)
            dst.execute(f'INSERT INTO "{name}" SELECT * FROM rows_in_memory')
            dst.unregister("rows_in_memory")
            print(f"{name:>16}: {table.num_rows:>10,} rows  {time.perf_counter() - started:6.2f} s")
        dst.execute("CHECKPOINT")
        dst.close()
        print(f"written and checkpointed: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
