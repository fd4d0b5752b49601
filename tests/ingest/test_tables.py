"""Tables read by DuckDB through a mapping: every row stored or quarantined with its line,
encodings and formats detected, ids made for rows without one, nothing stored twice."""

from __future__ import annotations

import gzip
from datetime import datetime

import duckdb
import pytest
from helpers import dict_rows as rows
from helpers import write

from groundswell import api
from groundswell.ingest.tables import NO_AUTHOR
from groundswell.sources.tables import MappingError


@pytest.fixture
def ingest_table(tmp_path):
    """ingest_table(paths, **options) → (summary, store): one store per test, reused."""
    store = api.Store(tmp_path / "t.duckdb")

    def run(paths, **options):
        summary = api.ingest(store, [str(p) for p in paths], **options)
        return summary, store

    yield run
    store.close()


MAPPING = """
[fields]
platform = { value = "twitter" }
post_id = "id"
author_id = "user"
handle = "user"
created_at = { column = "date", format = "%Y-%m-%d %H:%M", timezone = "Europe/Paris" }
text = "text"
hashtags = { column = "tags", split = ";" }
followers = "followers"
kind = { repost = { column = "retweet", equals = "True" } }
"""
SHEET = """id,user,date,text,tags,retweet,followers
1,alice,2017-10-15 20:21,"me too, it happened to me #MeToo",MeToo,False,10
2,bob,2017-10-15 21:00,"#MeToo
second line",metoo;IBelieveYou;#MeToo,False,x
,carol,2017-10-16 01:00,no id here #metoo,metoo,False,3
4,dave,not a date,bad date,,False,1
5,erin,2017-10-16 02:00,too many,x,False,1,extra
6,,2017-10-16 03:00,no author,metoo,True,
1,alice,2017-10-15 20:21,a second copy of 1,MeToo,False,10
7,alice,2017-10-17 09:00,,,False,12
,,,,,,
"""


@pytest.fixture
def sheet(tmp_path):
    write(tmp_path / "map.toml", MAPPING)
    return write(tmp_path / "sheet.csv", SHEET), tmp_path / "map.toml"


def test_a_hand_made_sheet(sheet, ingest_table):
    path, mapping = sheet
    summary, store = ingest_table([path], mapping=mapping)
    posts = rows(store, "SELECT post_id, author_id, created_at, text, kind, source_line "
                        "FROM posts ORDER BY source_line")
    assert [(p["post_id"], p["source_line"]) for p in posts] == [
        ("1", 2), (posts[1]["post_id"], 4), ("6", 7), ("7", 9)]
    assert posts[0]["created_at"] == datetime(2017, 10, 15, 18, 21)  # Paris → UTC
    assert posts[1]["post_id"].startswith("row:") and len(posts[1]["post_id"]) == 36
    assert posts[2]["kind"] == "repost" and posts[2]["author_id"] is None
    assert {p["kind"] for p in posts[:2]} == {"original"}
    quarantine = rows(store, "SELECT line, reason FROM quarantine ORDER BY line")
    assert [(q["line"], q["reason"].split(":")[0]) for q in quarantine] == [
        (3, "followers"), (5, "created_at"), (6, "TOO MANY COLUMNS"), (10, "no created_at")]
    assert "not a number" in quarantine[0]["reason"]  # so bob's row (and its line
    # break, counted as one row, as a spreadsheet shows it) is set aside whole
    assert summary.quarantined == 4 and summary.duplicates == 1
    assert summary.skipped == {NO_AUTHOR: 1}
    tags = rows(store, "SELECT post_id, tag, tag_written FROM post_hashtags ORDER BY post_key")
    assert ("1", "metoo", "MeToo") in [tuple(t.values()) for t in tags]
    accounts = rows(store, "SELECT author_id, followers FROM accounts ORDER BY author_id")
    assert accounts == [{"author_id": "alice", "followers": 12},  # the newest snapshot
                        {"author_id": "carol", "followers": 3}]


def test_reingesting_stores_nothing_twice(sheet, ingest_table):
    path, mapping = sheet
    first, store = ingest_table([path], mapping=mapping)
    again, _ = ingest_table([path], mapping=mapping)
    assert again.posts_added == 0 and again.duplicates == first.posts_seen
    assert store.count("quarantine") == first.quarantined  # not twice either


def test_formats_and_encodings(tmp_path, ingest_table):
    mapping = write(tmp_path / "m.toml", """
[fields]
platform = { value = "bluesky" }
post_id = "uri"
author_id = "did"
created_at = "time"
text = "text"
hashtags = { column = "tags", split = "json" }
""")
    header = "uri\tdid\ttime\ttext\ttags\n"
    row = 'at://a/1\tdid:a\t2025-10-15T20:21:00+02:00\tCafé #metoo\t["metoo"]\n'
    write(tmp_path / "posts.tsv", header + row, "utf-16")
    (tmp_path / "posts.csv.gz").write_bytes(gzip.compress(
        (header + row.replace("at://a/1", "at://a/2")).replace("\t", ",").encode("latin-1")))
    write(tmp_path / "posts.ndjson",
          '{"uri": "at://a/3", "did": "did:a", "time": "2025-10-15T18:21:00Z", '
          '"text": "Café", "tags": ["metoo"]}\n{broken\n')
    duckdb.sql("COPY (SELECT 'at://a/4' AS uri, 'did:a' AS did, "
               "TIMESTAMP '2025-10-15 18:21:00' AS time, 'Café' AS text, "
               "'[\"metoo\"]' AS tags) TO '" + str(tmp_path / "posts.parquet") + "'")
    summary, store = ingest_table(
        [tmp_path / n for n in ("posts.tsv", "posts.ndjson", "posts.parquet")],
        mapping=mapping)
    with pytest.raises(MappingError):  # latin-1 is not detected inside a gzip file
        ingest_table([tmp_path / "posts.csv.gz"], mapping=mapping)
    summary_gz, _ = ingest_table([tmp_path / "posts.csv.gz"], mapping=mapping,
                                 encoding="latin-1")
    posts = rows(store, "SELECT post_id, created_at, text FROM posts ORDER BY post_id")
    assert [p["post_id"] for p in posts] == ["at://a/1", "at://a/2", "at://a/3", "at://a/4"]
    assert {p["created_at"] for p in posts} == {datetime(2025, 10, 15, 18, 21)}
    assert {p["text"].split()[0] for p in posts} == {"Café"}
    assert summary.quarantined == 1  # {broken, with its line
    assert rows(store, "SELECT source, line FROM quarantine")[0]["line"] == 2
    assert store.count("post_hashtags") == 4


def test_a_mapping_naming_a_column_the_file_lacks(sheet, tmp_path, ingest_table):
    path, _ = sheet
    mapping = write(tmp_path / "other.toml", MAPPING.replace('"text"', '"body"'))
    with pytest.raises(MappingError, match="no column 'body'.*the file has: id, user, date"):
        ingest_table([path], mapping=mapping)


def test_posts_without_an_author_are_counted_as_posts_not_people(sheet, ingest_table):
    path, mapping = sheet
    _, store = ingest_table([path], mapping=mapping)
    magnitude = store.report(tags=["metoo"], metrics=["magnitude"])["magnitude"]
    assert magnitude["posts"] == 3  # alice's, carol's and the row without an author
    assert magnitude["posts_without_author"] == 1
    assert (magnitude["accounts"], magnitude["participants"], magnitude["amplifiers"]) == \
        (2, 2, 0)


def test_the_mapping_language(tmp_path, ingest_table):
    """One sheet per option of docs/mappings.md: times in four notations, lists in four,
    a kind column, prefixes, null values, a list's first item, lines before the header."""
    write(tmp_path / "m.toml", """
[read]
skip = 2
delimiter = ";"

[fields]
platform = { value = "bluesky" }
post_id = { column = "rkey", prefix = "at://did:a/app.bsky.feed.post/" }
author_id = { columns = ["did", "fallback"] }
created_at = { columns = ["ms", "v1"], format = "unix_ms" }
text = "text"
lang = { column = "langs", split = "json", null = ["[]"] }
hashtags = { column = "facets", split = "json", key = "features[*].tag" }
mentions = { column = "mentions", split = "python" }
verified = { column = "verified", true = ["oui"] }
followers = { column = "followers", null = ["N/A"] }

[fields.kind]
column = "type"
values = { rt = "repost", answer = "reply" }
""")
    write(tmp_path / "t.csv", "\n".join([
        "An export made by hand", "(two lines of notes)",
        "rkey;did;fallback;ms;v1;text;langs;facets;mentions;verified;followers;type",
        '1;did:a;;1508098860000;;a #MeToo;["fr","en"];'
        '"[{""features"": [{""tag"": ""MeToo""}, {""uri"": ""x""}]}]";'
        "\"['@bob', 'carol']\";OUI;N/A;answer",
        "2;;did:b;1508098861000;;b;[];;;non;7;rt",
        "3;did:a;;;;c;[];;;;;quote",
    ]) + "\n")
    summary, store = ingest_table([tmp_path / "t.csv"], mapping=tmp_path / "m.toml")
    posts = rows(store, "SELECT post_id, author_id, created_at, lang, kind, source_line "
                        "FROM posts ORDER BY post_id")
    assert posts == [
        {"post_id": "at://did:a/app.bsky.feed.post/1", "author_id": "did:a",
         "created_at": datetime(2017, 10, 15, 20, 21), "lang": "fr", "kind": "reply",
         "source_line": 4},
        {"post_id": "at://did:a/app.bsky.feed.post/2", "author_id": "did:b",
         "created_at": datetime(2017, 10, 15, 20, 21, 1), "lang": None, "kind": "repost",
         "source_line": 5}]
    assert rows(store, "SELECT reason, line FROM quarantine") == [
        {"reason": "no created_at", "line": 6}]
    assert rows(store, "SELECT tag_written FROM post_hashtags") == [{"tag_written": "MeToo"}]
    assert [r["handle"] for r in rows(store, "SELECT handle FROM mentions ORDER BY 1")] == [
        "bob", "carol"]
    assert rows(store, "SELECT author_id, verified, followers FROM accounts ORDER BY 1") == [
        {"author_id": "did:a", "verified": True, "followers": None},
        {"author_id": "did:b", "verified": False, "followers": 7}]
    assert summary.quarantined == 1


@pytest.mark.parametrize(("written", "fmt", "zone"), [
    ("Sun Oct 15 20:21:00 +0000 2017", "%a %b %d %H:%M:%S %z %Y", "UTC"),  # Twitter v1.1
    ("2017-10-15T22:21:00+02:00", "iso", "America/New_York"),  # an offset wins over zone
    ("2017-10-15 16:21", "iso", "America/New_York"),
    ("1508098860", "unix", "UTC"),
    ("1508098860.0", "unix", "Asia/Tokyo"),  # unix times are UTC whatever the zone
])
def test_times(tmp_path, ingest_table, written, fmt, zone):
    write(tmp_path / "m.toml", f"""
[fields]
platform = {{ value = "twitter" }}
post_id = "id"
created_at = {{ column = "t", format = "{fmt}", timezone = "{zone}" }}
""")
    write(tmp_path / "t.csv", f'id,t\n1,"{written}"\n')
    _, store = ingest_table([tmp_path / "t.csv"], mapping=tmp_path / "m.toml")
    assert rows(store, "SELECT created_at FROM posts") == [
        {"created_at": datetime(2017, 10, 15, 20, 21)}]
