"""Fuzzing ingest with damaged copies of REAL lines: nothing crashes, nothing good is lost.

Each example writes a file that mixes untouched real lines (twarc2, plus v1.1 when present) with
mutated ones: truncated, values swapped for other JSON types, invalid UTF-8, strings of
megabytes, nesting thousands deep, NaN/Infinity literals, duplicate keys, stray BOMs and NUL
bytes, then dresses the file with a BOM, CRLF endings and blank lines (or gzips it and cuts it
short). The properties:

* ``Store.ingest`` never raises;
* every post of the good lines is stored, and a post stored *from* a good line is exactly the
  row a clean ingest of the good lines alone stores (same columns, hashtags and mentions);
* every mutated line either parses into records of a known shape or is quarantined with its
  file, line and a reason.

Deterministic (``derandomize=True``) and bounded (50 + 20 examples) so it runs in CI. To
explore further, with fresh random examples on every run, ask for more:
``GROUNDSWELL_FUZZ_EXAMPLES=1500 .venv/bin/pytest tests/test_fuzz.py`` (1,500 mixed files and
300 cut gzips; about 6 minutes here). Two bugs were found that way and are fixed: 22 MB
"tweets" outgrew the writer's memory budget, and a shared hostile value became a cycle.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from pathlib import Path

import orjson
import pytest
from helpers import CORPORA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics.oracle import Raw
from mutations import (
    INTERESTING,
    POOL,
    TWARC2,
    first_line,
    hot_paths,
    mutate,
    tagged_line,
    value_at,
)

from groundswell import Store
from groundswell.ingest.dispatch import decode
from groundswell.sources import detect

#: 0 (unset): the same 50 examples on every run, as CI needs; more: that many random ones
EXAMPLES = int(os.environ.get("GROUNDSWELL_FUZZ_EXAMPLES") or 0)
FUZZ = settings(max_examples=EXAMPLES or 50, deadline=None, derandomize=not EXAMPLES,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.skipif(
    not TWARC2.is_dir(), reason=f"real corpora not found at {CORPORA} (clone ../shared)")


@st.composite
def mixed_file(draw):
    """Good (untouched) and mutated lines, shuffled, plus file-level damage."""
    rnd = draw(st.randoms(use_true_random=True))
    entries = [tagged_line("good", rnd.choice(POOL)) for _ in range(rnd.randint(1, 6))]
    entries += [mutate(rnd, draw) for _ in range(rnd.randint(1, 4))]
    rnd.shuffle(entries)
    return {
        "entries": entries,
        "bom": rnd.random() < 0.3,
        "eol": rnd.choice([b"\n", b"\r\n"]),
        "blanks": [rnd.choice([b"", b"  ", b"\t", b"\r"]) for _ in entries],
        "blank_every": rnd.choice([0, 1, 2, 3]),
        "final_eol": rnd.random() < 0.7,
        "cut": rnd.uniform(0.05, 0.999),  # gzip: the share of the compressed bytes kept
    }


def build(spec) -> tuple[bytes, list[tuple[int, str, bytes]]]:
    """The file's bytes and ``(line number, kind, line)`` for every non-blank line."""
    chunks, numbered, lineno = [], [], 0
    for i, entry in enumerate(spec["entries"]):
        if spec["blank_every"] and i % spec["blank_every"] == 0:
            chunks.append(spec["blanks"][i] + spec["eol"])
            lineno += 1
        lineno += 1
        chunks.append(bytes(entry) + spec["eol"])
        numbered.append((lineno, entry.kind, bytes(entry)))
    data = b"".join(chunks)
    if not spec["final_eol"]:
        data = data[: -len(spec["eol"])]
    if spec["bom"]:
        data = b"\xef\xbb\xbf" + data
    return data, numbered


def rows(store: Store, sql: str) -> list[tuple]:
    return store.con.execute(sql).fetchall()


#: Each post-level table with its source line (the line that first carried the post).
POST_ROWS = {
    "posts": "SELECT platform, post_id, author_id, created_at, text, lang, kind, "
             "reply_to_post_id, reply_to_author_id, repost_of_post_id, quote_of_post_id, "
             "conversation_id, source_line FROM posts",
    "post_hashtags": "SELECT h.* EXCLUDE (post_key), p.source_line FROM post_hashtags h "
                     "JOIN posts p USING (platform, post_id)",
    "mentions": "SELECT m.* EXCLUDE (post_key), p.source_line FROM mentions m "
                "JOIN posts p USING (platform, post_id)",
}


def check(workdir: Path, path: Path, numbered, readable_lines: int | None = None) -> Store:
    """Ingest ``path`` and check the properties against a clean ingest of its good lines.

    ``readable_lines``: only lines ending within the first ``readable_lines`` newlines of the
    (decompressed) data count as read (a gzip cut short); None means the whole file.
    """
    mixed = Store(":memory:")  # faster; files on disk are the other test modules' business
    mixed.ingest([path])  # must not raise, whatever the damage
    name = str(path.resolve())
    considered = [n for n in numbered if readable_lines is None or n[0] <= readable_lines]
    good = [(n, line) for n, kind, line in considered if kind == "good"]
    good_lines = {n for n, _ in good}
    bad_lines = {n for n, kind, _ in considered if kind != "good"}

    clean_path = workdir / "good.jsonl"
    clean_path.write_bytes(b"".join(line + b"\n" for _, line in good))
    clean = Store(":memory:")
    clean.ingest([clean_path])
    as_mixed = {i: n for i, (n, _) in enumerate(good, 1)}  # clean line -> mixed line

    # every good post is kept; a mutated copy read *earlier* may own it (first line wins),
    # and a mutated line that is a valid delete notice may remove it (a good line's deletes
    # are the clean ingest's too, which then holds no such post)
    deleted = {r[0] for r in rows(mixed, "SELECT post_id, source_line FROM deletions")
               if r[1] in bad_lines}
    owner = {r[0]: r[1] for r in rows(mixed, "SELECT post_id, source_line FROM posts")}
    for post_id, line in rows(clean, "SELECT post_id, source_line FROM posts"):
        if post_id in deleted:
            continue
        assert post_id in owner, f"post {post_id} of good line {as_mixed[line]} was lost"
        assert owner[post_id] == as_mixed[line] or (
            owner[post_id] in bad_lines and owner[post_id] < as_mixed[line]), post_id

    # what a good line owns is exactly what the clean ingest stored for it
    for table, sql in POST_ROWS.items():
        expected = {r[:-1] + (as_mixed[r[-1]],) for r in rows(clean, sql)
                    if owner.get(r[1]) == as_mixed[r[-1]]}
        got = {r for r in rows(mixed, sql) if r[-1] in good_lines}
        assert got == expected, table

    quarantined = {line: reason for source, line, reason in rows(
        mixed, "SELECT source, line, reason FROM quarantine")}
    assert {r[0] for r in rows(mixed, "SELECT source FROM quarantine")} <= {name}
    assert all(reason.strip() for reason in quarantined.values())
    clean_quarantined = {as_mixed[r[0]] for r in rows(clean, "SELECT line FROM quarantine")}
    assert set(quarantined) & good_lines == clean_quarantined, "good lines judged differently"
    first = numbered[0][0]
    for n, kind, line in considered:
        if kind != "good" and n not in quarantined:
            assert _parses_into_records(line, n == first), (kind, n, line[:300])
    clean.close()
    return mixed


def _parses_into_records(line: bytes, first: bool) -> bool:
    if first:
        line = line.removeprefix(b"\xef\xbb\xbf")
    try:  # JSON as ingest reads it: a number beyond double range is null, not an error
        obj = decode(line.strip())
    except orjson.JSONDecodeError:
        return False
    records = obj if isinstance(obj, list) else [obj]
    return all(isinstance(r, dict) and detect(r) is not None for r in records)


@FUZZ
@given(spec=mixed_file())
def test_damaged_lines_are_quarantined_and_good_lines_kept(spec):
    data, numbered = build(spec)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "mixed.jsonl"
        path.write_bytes(data)
        check(workdir, path, numbered).close()


@settings(FUZZ, max_examples=max(20, EXAMPLES // 5))
@given(spec=mixed_file())
def test_gzip_cut_short_keeps_what_was_readable(spec):
    data, numbered = build(spec)
    blob = gzip.compress(data, mtime=0)
    blob = blob[: max(2, int(len(blob) * spec["cut"]))]
    readable = zlib.decompressobj(wbits=31).decompress(blob)  # what any reader can recover
    complete_lines = readable.count(b"\n")  # a partial last line is not a line
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "mixed.jsonl.gz"
        path.write_bytes(blob)
        mixed = check(workdir, path, numbered, readable_lines=complete_lines)
        reasons = [r[0] for r in rows(mixed, "SELECT reason FROM quarantine")]
        mixed.close()
    assert any("ends early" in r for r in reasons), reasons


# -- every hostile value at every key the sources read (exhaustive, one file) -----------------
def test_every_hostile_value_at_every_key_the_sources_read(tmp_path):
    """Each value of INTERESTING at each key route of real v2 pages, flattened and streamed
    tweets, compliance events and v1.1 statuses: 8,000 lines, one ingest."""
    bases = [
        first_line("twarc2/two_tweets.jsonl"),
        first_line("twarc2/flat.jsonl"),
        first_line("twarc2/streaming_output_with_error.jsonl", b"matching_rules"),
        first_line("twarc2/tweets_compliance.jsonl"),
        first_line("twitter-v1/python_twitter_streaming_lines.jsonl", b"extended_tweet"),
        first_line("twitter-v1/tweet_parser_public_api_sample.jsonl", b"retweeted_status"),
        # the v1.1 stream's delete notice, as documented (no real one in the corpora)
        b'{"delete":{"status":{"id":1234,"id_str":"1234","user_id":3,"user_id_str":"3"},'
        b'"timestamp_ms":"1520690595660"}}',
    ]
    lines: list[tuple[str, bytes]] = [("good", base) for base in bases]
    for base in bases:
        for path in hot_paths(orjson.loads(base)):
            for value in INTERESTING:
                obj = orjson.loads(base)
                value_at(obj, path[:-1])[path[-1]] = value
                lines.append(("wrong_type", orjson.dumps(obj)))
    lines += [("good", base) for base in reversed(bases)]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"".join(data + b"\n" for _, data in lines))
    numbered = [(n, kind, data) for n, (kind, data) in enumerate(lines, 1)]
    check(tmp_path, path, numbered).close()


# -- regressions found by the tests above ----------------------------------------------------
def posts_in(folder: Path, lines: list[bytes]) -> int:
    """Distinct posts in some lines, counted by the independent oracle of the metrics'
    tests (plain ``json``, no groundswell)."""
    path = folder / "counted.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return len(Raw([path]).posts)


def _good_lines(n: int) -> list[bytes]:
    return [ln.strip() for ln in (TWARC2 / "flat.jsonl").read_bytes().splitlines()[:n]]


def test_cut_gzip_whose_first_line_is_broken_keeps_the_readable_lines(tmp_path):
    """The whole-document probe used to read the cut stream first and lose every line."""
    good = _good_lines(8)
    blob = gzip.compress(b"{broken\n" + b"\n".join(good) + b"\n", mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(blob[: len(blob) * 3 // 4])
    readable = zlib.decompressobj(wbits=31).decompress(blob[: len(blob) * 3 // 4])
    numbered = [(1, "truncate", b"{broken")] + [(n, "good", line) for n, line in
                                                enumerate(good, 2)]
    mixed = check(tmp_path, path, numbered, readable_lines=readable.count(b"\n"))
    kept = [line for n, line in enumerate(good, 2) if n <= readable.count(b"\n")]
    assert kept and mixed.count("posts") == posts_in(tmp_path, kept)
    reasons = dict(rows(mixed, "SELECT line, reason FROM quarantine"))
    assert "not valid JSON" in reasons.pop(1)
    assert any("ends early" in r for r in reasons.values())
    mixed.close()


@pytest.mark.parametrize("where", [0.0, 0.01, 0.1, 0.5])
def test_damaged_gzip_is_quarantined_not_raised(tmp_path, where):
    """A flipped byte inside the deflate stream raised zlib.error out of Store.ingest."""
    blob = bytearray(gzip.compress(b"\n".join(_good_lines(20)) + b"\n", mtime=0))
    blob[10 + int((len(blob) - 18) * where)] ^= 0x5A  # after the header, before the trailer
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(bytes(blob))
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([path])
        reasons = [r[0] for r in rows(store, "SELECT reason FROM quarantine")]
    assert any("compressed stream" in r for r in reasons), reasons


def test_cut_short_after_a_batch_is_recorded_at_its_own_line(tmp_path):
    """After a flush the fresh batch's line was 0, so the truncation was filed as line 1 and
    dropped when line 1 was itself quarantined."""
    blob = gzip.compress(b"garbage\n" + b"\n".join(_good_lines(30)) + b"\n", mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([path], batch_posts=1)
        quarantined = dict(rows(store, "SELECT line, reason FROM quarantine"))
    assert "not valid JSON" in quarantined[1]
    (cut_at,) = [line for line, reason in quarantined.items() if "ends early" in reason]
    assert cut_at > 2


def test_bad_collection_times_do_not_cost_a_page(tmp_path):
    """A bad ``retrieved_at``, or one tweet's bad ``created_at`` (the page's fallback
    collection time), used to quarantine the whole page and lose its other tweets."""
    page = orjson.loads(first_line("twarc2/brexit.jsonl"))
    page["__twarc"]["retrieved_at"] = "yesterday"
    page["data"][0]["created_at"] = "zzzz"  # sorts last: was taken as the newest time
    path = tmp_path / "page.jsonl"
    path.write_bytes(orjson.dumps(page) + b"\n")
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([path])
        ids = {r[0] for r in rows(store, "SELECT post_id FROM posts")}
        (reason,) = [r[0] for r in rows(store, "SELECT reason FROM quarantine")]
    assert {t["id"] for t in page["data"][1:]} <= ids
    assert "data[0]" in reason and "zzzz" in reason


def test_file_name_that_is_not_utf8(tmp_path):
    """Provenance stores the file name: a Latin-1 name (surrogate-escaped by Python) failed
    the batch's write with UnicodeEncodeError."""
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"
    with open(raw_name, "wb") as fh:
        fh.write(b"\n".join(_good_lines(3)) + b"\n{broken\n")
    with Store(tmp_path / "s.duckdb") as store:
        summary = store.ingest([os.fsdecode(raw_name)])
        (source,) = {r[0] for r in rows(store, "SELECT source_file FROM posts")}
        quarantined = rows(store, "SELECT source, line FROM quarantine")
    assert summary.posts_added == posts_in(tmp_path, _good_lines(3))
    assert source.endswith("caf\\xe9.jsonl") and quarantined == [(source, 4)]
