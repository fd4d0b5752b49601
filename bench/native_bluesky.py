"""How fast DuckDB's own JSON reader turns Jetstream lines into typed columns: a feasibility
measurement for a columnar Bluesky ingest path, not an ingest.

It reads a Jetstream file with ``read_ndjson`` into one table of the fields the Bluesky source
uses (the commit's operation, collection and rkey; the record's text, time, languages, tags,
facets, reply, embed and repost subject), in both threads, and counts the rows. Nothing is
checked, deduplicated or written to a store. Compare with ``bench/floor.py --workers 2`` (the
orjson floor) and ``bench/write_floor.py`` (the least a store write costs) on the same data:
a columnar ingest can be no faster than this read plus that write (docs/benchmarks.md, issue 22).

Usage:  .venv/bin/python bench/native_bluesky.py FILE.jsonl [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

import duckdb

RECORD = ('STRUCT("text" VARCHAR, createdAt VARCHAR, langs VARCHAR[], tags VARCHAR[], '
          "facets JSON, reply JSON, embed JSON, subject JSON)")
COLUMNS = ("{did: 'VARCHAR', time_us: 'BIGINT', kind: 'VARCHAR', commit: 'STRUCT(operation "
           f"VARCHAR, collection VARCHAR, rkey VARCHAR, record {RECORD})'}}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.rounds):
        con = duckdb.connect()
        started = time.perf_counter()
        con.execute(
            "CREATE TABLE events AS SELECT did, time_us, kind, commit.operation AS operation, "
            "commit.collection AS collection, commit.rkey AS rkey, commit.record.text AS text, "
            "commit.record.createdAt AS created_at, commit.record.langs AS langs, "
            "commit.record.tags AS tags, commit.record.facets AS facets, "
            "commit.record.reply AS reply, commit.record.embed AS embed, "
            "commit.record.subject AS subject "
            f"FROM read_ndjson(?, columns = {COLUMNS}, ignore_errors = true, "
            "maximum_object_size = 1048576)", [args.file])
        rows = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        print(f"{rows:,} events in typed columns: {time.perf_counter() - started:.2f} s")
        con.close()


if __name__ == "__main__":
    main()
