"""How fast DuckDB's own JSON reader turns twarc2 pages into typed tweets: a feasibility
measurement for a native ingest path, not an ingest.

It reads a twarc2 file (pages: ``data`` and ``includes.tweets``) with ``read_json`` into one table
of typed tweets in file order, their hashtags, and the first copy of each tweet: the parsing and
deduplicating part of what ``groundswell ingest`` does, without accounts, kinds, quarantine with
line numbers, deletes or the one-writer rules. Compare its time with the ingest's and the orjson
floor's on the same file (``bench/run.py``).

Per core it is no faster than the ingest's Python parsing (``--threads 1`` and the CPU time it
prints; see docs/benchmarks.md, "A native parse, measured").

Usage:  .venv/bin/python bench/native_parse.py FILE [--memory 1500MB] [--threads N]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

TWEET = ("STRUCT(id VARCHAR, author_id VARCHAR, created_at TIMESTAMP, text VARCHAR, lang VARCHAR, "
         "conversation_id VARCHAR, in_reply_to_user_id VARCHAR, "
         "referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[], "
         "entities STRUCT(hashtags STRUCT(tag VARCHAR)[], "
         "mentions STRUCT(username VARCHAR, id VARCHAR)[]))")
# pages are ~1.6 MB lines; DuckDB allocates buffers in proportion to this bound
MAX_OBJECT = 64 * 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--memory", default="1500MB",
                        help="DuckDB's memory limit (700MB ran out of memory on 1M posts)")
    parser.add_argument("--threads", type=int, default=0,
                        help="DuckDB's threads (default: one per core)")
    args = parser.parse_args()
    columns = f"{{'data': '{TWEET}[]', 'includes': 'STRUCT(tweets {TWEET}[])'}}"
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "native.duckdb"))
        con.execute(f"SET memory_limit = '{args.memory}'")
        if args.threads:
            con.execute(f"SET threads = {args.threads}")
        steps = {
            "tweets": f"""CREATE TABLE tweets AS
                SELECT unnest(list_concat(data, includes.tweets), recursive := true)
                FROM read_json(?, format = 'newline_delimited', ignore_errors = true,
                               maximum_object_size = {MAX_OBJECT}, columns = {columns})""",
            "hashtags": """CREATE TABLE hashtags AS SELECT id, lower(h.tag) AS tag
                FROM (SELECT id, unnest(hashtags) AS h FROM tweets)""",
            "first copies": """CREATE TABLE posts AS SELECT * FROM tweets
                QUALIFY row_number() OVER (PARTITION BY id ORDER BY rowid) = 1""",
        }
        for name, sql in steps.items():
            started = time.perf_counter()
            con.execute(sql, [args.file] if "?" in sql else [])
            print(f"{name}: {time.perf_counter() - started:.2f} s")
        seen, kept = con.execute("SELECT (SELECT count(*) FROM tweets), "
                                 "(SELECT count(*) FROM posts)").fetchone()
        con.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{seen:,} tweets read, {kept:,} kept; peak RSS {usage.ru_maxrss // 1024} MiB; "
          f"CPU {usage.ru_utime:.1f} user-s + {usage.ru_stime:.1f} sys-s")


if __name__ == "__main__":
    main()
