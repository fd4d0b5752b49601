"""Every real Twitter file (twarc2 v2 output and v1.1 statuses) ingests exactly right.

Expected values come from the "oracle" below: a deliberately plain reading of the raw JSON,
written without groundswell.sources, so the ingester is checked against an independent
interpretation of the same rules.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest
import zstandard
from helpers import all_rows

from groundswell import Store

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
if not (CORPORA / "twarc2").is_dir() or not (CORPORA / "twitter-v1").is_dir():
    pytest.skip(f"real Twitter corpora not found under {CORPORA}", allow_module_level=True)

FILES = sorted(
    p
    for folder in ("twarc2", "twitter-v1")
    for p in (CORPORA / folder).iterdir()
    if p.is_file() and not p.name.startswith("LICENSE")
)
V1_STREAM = CORPORA / "twitter-v1" / "python_twitter_streaming_lines.jsonl"
V1_SAMPLE = CORPORA / "twitter-v1" / "tweet_parser_public_api_sample.jsonl"
V2_BROKEN = CORPORA / "twarc2" / "streaming_output_with_error.jsonl"
V2_PAIR = CORPORA / "twarc2" / "two_tweets.jsonl"


# --- the oracle: a plain reading of the raw JSON ------------------------------------------


class Expected(NamedTuple):
    kind: str
    tags: frozenset[str]
    created_at: datetime  # naive UTC
    source: tuple[str, int] | None = None  # (resolved file, 1-based line)


def read(path: Path) -> tuple[list[tuple[int, dict]], list[int]]:
    """((line number, object) per JSON document, numbers of broken lines). A .json file is one
    document; in a .jsonl file every non-empty line is one."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return ([(1, json.loads(text))] if text.strip() else []), []
    docs, broken = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                docs.append((number, json.loads(line)))
            except json.JSONDecodeError:
                broken.append(number)
    return docs, broken


def documents(path: Path) -> list[dict]:
    return [doc for _, doc in read(path)[0]]


def norm(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def pick_kind(repost: object, reply: object, quote: object) -> str:
    return "repost" if repost else "reply" if reply else "quote" if quote else "original"


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def v2_tweets(doc: dict) -> list[dict]:
    """Tweets of a response page / stream line (data + includes.tweets) or a flattened line,
    with the referenced tweets a flattened line inlines (those having a text), recursively."""
    not_tweet = {"tweet_count", "member_count", "owner_id", "username"}
    if "data" in doc:
        data = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
        todo = [t for t in data if "text" in t and not not_tweet & t.keys()]
        todo += doc.get("includes", {}).get("tweets", [])
    else:
        todo = [doc] if "id" in doc and "text" in doc else []
    out = []
    while todo:
        tweet = todo.pop(0)
        out.append(tweet)
        todo[:0] = [ref for ref in tweet.get("referenced_tweets", []) if "text" in ref]
    return out


def v2_expected(t: dict) -> Expected:
    types = {ref["type"] for ref in t.get("referenced_tweets", [])}
    kind = pick_kind("retweeted" in types, "replied_to" in types, "quoted" in types)
    if "entities" in t:
        tags = {norm(h["tag"]) for h in t["entities"].get("hashtags", [])}
    else:  # would need twitter-text extraction; in this corpus these texts have no '#' at all
        assert "#" not in t["text"] and "＃" not in t["text"], t["id"]
        tags = set()
    created = datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
    return Expected(kind, frozenset(tags), utc(created))


def v1_statuses(doc: dict) -> list[dict]:
    """A status and, recursively, its embedded retweeted_status / quoted_status."""
    if "user" not in doc:
        return []
    return [doc] + [
        s for key in ("retweeted_status", "quoted_status") for s in v1_statuses(doc.get(key, {}))
    ]


def v1_expected(s: dict) -> Expected:
    kind = pick_kind(
        "retweeted_status" in s,
        s.get("in_reply_to_status_id_str") or s.get("in_reply_to_status_id"),
        s.get("quoted_status_id_str") or "quoted_status" in s,
    )
    entities = s["extended_tweet"]["entities"] if "extended_tweet" in s else s.get("entities", {})
    tags = frozenset(norm(h["text"]) for h in entities.get("hashtags", []))
    return Expected(kind, tags, utc(datetime.strptime(s["created_at"], "%a %b %d %H:%M:%S %z %Y")))


def occurrences(path: Path) -> list[tuple[str, Expected]]:
    """Every post occurrence in the file, in reading order, duplicates included. v1 ids are
    taken from id_str: the numeric id loses precision in some files."""
    out = []
    for line, doc in read(path)[0]:
        found = [(s["id_str"], v1_expected(s)) for s in v1_statuses(doc)]
        if "user" not in doc:
            found = [(t["id"], v2_expected(t)) for t in v2_tweets(doc)]
        out += [(pid, e._replace(source=(str(path.resolve()), line))) for pid, e in found]
    return out


def expected_posts(*paths: Path) -> dict[str, Expected]:
    """Distinct posts; the first occurrence wins."""
    posts: dict[str, Expected] = {}
    for path in paths:
        for post_id, exp in occurrences(path):
            posts.setdefault(post_id, exp)
    return posts


def compliance_deletes(path: Path) -> set[str]:
    return {doc["id"] for doc in documents(path) if doc.get("action") == "delete"}


def expected_accounts(path: Path) -> dict[str, set[tuple]]:
    """author_id -> every (handle, followers, verified) its raw user objects show."""
    seen: dict[str, set[tuple]] = {}
    for doc in documents(path):
        for user in (s["user"] for s in v1_statuses(doc)):
            seen.setdefault(user["id_str"], set()).add(
                (user["screen_name"], user["followers_count"], user["verified"])
            )
        if "user" in doc:
            continue
        users = doc.get("includes", {}).get("users", [])
        if "data" not in doc:  # flattened line: each tweet carries its author
            users = users + [t["author"] for t in v2_tweets(doc) if "author" in t]
        for user in users:
            followers = user.get("public_metrics", {}).get("followers_count")
            seen.setdefault(user["id"], set()).add(
                (user["username"], followers, user.get("verified"))
            )
    return seen


# --- store helpers ----------------------------------------------------------------------



def rows(store: Store, sql: str) -> list[tuple]:
    return sorted(store.con.execute(sql).fetchall(), key=repr)


def snapshot(store: Store) -> dict[str, list[tuple]]:
    return all_rows(store)


def assert_matches_oracle(store: Store, expected: dict[str, Expected]) -> None:
    """Exactly the expected post ids, kind per id, and (post_id, normalized tag) pairs."""
    kinds = dict(store.con.execute("SELECT post_id, kind FROM posts").fetchall())
    assert set(kinds) == set(expected)
    assert kinds == {pid: e.kind for pid, e in expected.items()}
    tags = rows(store, "SELECT post_id, tag FROM post_hashtags")
    assert tags == sorted({(pid, tag) for pid, e in expected.items() for tag in e.tags}, key=repr)


# --- tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_file_matches_oracle(make_store, path: Path):
    store = make_store()
    summary = store.ingest([path])
    expected = expected_posts(path)
    assert_matches_oracle(store, expected)
    assert summary.posts_seen == len(occurrences(path))
    assert summary.posts_added == len(expected)
    assert summary.quarantined == len(read(path)[1])


@pytest.mark.parametrize(
    ("file", "reason_word"),
    [("counts.jsonl", "count"), ("lists.jsonl", "list"), ("empty.json", "")],
)
def test_non_tweet_files_add_nothing_and_say_why(make_store, file: str, reason_word: str):
    store = make_store()
    summary = store.ingest([CORPORA / "twarc2" / file])
    assert (summary.posts_seen, summary.posts_added, summary.quarantined) == (0, 0, 0)
    assert store.count("posts") == 0 and store.count("quarantine") == 0
    if reason_word:
        reasons = summary.skipped.items()
        assert any(reason_word in r.lower() and n > 0 for r, n in reasons), summary.skipped
    else:
        assert summary.skipped == {}


def test_compliance_files_leave_tombstones_only(make_store):
    paths = [CORPORA / "twarc2" / f for f in ("tweets_compliance.jsonl", "users_compliance.jsonl")]
    store = make_store()
    summary = store.ingest(paths)
    assert (summary.posts_seen, summary.quarantined) == (0, 0)
    deleted = {r[0] for r in rows(store, "SELECT post_id FROM deletions")}
    assert deleted == set().union(*map(compliance_deletes, paths))


def test_all_files_together_then_rerun_changes_nothing(make_store):
    store = make_store()
    first = store.ingest(FILES)
    deleted = set().union(*map(compliance_deletes, FILES))
    expected = {k: v for k, v in expected_posts(*FILES).items() if k not in deleted}
    assert_matches_oracle(store, expected)
    assert first.posts_seen == sum(len(occurrences(p)) for p in FILES)
    assert first.posts_added == len(expected)
    origins = rows(store, "SELECT post_id, source_file, source_line FROM posts")
    assert origins == sorted(((pid, *e.source) for pid, e in expected.items()), key=repr)
    before = snapshot(store)

    second = store.ingest(FILES)
    assert second.posts_added == 0
    assert second.duplicates == second.posts_seen == first.posts_seen
    assert snapshot(store) == before


def test_broken_streaming_line_is_quarantined_and_run_goes_on(make_store):
    store = make_store()
    summary = store.ingest([V2_BROKEN, V2_PAIR])
    docs, broken = read(V2_BROKEN)
    assert summary.quarantined == 1 and len(broken) == 1
    [(source, line, reason)] = rows(store, "SELECT source, line, reason FROM quarantine")
    assert (source, line) == (str(V2_BROKEN.resolve()), broken[0])
    assert "json" in reason.lower()
    sql = f"SELECT DISTINCT source_line FROM posts WHERE source_file = '{V2_BROKEN.resolve()}'"
    assert {r[0] for r in rows(store, sql)} == {number for number, _ in docs}
    assert_matches_oracle(store, expected_posts(V2_BROKEN, V2_PAIR))


def v2_delete(post_id: str) -> dict:
    return {"id": post_id, "action": "delete", "created_at": "2023-01-02T03:04:05.000Z"}


def v1_delete(post_id: str) -> dict:
    status = {"id": int(post_id), "id_str": post_id, "user_id": 1, "user_id_str": "1"}
    return {"delete": {"status": status, "timestamp_ms": "1672628645000"}}


@pytest.mark.parametrize(
    ("source", "notice"),
    [(V2_PAIR, v2_delete), (V1_STREAM, v1_delete)],
    ids=["v2", "v1"],
)
def test_delete_notice_removes_post_and_leaves_a_tombstone(make_store, tmp_path, source, notice):
    store = make_store()
    store.ingest([source])
    [post_id] = store.con.execute(  # a post with both a hashtag and a mention
        "SELECT post_id FROM post_hashtags JOIN mentions USING (platform, post_id) "
        "ORDER BY post_id LIMIT 1"
    ).fetchone()
    posts_before = store.count("posts")
    notice_file = tmp_path / "delete.jsonl"
    notice_file.write_text(json.dumps(notice(post_id)) + "\n", encoding="utf-8")

    assert store.ingest([notice_file]).deleted == 1
    for table in ("posts", "post_hashtags", "mentions"):
        assert rows(store, f"SELECT * FROM {table} WHERE post_id = '{post_id}'") == [], table
    assert rows(store, f"SELECT post_id FROM deletions WHERE post_id = '{post_id}'") == [(post_id,)]

    assert store.ingest([source]).posts_added == 0  # the tombstone keeps it out
    assert rows(store, f"SELECT * FROM posts WHERE post_id = '{post_id}'") == []
    assert store.count("posts") == posts_before - 1


@pytest.mark.parametrize("file", [V1_STREAM.name, "brexit.jsonl", "flat.jsonl"])
def test_accounts_carry_followers_and_verified_as_given(make_store, file: str):
    path = next(p for p in FILES if p.name == file)
    store = make_store()
    store.ingest([path])
    sql = "SELECT author_id, handle, followers, verified FROM accounts"
    stored = {r[0]: r[1:] for r in rows(store, sql)}
    expected = expected_accounts(path)
    assert expected, "the file should contain user objects"
    for author_id, observed in expected.items():
        assert stored.get(author_id) in observed, author_id


@pytest.mark.parametrize(
    ("path", "post_id", "when"),
    [  # raw: "Thu Jun 08 15:23:27 +0000 2017" and "2021-04-01T15:52:31.000Z"
        (V1_SAMPLE, "872836479608733696", datetime(2017, 6, 8, 15, 23, 27)),
        (V2_BROKEN, "1377650090978992134", datetime(2021, 4, 1, 15, 52, 31)),
    ],
    ids=["v1", "v2"],
)
def test_created_at_is_naive_utc(make_store, path: Path, post_id: str, when: datetime):
    store = make_store()
    store.ingest([path])
    got = dict(store.con.execute("SELECT post_id, created_at FROM posts").fetchall())
    assert got[post_id] == when
    assert got == {pid: e.created_at for pid, e in expected_posts(path).items()}


@pytest.mark.parametrize("codec", ["gz", "zst"])
@pytest.mark.parametrize(
    "path", [CORPORA / "twarc2" / "noflat.jsonl", V1_STREAM], ids=lambda p: p.name
)
def test_compressed_copies_give_the_same_tables(make_store, tmp_path, codec: str, path: Path):
    compress = gzip.compress if codec == "gz" else zstandard.ZstdCompressor().compress
    packed = tmp_path / f"{path.name}.{codec}"
    packed.write_bytes(compress(path.read_bytes()))

    def tables(source: Path, label: str) -> dict[str, list[tuple]]:
        store = make_store(label)
        store.ingest([source])
        snap = snapshot(store)
        snap["posts"] = rows(store, "SELECT * EXCLUDE (source_file) FROM posts")
        return snap

    assert tables(packed, "packed") == tables(path, "plain")


def test_pretty_printed_json_document(make_store, tmp_path):
    original = CORPORA / "twitter-v1" / "python_twitter_extended_tweet_extended_mode.json"
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(documents(original)[0], indent=2), encoding="utf-8")
    store = make_store()
    assert store.ingest([pretty]).quarantined == 0
    assert_matches_oracle(store, expected_posts(original))


def test_stdin(make_store, monkeypatch):
    class FakeStdin:
        buffer = io.BufferedReader(io.BytesIO(V1_STREAM.read_bytes()))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    store = make_store()
    summary = store.ingest(["-"])
    assert summary.posts_seen == len(occurrences(V1_STREAM))
    assert_matches_oracle(store, expected_posts(V1_STREAM))
