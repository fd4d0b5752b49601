"""The real-shaped corpus (bench/real_shaped.py) is the real twarc2 pages with fresh ids: the
same shape byte for byte elsewhere, every id consistent within a replica and never shared
between replicas, exactly N tweets in data, and a store holds exactly what was planted.
Nothing here is timed."""

from __future__ import annotations

import calendar
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import corpus

from groundswell import Store
from groundswell.campaign import Campaign

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import real_shaped  # noqa: E402
import run  # noqa: E402

TWARC = BENCH.parent / ".bench-venv" / "bin" / "twarc2"
TWEPOCH_MS = 1288834974657


@pytest.fixture(scope="module")
def material() -> real_shaped.Material:
    return real_shaped.Material(corpus("twarc2"))


def written(material, n: int) -> tuple[bytes, real_shaped.Written]:
    out = io.BytesIO()
    summary = real_shaped.write(n, out, material)
    return out.getvalue(), summary


def leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*path, i))
    else:
        yield path, node


def data(page: dict) -> list[dict]:
    return page["data"] if isinstance(page["data"], list) else [page["data"]]


def tweets(page: dict) -> list[dict]:
    return data(page) + page["includes"].get("tweets", [])


def test_every_response_page_of_the_corpus_is_material(material):
    pages = 0
    for path in corpus("twarc2").glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            pages += isinstance(obj, dict) and {"data", "includes", "__twarc"} <= obj.keys()
    assert len(material.pages) == pages >= 20
    assert material.tweets_per_replica >= 200  # brexit's and noflat's search pages, and more


def followed(fresh: dict[str, str]):
    return lambda found: fresh.get(found.group(), found.group())


#: Fields holding a tweet, user, media or poll id (a list's items named by the list);
#: ids under these are shared on purpose: Twitter's catalogues, places, stream rules.
ID_FIELDS = {"id", "author_id", "conversation_id", "in_reply_to_user_id",
             "edit_history_tweet_ids", "media_keys", "media_key", "poll_ids",
             "pinned_tweet_id", "newest_id", "oldest_id"}
SHARED = {"context_annotations", "places", "matching_rules"}
TIME_FIELDS = {"created_at", "editable_until", "end_datetime", "retrieved_at"}


def test_replicas_keep_every_byte_but_ids_and_times_and_share_no_id(material):
    per = len(material.pages)
    text, summary = written(material, 3 * material.tweets_per_replica)
    lines = text.splitlines()
    assert summary.replicas == 3 and len(lines) == 3 * per
    originals = sorted(real_shaped.read_pages(corpus("twarc2")), key=lambda p: (p.first,
                                                                                p.number))
    owner: dict[str, int] = {}
    for n, line in enumerate(lines):
        r, i = divmod(n, per)
        if i == 0:
            fresh: dict[str, str] = {}  # one replica's map: original id → fresh id
            links: list[tuple[str, str]] = []
        old, new = list(leaves(originals[i].obj)), list(leaves(json.loads(line)))
        assert [p for p, _ in old] == [p for p, _ in new]  # field order and nesting
        for (path, a), (_, b) in zip(old, new, strict=True):
            name = path[-1] if isinstance(path[-1], str) else path[-2]
            if name in ID_FIELDS and not SHARED & set(path):
                assert a != b, f"{'/'.join(map(str, path))} kept its id {a}"
                assert fresh.setdefault(a, b) == b, f"{a} maps to two ids in replica {r}"
                assert owner.setdefault(b, r) == r, f"{b} is in replicas {owner[b]} and {r}"
            elif name in TIME_FIELDS:
                assert a != b and len(a) == len(b)
            elif name.endswith("url"):
                links.append((a, b))
            else:
                assert a == b, f"{'/'.join(map(str, path))} changed"
        for tweet in tweets(json.loads(line)):  # snowflakes of the (shifted) creation time
            stamp = calendar.timegm(time.strptime(tweet["created_at"][:19],
                                                  "%Y-%m-%dT%H:%M:%S"))
            assert ((int(tweet["id"]) >> 22) + TWEPOCH_MS) // 1000 == stamp
        if i == per - 1:  # a status link to a tweet of the material follows that tweet
            moved = [(a, b) for a, b in links if a != b]
            assert moved and all(re.sub(r"\d{15,20}", followed(fresh), a) == b
                                 for a, b in moved)
    # replicas follow each other: every data tweet of one is older than the next one's
    ids = [[int(t["id"]) for line in lines[r * per:(r + 1) * per]
            for t in data(json.loads(line))] for r in range(3)]
    assert max(ids[0]) < min(ids[1]) and max(ids[1]) < min(ids[2])


@pytest.mark.parametrize("extra", [0, 1, 8, 50, 218])
def test_it_stops_at_exactly_n_distinct_data_tweets_and_repeats_itself(material, extra):
    n = material.tweets_per_replica + extra
    text, summary = written(material, n)
    pages = [json.loads(line) for line in text.splitlines()]
    in_data = {t["id"] for p in pages for t in data(p)}
    posts = {t["id"] for p in pages for t in tweets(p)}
    assert len(in_data) == summary.tweets == n
    assert len(posts) == summary.posts
    last = pages[-1]
    if "meta" in last:
        assert last["meta"]["result_count"] == len(last["data"])
    assert written(material, n)[0] == text  # deterministic


def test_a_store_holds_exactly_the_planted_posts_and_quarantines_nothing(material, tmp_path):
    path = tmp_path / "real.jsonl"
    text, summary = written(material, 4 * material.tweets_per_replica)  # whole replicas
    path.write_bytes(text)
    with Store(tmp_path / "s.duckdb") as store:
        ingested = store.ingest([path])
        assert ingested.quarantined == 0
        assert store.count("posts") == ingested.posts_added == summary.posts
        top = store.con.execute("SELECT tag FROM post_hashtags GROUP BY tag "
                                "ORDER BY count(*) DESC, tag LIMIT 3").fetchall()
    # the bench's campaign on this corpus is its most frequent tags
    assert [t for t, in top] == real_shaped.top_hashtags(3, corpus("twarc2"))


@pytest.mark.skipif(not TWARC.exists(), reason="twarc2 missing: `make test` installs "
                    ".bench-venv")
def test_twarc2_csv_writes_one_row_per_planted_tweet(material, tmp_path):
    path, out = tmp_path / "real.jsonl", tmp_path / "real.csv"
    path.write_bytes(written(material, 300)[0])
    subprocess.run([str(TWARC), "csv", "--hide-progress", str(path), str(out)], check=True,
                   capture_output=True, env=dict(os.environ, BEARER_TOKEN="test"))
    csv.field_size_limit(2**31 - 1)
    with open(out, newline="", encoding="utf-8") as fh:
        ids = [row["id"] for row in csv.DictReader(fh)]
    assert len(ids) == len(set(ids)) == 300


def test_the_bench_campaign_on_real_shaped_pages_is_a_valid_campaign(tmp_path):
    corpus("twarc2")
    path, scanned = run.campaign_of(run.REAL, tmp_path / "unused.jsonl", tmp_path)
    campaign = Campaign.load(path)
    top = real_shaped.top_hashtags(5)
    assert campaign.main_tag == top[0] and campaign.response_tags == (top[4],)
    assert scanned == tuple(top[:4]) == campaign.tags


def test_writing_the_docs_keeps_what_lies_outside_the_markers():
    text = f"head\n{run.RESULTS}\nold run\n{run.RESULTS_END}\nhistory\n"
    assert run.replace_between(text, run.RESULTS, run.RESULTS_END, "new run") == \
        f"head\n{run.RESULTS}\nnew run\n{run.RESULTS_END}\nhistory\n"
