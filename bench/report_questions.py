"""What each question of a campaign report costs alone, in bare SQL, against the bench's scan.

Usage:  .venv/bin/python bench/report_questions.py STORE --campaign CAMPAIGN.toml [--rounds N]

Why: the issue's target puts the whole report within 3× of one bare count-distinct scan. The
report answers a dozen questions exactly. This times the costliest of them one by one, each
as the plainest DuckDB query that answers it (no Ibis, no caching shared between them, post
keys where the store has them), beside the scan ``bench/run.py`` times. If several questions
each cost about a scan on their own, no arrangement of the report's code gets the whole
within 3× without changing what it answers or what the store precomputes (docs/benchmarks.md,
"The report's questions, one by one").

Each question's best of ``--rounds`` runs is printed with its ratio to the scan's best, then
the sum. One connection, read-only, DuckDB's default threads.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from groundswell.campaign import Campaign


def questions(camp: Campaign) -> dict[str, str]:
    tags = ", ".join(f"'{t}'" for t in camp.tags)
    replies = ", ".join(f"'{t}'" for t in camp.response_tags) or "NULL"
    matching = f"(SELECT post_key FROM post_hashtags WHERE tag IN ({tags}))"
    return {
        # exactly bench/run.py's SCAN, for the bench campaign's tags
        "bare scan (bench/run.py)": f"""SELECT count(*), count(DISTINCT p.author_id) FROM posts p
            SEMI JOIN post_hashtags h ON p.platform = h.platform AND p.post_id = h.post_id
            AND h.tag IN ({tags})""",
        "posts and accounts carrying a campaign tag, by key": f"""SELECT count(*),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    con = duckdb.connect(args.store, read_only=True)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, sql in questions(Campaign.load(args.campaign)).items():
            started = time.perf_counter()
            con.execute(sql).fetchall()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    scan = best.pop("bare scan (bench/run.py)")
    print(f"{scan:6.2f} s         bare scan (bench/run.py)")
    for name, seconds in best.items():
        print(f"{seconds:6.2f} s {seconds / scan:5.2f}×  {name}")
    total = sum(best.values())
    print(f"{total:6.2f} s {total / scan:5.2f}×  all of the above")


if __name__ == "__main__":
    main()
