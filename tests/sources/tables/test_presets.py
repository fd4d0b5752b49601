"""The presets read the files their tools really write: twarc2 csv's output of the real
twarc2 corpus (tests/fixtures/tables, made by twarc-csv itself) against the same tweets read
from their JSON, and minet/twitwi's real Bluesky export against counts made over the CSV
with Python's own csv module."""

from __future__ import annotations

import csv
import json
import re

from click.testing import CliRunner
from helpers import TABLE_FIXTURES, corpus
from helpers import dict_rows as rows

from groundswell import api
from groundswell.cli import main

TWARC_CSV = {  # fixture → the real twarc2 file it was made from (fixtures/tables/README.md)
    "twarc-csv.two_tweets.csv": "two_tweets.jsonl",
    "twarc-csv.mentions_tweet.csv": "mentions_tweet.jsonl",
    "twarc-csv.quoted_edit.csv": "quoted_edit.jsonl",
    "twarc-csv.verified_type.csv": "verified_type.jsonl",
    "twarc-csv.geo_tweets.csv": "geo_tweets.jsonl",
}
SAME = "post_id, author_id, created_at, kind, reply_to_post_id, repost_of_post_id, " \
       "quote_of_post_id, conversation_id, lang"


def test_twarc_csv_gives_the_posts_the_json_gives(tmp_path):
    for fixture, source in TWARC_CSV.items():
        with api.Store(tmp_path / f"{fixture}.csv.duckdb") as table, \
                api.Store(tmp_path / f"{fixture}.json.duckdb") as pages:
            summary = api.ingest(table, [TABLE_FIXTURES / fixture], preset="twarc-csv")
            api.ingest(pages, [corpus("twarc2", source)])
            assert summary.quarantined == 0
            written = rows(table, f"SELECT {SAME} FROM posts ORDER BY post_id")
            ids = ", ".join(f"'{r['post_id']}'" for r in written)
            assert written == rows(pages, f"SELECT {SAME} FROM posts WHERE post_id IN ({ids}) "
                                          "ORDER BY post_id"), fixture
            handles = "SELECT author_id, handle, followers, verified FROM accounts " \
                      "ORDER BY author_id"
            assert set(map(tuple, (r.values() for r in rows(table, handles)))) <= set(
                map(tuple, (r.values() for r in rows(pages, handles)))), fixture


def test_twarc_csv_hashtags_of_originals_match_the_json(tmp_path):
    table = api.Store(tmp_path / "t.duckdb")
    pages = api.Store(tmp_path / "p.duckdb")
    api.ingest(table, [TABLE_FIXTURES / "twarc-csv.flat-head20.csv"], preset="twarc-csv")
    lines = corpus("twarc2", "flat.jsonl").read_text().splitlines()[:20]
    (tmp_path / "flat20.jsonl").write_text("\n".join(lines) + "\n")
    api.ingest(pages, [tmp_path / "flat20.jsonl"])
    assert table.count("posts") == 20  # the pages also hold the tweets these refer to
    ids = ", ".join(f"'{r['post_id']}'" for r in rows(table, "SELECT post_id FROM posts "
                                                             "WHERE kind <> 'repost'"))
    query = ("SELECT p.post_id, list_sort(list(h.tag)) AS tags FROM posts p LEFT JOIN "
             "post_hashtags h USING (platform, post_id) "
             f"WHERE p.post_id IN ({ids}) GROUP BY 1 ORDER BY 1")
    assert rows(table, query) == rows(pages, query)
    assert table.count("post_hashtags") > 0  # those of the retweets (the originals')
    table.close()
    pages.close()


def test_minet_bluesky_reads_the_real_export(tmp_path):
    path = corpus("bluesky", "twitwi", "bluesky-posts-export.csv")
    with path.open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    with api.Store(tmp_path / "b.duckdb") as store:
        summary = api.ingest(store, [path], preset="minet-bluesky")
        plausible = [r for r in records if 0 < int(r["timestamp_utc"]) < 4102444800]
        assert summary.quarantined == len(records) - len(plausible)  # the year-0 post
        assert store.count("posts") == len({r["uri"] for r in plausible})
        assert store.count("accounts") == len({r["user_did"] for r in plausible})
        firsts = {}
        for r in plausible:  # a post reposted is a row again (repost_by_*): stored once
            firsts.setdefault(r["uri"], r)
        tags = sum(len({t.lower() for t in r["hashtags"].split("|") if t})
                   for r in firsts.values())
        assert store.count("post_hashtags") == tags
        quotes = rows(store, "SELECT count(*) AS n FROM posts WHERE kind = 'quote'")[0]["n"]
        assert quotes == sum(1 for r in firsts.values()
                             if r["quoted_uri"] and not r["to_post_uri"])
        assert {r["platform"] for r in rows(store, "SELECT DISTINCT platform FROM posts")} \
            == {"bluesky"}
        reason = rows(store, "SELECT reason FROM quarantine")
        assert all("not a time between" in r["reason"] for r in reason)


def test_mapping_guess_names_the_preset_and_ingest_uses_it(tmp_path):
    runner = CliRunner()
    guessed = runner.invoke(main, ["mapping", "guess",
                                   str(TABLE_FIXTURES / "twarc-csv.flat-head20.csv")])
    assert guessed.exit_code == 0, guessed.output
    assert "preset 'twarc-csv'" in guessed.output
    bsky = runner.invoke(main, ["mapping", "guess", "-o", str(tmp_path / "b.toml"),
                                str(corpus("bluesky", "twitwi", "bluesky-posts-export.csv"))])
    assert bsky.exit_code == 0 and 'preset = "minet-bluesky"' in (tmp_path / "b.toml").read_text()
    db = str(tmp_path / "g.duckdb")
    done = runner.invoke(main, ["ingest", "--db", db, "--json", "--mapping",
                                str(tmp_path / "b.toml"),
                                str(corpus("bluesky", "twitwi", "bluesky-posts-export.csv"))])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output[done.output.index("{"):])["posts_added"] > 100


def test_a_guess_for_a_sheet_no_preset_fits(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Tweet ID,Screen Name,Date,Tweet,Hashtags\n"
                     "1,alice,1508098860,me too #MeToo,\"['MeToo', 'IBelieveYou']\"\n")
    result = CliRunner().invoke(main, ["mapping", "guess", "-o", str(tmp_path / "m.toml"),
                                       str(sheet)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "m.toml").read_text()
    assert 'post_id = "Tweet ID"' in text and 'format = "unix"' in text
    assert 'split = "python"' in text
    db = str(tmp_path / "s.duckdb")
    done = CliRunner().invoke(main, ["ingest", "--db", db, "--mapping",
                                     str(tmp_path / "m.toml"), str(sheet)])
    assert done.exit_code == 0, done.output
    with api.Store(db) as store:
        assert rows(store, "SELECT tag_written FROM post_hashtags ORDER BY tag") == [
            {"tag_written": "IBelieveYou"}, {"tag_written": "MeToo"}]


def test_bad_table_options_fail_before_a_store_is_made(tmp_path):
    db = tmp_path / "never.duckdb"
    for args, message in ((["--preset", "nope"], "no preset 'nope'"),
                          (["--delimiter", ";"], "a table needs a mapping")):
        result = CliRunner().invoke(main, ["ingest", "--db", str(db), *args,
                                           str(TABLE_FIXTURES / "twarc-csv.two_tweets.csv")])
        assert result.exit_code == 1 and message in result.output, result.output
    assert not db.exists()


def _snake(value):
    """A post view as atproto's Python models dump it (``model_dump()``: snake_case keys),
    which is what 4CAT's Bluesky data source writes, ``$type`` kept as ``py_type``."""
    if isinstance(value, list):
        return [_snake(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {("py_type" if k == "$type" else re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower()):
            _snake(v) for k, v in value.items()}


def test_4cat_ndjson_gives_what_the_post_views_give(tmp_path):
    """No 4CAT export is in the corpora: one is made as 4CAT's bsky data source writes it
    (search_bsky.py: each PostView's model_dump() plus 4CAT_metadata, one JSON per line)
    from the real post views, and compared with the same views read by the Bluesky source."""
    views = [v.get("post", v) for v in  # search gives post views, not feed items
             json.loads(corpus("bluesky", "twitwi", "bluesky-posts.json").read_text())]
    items = []
    for rank, view in enumerate(views):
        item = _snake(view)
        item["4CAT_metadata"] = {"collected_at": 1742116928.0, "query": "#esr", "rank": rank,
                                 "mentions": [], "reply_to": ""}
        items.append(json.dumps(item, ensure_ascii=False))
    # some real records misspell a $type ("app.bsky.richtext.facet.tag", an embed typed
    # "app.bsky.feed.post"): no tag or quote to Bluesky, nor to our source, while a mapping
    # reads the keys whatever the $type (the preset says so)
    odd_tags = {v["uri"] for v in views for f in v["record"].get("facets") or ()
                for feature in f.get("features") or ()
                if "tag" in feature and feature.get("$type") != "app.bsky.richtext.facet#tag"}
    odd_embeds = {v["uri"] for v in views if (v["record"].get("embed") or {}).get("$type")
                  not in (None, "app.bsky.embed.record", "app.bsky.embed.recordWithMedia",
                          "app.bsky.embed.images", "app.bsky.embed.external",
                          "app.bsky.embed.video")
                  # and embeds of a feed, a list, a profile: quotes of no post
                  or "/app.bsky.feed.post/" not in json.dumps(v["record"].get("embed")
                                                              or "/app.bsky.feed.post/")}
    assert odd_tags and odd_embeds
    export = tmp_path / "4cat.ndjson"
    export.write_text("\n".join(items) + "\n", encoding="utf-8")
    with api.Store(tmp_path / "a.duckdb") as table, api.Store(tmp_path / "b.duckdb") as own:
        summary = api.ingest(table, [export], preset="4cat-ndjson")
        api.ingest(own, [corpus("bluesky", "twitwi", "bluesky-posts.json")])
        query = ("SELECT p.post_id, p.author_id, p.kind, p.reply_to_post_id, "
                 "p.quote_of_post_id, list_sort(list(h.tag)) AS tags FROM posts p LEFT JOIN "
                 "post_hashtags h USING (platform, post_id) WHERE p.post_id IN ({ids}) "
                 "GROUP BY ALL ORDER BY 1")
        ids = ", ".join(f"'{r['post_id']}'" for r in rows(table, "SELECT post_id FROM posts"))
        mine = rows(table, query.format(ids=ids))
        assert summary.quarantined == 1  # the post of year 0: no post's time
        assert summary.quarantined + summary.duplicates == len(views) - len(mine)
        theirs = {r["post_id"]: r for r in rows(own, query.format(ids=ids))}
        # the Bluesky source also finds tags written without a facet; a mapping cannot
        assert [r for r in mine if r["tags"] != [None]]
        for r in mine:
            other = theirs[r["post_id"]]
            if r["post_id"] not in odd_embeds:
                assert {k: v for k, v in r.items() if k != "tags"} == \
                       {k: v for k, v in other.items() if k != "tags"}
            if r["post_id"] not in odd_tags:
                assert set(r["tags"]) - {None} <= set(other["tags"]) - {None}
