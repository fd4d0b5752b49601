"""The store writer alone: how DuckDB's cost depends on how many batches one commit holds.

Usage:  .venv/bin/python bench/writer_commits.py STORE.duckdb [BATCHES_PER_COMMIT ...]

Re-inserts the posts, hashtags, mentions and accounts of an existing store (made by
``groundswell ingest``) into a fresh file in 13 equal batches — the batches a 1M-post twarc2
ingest writes — under a bulk ingest's settings (128 MiB checkpoints, 160 MiB budget), committing
every N batches, and prints the writer's CPU seconds and the file's size for each N. No parsing
workers run, so the figures are DuckDB's own (docs/benchmarks.md, "The writer at 10M").
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

TABLES = ("posts", "post_hashtags", "mentions", "accounts")
BATCHES = 13


def measure(rows: dict, ddl: dict, per_commit: int, path: Path) -> str:
    con = duckdb.connect(str(path))
    for name in TABLES:
        con.execute(ddl[name])
    con.execute("CHECKPOINT")
    con.execute("SET checkpoint_threshold = '128MiB'")
    con.execute("SET memory_limit = '160MiB'")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for i in range(BATCHES):
        if i % per_commit == 0:
            con.execute("BEGIN")
        for name, table in rows.items():
            part = table.slice(i * len(table) // BATCHES, len(table) // BATCHES)  # noqa: F841
            con.execute(f"INSERT INTO {name} SELECT * FROM part")
        if i % per_commit == per_commit - 1 or i == BATCHES - 1:
            con.execute("COMMIT")
    con.close()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return (f"{per_commit:2d} batches per commit: {wall:5.2f} s wall, {cpu:5.2f} CPU-s "
            f"({after.ru_stime - before.ru_stime:.2f} system), "
            f"{path.stat().st_size / 2**20:.0f} MiB file")


def main() -> None:
    store = sys.argv[1]
    groups = [int(n) for n in sys.argv[2:]] or [1, 2, 4, BATCHES]
    src = duckdb.connect(store, read_only=True)
    rows = {name: src.sql(f"SELECT * FROM {name}").to_arrow_table() for name in TABLES}
    ddl = {name: src.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?",
                             [name]).fetchall()[0][0] for name in TABLES}
    src.close()
    with tempfile.TemporaryDirectory() as tmp:
        for per_commit in groups:
            print(measure(rows, ddl, per_commit, Path(tmp) / f"w{per_commit}.duckdb"),
                  flush=True)


if __name__ == "__main__":
    main()
