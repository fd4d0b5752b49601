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

Deterministic (``derandomize=True``) and bounded (50 + 20 examples) so it runs in CI.
"""

from __future__ import annotations

import gzip
import os
import random
import tempfile
import zlib
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell import Store
from groundswell.sources import detect

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
TWARC2 = CORPORA / "twarc2"
pytestmark = pytest.mark.skipif(
    not TWARC2.is_dir(), reason=f"real corpora not found at {CORPORA} (clone ../shared)")


def _pool() -> list[bytes]:
    """Every non-empty line of the real JSON-lines corpora (twarc2 first, then v1.1)."""
    lines: list[bytes] = []
    for folder in (TWARC2, CORPORA / "twitter-v1"):
        for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
            lines += [ln.strip() for ln in path.read_bytes().splitlines() if ln.strip()]
    return lines


def _json_ok(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


POOL = _pool() if TWARC2.is_dir() else [b"{}"]
#: Lines that are JSON objects: the ones structure-aware mutations work on.
OBJECTS = [i for i, ln in enumerate(POOL) if ln.startswith(b"{") and _json_ok(ln)]
FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- values that stress parsers: other JSON types, edge numbers, hostile timestamps ---------
INTERESTING = [
    None, True, False, 0, -1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 1.5, -0.0, 1e308,
    "", " ", "0", "-1", "1e5", "99999999999999999999999", "²", "١٢٣", "NaN", "null",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2021-02-30T00:00:00Z",
    "Mon Jan 01 00:00:00 +0100 0001", "Fri Dec 31 23:59:59 -0100 9999", "Sun Oct 15",
    "\u0000", "\U0001F600" * 3, "#tag #Tag ＃ＴＡＧ", "@", [], {}, [None], [[[]]], {"": {}},
    {"id": None}, {"tag": 1}, [{"type": 1}], [{"type": "retweeted", "id": {}}],
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
)
JSON_VALUES = st.one_of(
    st.sampled_from(INTERESTING),
    st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=3)
                 | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8),
)


def _paths(obj, prefix=()) -> list[tuple]:
    """Every (container path, key) in a decoded record, depth-first."""
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
        if isinstance(obj, list) else ()
    for key, value in items:
        out.append(prefix + (key,))
        out += _paths(value, prefix + (key,))
    return out


def _at(obj, path):
    for key in path:
        obj = obj[key]
    return obj


SENTINEL = "__groundswell_fuzz__"
#: Keys whose values the sources read: wrong types there exercise real code paths.
HOT_KEYS = {"id", "id_str", "created_at", "text", "full_text", "author_id", "user", "author",
            "data", "includes", "users", "tweets", "entities", "hashtags", "mentions", "tag",
            "username", "screen_name", "referenced_tweets", "type", "retrieved_at", "__twarc",
            "public_metrics", "followers_count", "verified", "lang", "extended_tweet",
            "retweeted_status", "quoted_status", "delete", "status", "timestamp_ms",
            "in_reply_to_status_id_str", "in_reply_to_user_id", "conversation_id", "action",
            "user_mentions", "errors"}


class Line(bytes):
    """A line of the file; a short repr keeps Hypothesis' failure reports readable."""

    kind = "good"

    def __repr__(self) -> str:
        return f"<{self.kind} line, {len(self)} bytes: {bytes(self[:80])!r}...>"


def line(kind: str, data: bytes) -> Line:
    made = Line(data)
    made.kind = kind
    return made


def _splice(obj, path, raw_value: bytes) -> bytes:
    """Put raw bytes (not expressible as a Python value: NaN, deep nesting) at ``path``."""
    _at(obj, path[:-1])[path[-1]] = SENTINEL
    return orjson.dumps(obj).replace(orjson.dumps(SENTINEL), raw_value, 1)


KINDS = ("truncate", "wrong_type", "invalid_utf8", "huge_string", "deep_nesting", "nan",
         "duplicate_key", "bom", "nul", "scalar_line")
BAD_UTF8 = (b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80")


def _value(rnd: random.Random, draw):
    """A replacement value: half from the hostile list, half generated by Hypothesis."""
    return rnd.choice(INTERESTING) if rnd.random() < 0.5 else draw(JSON_VALUES)


def _mutate(rnd: random.Random, draw) -> Line:
    """One damaged real line. Structural choices come from ``rnd`` (seeded by Hypothesis):
    with tens of examples, uniform choices cover far more ground than Hypothesis' bias
    toward the simplest example."""
    kind = rnd.choice(KINDS)
    if kind in ("truncate", "invalid_utf8", "bom", "nul", "scalar_line") or not OBJECTS:
        raw = rnd.choice(POOL)
        at = rnd.randrange(1, len(raw))
        if kind == "truncate":
            return line(kind, raw[:at])
        if kind == "invalid_utf8":
            return line(kind, raw[:at] + rnd.choice(BAD_UTF8) + raw[at:])
        if kind == "bom":  # a BOM that is not at the start of the file (files concatenated)
            return line(kind, b"\xef\xbb\xbf" + raw)
        if kind == "nul":
            return line(kind, raw[:at] + b"\x00" + raw[at:])
        return line(kind, orjson.dumps(draw(st.one_of(SCALARS, st.lists(SCALARS, max_size=3)))))
    obj = orjson.loads(POOL[rnd.choice(OBJECTS)])
    path = rnd.choice(_paths(obj))
    if kind == "wrong_type":
        for _ in range(rnd.randint(1, 4)):  # up to four keys at once
            paths = _paths(obj) or [path]
            hot = sorted({p[-1] for p in paths if p[-1] in HOT_KEYS})
            if hot and rnd.random() < 0.7:  # mostly keys the sources read
                key = rnd.choice(hot)
                paths = [p for p in paths if p[-1] == key]
            path = rnd.choice(paths)
            _at(obj, path[:-1])[path[-1]] = _value(rnd, draw)
        return line(kind, orjson.dumps(obj))
    if kind == "huge_string":
        strings = [p for p in _paths(obj) if isinstance(_at(obj, p), str)] or [path]
        path = rnd.choice(strings)
        _at(obj, path[:-1])[path[-1]] = rnd.choice(["x", "é", "#MeToo "]) * rnd.choice(
            [1 << 20, 3 << 20])
        return line(kind, orjson.dumps(obj))
    if kind == "deep_nesting":
        depth = rnd.choice([200, 1023, 1500, 5000])
        opening, closing = rnd.choice([(b"[", b"]"), (b'{"a":', b"}")])
        return line(kind, _splice(obj, path, opening * depth + b"1" + closing * depth))
    if kind == "nan":
        literal = rnd.choice([b"NaN", b"Infinity", b"-Infinity", b"nan", b"1e999"])
        return line(kind, _splice(obj, path, literal))
    # duplicate_key: the same key again at the end of one object, with another value
    dicts = [p for p in _paths(obj) if isinstance(_at(obj, p), dict) and _at(obj, p)]
    target = _at(obj, rnd.choice(dicts)) if dicts and rnd.random() < 0.5 else obj
    key = rnd.choice(sorted(target))
    target[SENTINEL] = 0
    return line(kind, orjson.dumps(obj).replace(
        orjson.dumps(SENTINEL) + b":0",
        orjson.dumps(key) + b":" + orjson.dumps(_value(rnd, draw)), 1))


@st.composite
def mixed_file(draw):
    """Good (untouched) and mutated lines, shuffled, plus file-level damage."""
    rnd = draw(st.randoms(use_true_random=True))
    entries = [line("good", rnd.choice(POOL)) for _ in range(rnd.randint(1, 6))]
    entries += [_mutate(rnd, draw) for _ in range(rnd.randint(1, 4))]
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
    "post_hashtags": "SELECT h.*, p.source_line FROM post_hashtags h "
                     "JOIN posts p USING (platform, post_id)",
    "mentions": "SELECT m.*, p.source_line FROM mentions m JOIN posts p USING (platform, post_id)",
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
    # and a mutated line that is a valid delete notice may remove it
    deleted = {r[0] for r in rows(mixed, "SELECT post_id FROM deletions")}
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
    try:
        obj = orjson.loads(line.strip())
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


@settings(FUZZ, max_examples=20)
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
def _first_line(relative: str, must_contain: bytes = b"") -> bytes:
    for raw in (CORPORA / relative).read_bytes().splitlines():
        if raw.strip() and must_contain in raw:
            return raw.strip()
    raise AssertionError(f"no line with {must_contain!r} in {relative}")


def _hot_paths(obj) -> list[tuple]:
    """One path per distinct key route (list positions ignored) ending in a key sources read."""
    routes: dict[tuple, tuple] = {}
    for path in _paths(obj):
        if path[-1] in HOT_KEYS:
            routes.setdefault(tuple(k if isinstance(k, str) else 0 for k in path), path)
    return list(routes.values())


def test_every_hostile_value_at_every_key_the_sources_read(tmp_path):
    """Each value of INTERESTING at each key route of real v2 pages, flattened and streamed
    tweets, compliance events and v1.1 statuses: 8,000 lines, one ingest."""
    bases = [
        _first_line("twarc2/two_tweets.jsonl"),
        _first_line("twarc2/flat.jsonl"),
        _first_line("twarc2/streaming_output_with_error.jsonl", b"matching_rules"),
        _first_line("twarc2/tweets_compliance.jsonl"),
        _first_line("twitter-v1/python_twitter_streaming_lines.jsonl", b"extended_tweet"),
        _first_line("twitter-v1/tweet_parser_public_api_sample.jsonl", b"retweeted_status"),
        # the v1.1 stream's delete notice, as documented (no real one in the corpora)
        b'{"delete":{"status":{"id":1234,"id_str":"1234","user_id":3,"user_id_str":"3"},'
        b'"timestamp_ms":"1520690595660"}}',
    ]
    lines: list[tuple[str, bytes]] = [("good", base) for base in bases]
    for base in bases:
        for path in _hot_paths(orjson.loads(base)):
            for value in INTERESTING:
                obj = orjson.loads(base)
                _at(obj, path[:-1])[path[-1]] = value
                lines.append(("wrong_type", orjson.dumps(obj)))
    lines += [("good", base) for base in reversed(bases)]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"".join(data + b"\n" for _, data in lines))
    numbered = [(n, kind, data) for n, (kind, data) in enumerate(lines, 1)]
    check(tmp_path, path, numbered).close()


# -- regressions found by the tests above ----------------------------------------------------
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
    assert mixed.count("posts") > 0
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
    page = orjson.loads(_first_line("twarc2/brexit.jsonl"))
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
    assert summary.posts_added > 0
    assert source.endswith("caf\\xe9.jsonl") and quarantined == [(source, 4)]
