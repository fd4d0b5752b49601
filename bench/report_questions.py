"""What each question of a campaign report costs alone, in bare SQL, against the bench's scan.

Usage:  .venv/bin/python bench/report_questions.py STORE --campaign CAMPAIGN.toml
            [--rounds N] [--approx] [--int-keys COPY]

Why: the issue's target puts the whole report within 3× of one bare count-distinct scan. The
report answers a dozen questions exactly. This times the costliest of them one by one, each
as the plainest DuckDB query that answers it (no Ibis, no caching shared between them, post
keys where the store has them), beside the scan ``bench/run.py`` times. If several questions
each cost about a scan on their own, no arrangement of the report's code gets the whole
within 3× without changing what it answers or what the store precomputes (docs/benchmarks.md,
"The report's questions, one by one").

Bare questions materialise nothing; a report caches the matching posts that its metrics read,
so these times bound a report from below only (a keyed report, prototyped, gained far less
than its questions: docs/benchmarks.md). The two ways out, measured:

* ``--approx``: the distinct accounts counted by DuckDB's HyperLogLog
  (``approx_count_distinct``) instead of exactly.
* ``--int-keys COPY``: what precomputed integer keys would buy, and cost. It copies STORE to
  COPY and adds, with the UPDATEs a writer would run once an ingest ends (each timed): an
  integer key per account on posts and on hashtag rows, and the post keys of each post's reply
  parent and reposted post. The questions are then asked by those keys on COPY.

Each question's best of ``--rounds`` runs is printed with its ratio to the scan's best, then
the sum. One connection, DuckDB's default threads.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

from groundswell.campaign import Campaign

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import scan_sql  # noqa: E402  (the same scan bench/run.py times)

SCAN = "bare scan (bench/run.py)"

# What a writer would run once an ingest ends to give accounts and links integer keys. Each
# key is found by one join into a temporary table, then set by post key: the same UPDATE
# joining posts to posts by id directly took 21 s instead of 2.3 s for the reposts of 10M.
KEYING = (
    ("account keys", "CREATE TABLE account_keys AS SELECT platform, author_id, "
     "row_number() OVER () AS author_key FROM (SELECT DISTINCT platform, author_id FROM posts)"),
    ("posts: account keys", "ALTER TABLE posts ADD COLUMN author_key BIGINT; "
     "CREATE TEMP TABLE found AS SELECT p.post_key, k.author_key AS target FROM posts p "
     "JOIN account_keys k USING (platform, author_id); "
     "UPDATE posts SET author_key = found.target FROM found "
     "WHERE found.post_key = posts.post_key; DROP TABLE found"),
    ("posts: reply parents' keys", "ALTER TABLE posts ADD COLUMN reply_to_key BIGINT; "
     "CREATE TEMP TABLE found AS SELECT c.post_key, p.post_key AS target FROM posts c "
     "JOIN posts p ON p.platform = c.platform AND p.post_id = c.reply_to_post_id; "
     "UPDATE posts SET reply_to_key = found.target FROM found "
     "WHERE found.post_key = posts.post_key; DROP TABLE found"),
    ("posts: reposted posts' keys", "ALTER TABLE posts ADD COLUMN repost_of_key BIGINT; "
     "CREATE TEMP TABLE found AS SELECT c.post_key, p.post_key AS target FROM posts c "
     "JOIN posts p ON p.platform = c.platform AND p.post_id = c.repost_of_post_id; "
     "UPDATE posts SET repost_of_key = found.target FROM found "
     "WHERE found.post_key = posts.post_key; DROP TABLE found"),
    ("hashtag rows: account keys", "ALTER TABLE post_hashtags ADD COLUMN author_key BIGINT; "
     "UPDATE post_hashtags SET author_key = p.author_key FROM posts p "
     "WHERE p.post_key = post_hashtags.post_key"),
    ("checkpoint", "CHECKPOINT"),
)


def questions(camp: Campaign, int_keys: bool = False) -> dict[str, str]:
    tags = ", ".join(f"'{t}'" for t in camp.tags)
    replies = ", ".join(f"'{t}'" for t in camp.response_tags) or "NULL"
    matching = f"(SELECT post_key FROM post_hashtags WHERE tag IN ({tags}))"
    scan = scan_sql(camp.tags)
    if int_keys:
        return {
            SCAN: scan,
            "posts and accounts carrying a campaign tag": f"""SELECT count(*),
                count(DISTINCT author_key) FROM posts WHERE post_key IN {matching}""",
            "accounts per tag of those posts (variants, co-tags)": f"""SELECT tag,
                count(DISTINCT author_key) FROM post_hashtags WHERE post_key IN {matching}
                GROUP BY tag""",
            "accounts per response tag": f"""SELECT tag, count(DISTINCT author_key)
                FROM post_hashtags WHERE tag IN ({replies}) GROUP BY tag""",
            "accounts per day": f"""SELECT date_trunc('day', created_at),
                count(DISTINCT author_key) FROM posts WHERE post_key IN {matching} GROUP BY 1""",
            "each account's first post (joiners)": f"""SELECT count(*) FROM (SELECT author_key,
                min(created_at) FROM posts WHERE post_key IN {matching} GROUP BY author_key)""",
            "reposts of those posts": f"""SELECT count(*) FROM posts
                WHERE repost_of_key IN {matching}""",
            "replies' parents (reply trees)": """SELECT count(*) FROM posts
                WHERE reply_to_key IS NOT NULL""",
        }
    return {
        SCAN: scan,
        "posts and accounts carrying a campaign tag": f"""SELECT count(*),
            count(DISTINCT author_id) FROM posts WHERE post_key IN {matching}""",
        "accounts per tag of those posts (variants, co-tags)": f"""SELECT h.tag,
            count(DISTINCT p.author_id) FROM posts p JOIN post_hashtags h USING (post_key)
            WHERE p.post_key IN {matching} GROUP BY h.tag""",
        "accounts per response tag": f"""SELECT h.tag, count(DISTINCT p.author_id) FROM posts p
            JOIN post_hashtags h USING (post_key) WHERE h.tag IN ({replies}) GROUP BY h.tag""",
        "accounts per day": f"""SELECT date_trunc('day', created_at), count(DISTINCT author_id)
            FROM posts WHERE post_key IN {matching} GROUP BY 1""",
        "each account's first post (joiners)": f"""SELECT count(*) FROM (SELECT author_id,
            min(created_at) FROM posts WHERE post_key IN {matching} GROUP BY author_id)""",
        "reposts of those posts": f"""SELECT count(*) FROM posts r JOIN (SELECT platform, post_id
            FROM posts WHERE post_key IN {matching}) m
            ON r.platform = m.platform AND r.repost_of_post_id = m.post_id""",
        "replies' parents (reply trees)": """SELECT count(*) FROM posts c JOIN posts p
            ON p.platform = c.platform AND p.post_id = c.reply_to_post_id""",
    }


def approximate(sql: str) -> str:
    """The same question with HyperLogLog distinct counts."""
    return sql.replace("count(DISTINCT ", "approx_count_distinct(")


def add_int_keys(store: str, copy: str) -> None:
    """Copy the store and key it as a writer would; print each step's time."""
    shutil.copyfile(store, copy)
    con = duckdb.connect(copy)
    total = 0.0
    for name, sql in KEYING:
        started = time.perf_counter()
        con.execute(sql)
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{seconds:6.2f} s         keying: {name}", flush=True)
    con.close()
    print(f"{total:6.2f} s         keying, all steps", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--approx", action="store_true",
                        help="count distinct accounts with approx_count_distinct")
    parser.add_argument("--int-keys", metavar="COPY",
                        help="copy STORE to COPY, add integer account and link keys, ask by them")
    args = parser.parse_args()
    store = args.store
    if args.int_keys:
        add_int_keys(store, args.int_keys)
        store = args.int_keys
    asked = questions(Campaign.load(args.campaign), int_keys=bool(args.int_keys))
    if args.approx:
        asked = {name: sql if name == SCAN else approximate(sql) for name, sql in asked.items()}
    con = duckdb.connect(store, read_only=True)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, sql in asked.items():
            started = time.perf_counter()
            con.execute(sql).fetchall()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    scan = best.pop(SCAN)
    print(f"{scan:6.2f} s         {SCAN}")
    for name, seconds in best.items():
        print(f"{seconds:6.2f} s {seconds / scan:5.2f}×  {name}")
    total = sum(best.values())
    print(f"{total:6.2f} s {total / scan:5.2f}×  all of the above")


if __name__ == "__main__":
    main()
