"""The typed v1.1 status parser must emit exactly what the general v1.1 path emits.

Differential tests, as for the twarc2 page parser (``tests/sources/twitter_v2/test_typed.py``):
the same lines go through ``handle_line`` with the typed parser on and off, and every call the
parsers make, every table of the batch (rows, order, quarantine reasons), the skip counts and the
posts seen must be equal. The lines are real v1.1 output, simulated streams, hostile values at
every key the parsers read, and Hypothesis' damaged copies of real lines. Other tests check
that the typed path does take the ordinary lines, so that the differential ones cannot pass
by the typed parser declining everything.
"""

from __future__ import annotations

import json
from collections import Counter

import orjson
import pytest
from helpers import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import (
    INTERESTING,
    POOL,
    TWARC2,
    hot_paths,
    is_json,
    mutate,
    splice,
    value_at,
)
from typed_paths import differential, escaped

from groundswell import sources
from groundswell.ingest.batch import Batch
from groundswell.simulate import simulate
from groundswell.sources.twitter_v1 import typed as twitter_v1_typed
from groundswell.sources.twitter_v2 import typed as twitter_v2_typed


def both_ways(lines: list[bytes], monkeypatch, line_by_line: bool = False,
              parsers: tuple = ()) -> int:
    return differential(twitter_v1_typed.parse_line, lines, monkeypatch, line_by_line, parsers)


def real_lines() -> list[bytes]:
    """Every line of the real v1.1 corpora (statuses, most with raw or escaped non-ASCII)."""
    return [raw.strip() for path in sorted(corpus("twitter-v1").glob("*.json*"))
            for raw in path.read_bytes().splitlines() if raw.strip()]


def is_status(raw: bytes) -> bool:
    """A whole status (not a delete, nor one of the simulator's broken lines)."""
    if not is_json(raw):
        return False
    obj = orjson.loads(raw)
    return isinstance(obj, dict) and "user" in obj and "delete" not in obj


def simulated(tmp_path, posts: int = 3000, seed: int = 3) -> list[bytes]:
    simulate(posts, fmt="twitter-v1", seed=seed, out=tmp_path / "sim.jsonl")
    return (tmp_path / "sim.jsonl").read_bytes().splitlines()


def test_real_and_simulated_lines_give_the_same_rows(tmp_path, monkeypatch):
    real = real_lines()
    sim = simulated(tmp_path)
    statuses = [raw for raw in real if is_status(raw)]
    sim_statuses = [raw for raw in sim if is_status(raw)]
    assert len(statuses) == len(real) >= 100 and len(sim_statuses) > 2000
    # the real lines as written (public-API lines in raw UTF-8) and as twarc writes them
    lines = real + [escaped(raw) for raw in real if not raw.isascii()] + sim
    taken = both_ways(lines, monkeypatch)
    # it does the work: every real status and every simulated one goes the typed way
    assert taken == len(statuses) + sum(not raw.isascii() for raw in real) + len(sim_statuses)
    # and line by line, each with nothing known before it
    assert both_ways(real + sim[:300], monkeypatch, line_by_line=True) > 250


def test_with_the_page_parser_registered_too(tmp_path, monkeypatch):
    """v1.1 and twarc2 lines mixed, with every typed parser in its registered order (the
    Mastodon and Bluesky ones first: they must leave Twitter's lines alone)."""
    registered = sources.line_parsers.__wrapped__()
    assert registered[-2:] == (twitter_v1_typed.parse_line, twitter_v2_typed.parse_line)
    pages = [raw.strip() for path in sorted(corpus("twarc2").glob("*.jsonl"))
             for raw in path.read_bytes().splitlines() if raw.strip()]
    mixed = [line for pair in zip(real_lines(), pages, strict=False) for line in pair]
    mixed += simulated(tmp_path, 500)[:400] + pages[len(mixed) // 2:]
    assert both_ways(mixed, monkeypatch, parsers=registered) > 400


#: Keys the v1.1 parsers read (the fuzz tests' HOT_KEYS are shared with twarc2's).
V1_KEYS = {"id", "id_str", "created_at", "text", "full_text", "lang", "user", "entities",
           "hashtags", "user_mentions", "screen_name", "name", "verified", "followers_count",
           "extended_tweet", "retweeted_status", "quoted_status", "quoted_status_id",
           "quoted_status_id_str", "in_reply_to_status_id", "in_reply_to_status_id_str",
           "in_reply_to_user_id", "in_reply_to_user_id_str", "delete"}


def _status_lines() -> list[bytes]:
    """Real statuses to damage: per file the first one, and the first retweet, quote,
    reply and extended (streaming) one."""
    found = []
    for path in sorted(corpus("twitter-v1").glob("*.json*")):
        lines = [raw.strip() for raw in path.read_bytes().splitlines() if raw.strip()]
        for marker in (b"", b'"retweeted_status"', b'"quoted_status"', b'"extended_tweet"',
                       b'"in_reply_to_status_id_str": "'):
            line = next((raw for raw in lines if marker in raw), None)
            if line is not None and line not in found:
                found.append(line)
    return found


#: Numbers as JSON text, beyond what a Python value round-trips through orjson: integers
#: beyond 64 bits (orjson reads floats), beyond double range, and integral floats.
RAW_NUMBERS = (b"99999999999999999999999", b"18446744073709551616", b"9223372036854775808",
               b"-9223372036854775809", b"1e999", b"1.0", b"1e2", b"-0", b"0")


def test_every_hostile_value_at_every_key_of_real_statuses(monkeypatch):
    """Each value of the fuzz tests' hostile list (and odd numbers) at each key route that
    the v1.1 parsers read, in real statuses."""
    lines = []
    for base in _status_lines():
        for path in hot_paths(orjson.loads(base), V1_KEYS):
            for value in INTERESTING:
                status = orjson.loads(base)
                value_at(status, path[:-1])[path[-1]] = value
                lines.append(orjson.dumps(status))
            for number in RAW_NUMBERS:
                lines.append(splice(orjson.loads(base), path, number))
    assert len(lines) > 5000
    lines += [escaped(raw) for raw in lines[::7]]
    assert both_ways(lines, monkeypatch, line_by_line=True) > 2000


#: Keys read as ``a or b``: each is removed alone and with its partner.
PAIRS = (("id_str", "id"), ("full_text", "text"), ("quoted_status_id_str", "quoted_status_id"),
         ("in_reply_to_status_id_str", "in_reply_to_status_id"),
         ("in_reply_to_user_id_str", "in_reply_to_user_id"))


def test_every_read_key_missing_from_real_statuses(monkeypatch):
    """Each key the parsers read removed (and both keys of each ``a or b`` pair), in real
    statuses: a quote without ``quoted_status_id``, a status without ``text``..."""
    lines = []
    for base in _status_lines():
        for path in hot_paths(orjson.loads(base), V1_KEYS):
            pairs = [pair for pair in PAIRS if path[-1] in pair] or [(path[-1],)]
            for keys in ((path[-1],), *pairs):
                status = orjson.loads(base)
                parent = value_at(status, path[:-1])
                for key in keys:
                    parent.pop(key, None)
                lines.append(orjson.dumps(status))
    assert len(lines) > 300
    assert both_ways(lines, monkeypatch, line_by_line=True) > len(lines) // 2


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_real_lines_give_the_same_rows(data, monkeypatch):
    rnd = data.draw(st.randoms(use_true_random=True))
    statuses = [raw for raw in POOL if not raw.startswith(b'{"data"') and b'"user"' in raw]
    lines = [rnd.choice(statuses) for _ in range(rnd.randint(1, 5))]
    lines += [mutate(rnd, data.draw) for _ in range(rnd.randint(1, 6))]
    rnd.shuffle(lines)
    lines = [bytes(raw) if rnd.random() < 0.5 else escaped(bytes(raw)) for raw in lines]
    both_ways(lines, monkeypatch)
    both_ways(lines, monkeypatch, line_by_line=True)


def _first_status() -> bytes:
    return next(raw for raw in real_lines() if raw.startswith(b'{"created_at"'))


def test_numbers_beyond_double_range_and_64_bits(monkeypatch):
    """Skipped unread (typed) or read as null (general): the status is kept either way; in
    a field that is read, the typed path declines and the general path decides."""
    line = _first_status()
    skipped = line.replace(b'"favorite_count":', b'"favorite_count":1e999,"x":', 1)
    assert skipped != line
    assert both_ways([skipped], monkeypatch) == 1
    read = [line.replace(b'"followers_count":', b'"followers_count":' + number + b',"x":', 1)
            for number in RAW_NUMBERS]
    big_ids = [line.replace(b'"id_str":', b'"id_str":' + number + b',"x":', 1)
               for number in RAW_NUMBERS]
    both_ways(read + big_ids, monkeypatch)
    both_ways(read + big_ids, monkeypatch, line_by_line=True)


def test_duplicate_keys_read_as_orjson_reads_them(monkeypatch):
    """The last value of a repeated key counts, in both paths."""
    line = _first_status()
    status = orjson.loads(line)
    lines = []
    for key, value in (("id_str", "5"), ("text", "later #text"), ("user", None),
                       ("user", {"id_str": "77", "screen_name": "other"}), ("lang", "xx"),
                       ("entities", {"hashtags": [{"text": "other"}]})):
        lines.append(line[:-1] + b"," + orjson.dumps({key: value})[1:])
    lines.append(b'{"created_at":"x",' + line[1:])  # the first of two created_at is broken
    assert status["id_str"].encode() in lines[0]
    assert both_ways(lines, monkeypatch, line_by_line=True) == len(lines)


def _retweet(original: dict, number: int, **changes) -> bytes:
    """A retweet (id ``number``) embedding ``original`` with ``changes`` applied to it."""
    embedded = {**original, **changes}
    return orjson.dumps({"created_at": "Sun Oct 15 20:21:00 +0000 2017", "id": number,
                         "id_str": str(number), "text": "RT", "user": {"id_str": "9"},
                         "retweeted_status": embedded})


def test_embedded_copies_of_known_posts_are_not_read(monkeypatch):
    """The general path reads nothing but the id of a post the batch already has; the typed
    path asks the batch (``holds_post``) so as to take such lines too (the retweets of a
    popular post). Where the post is not known (line by line: a fresh batch each), it
    declines."""
    original = orjson.loads(_first_status())
    broken = [_retweet(original, 10 + i, **change) for i, change in enumerate((
        {"created_at": "yesterday"}, {"user": {"id": "", "id_str": ""}},
        {"entities": {"user_mentions": [{"screen_name": "a", "id": ""}]}}))]
    wrong_type = _retweet(original, 20, text=5)  # refused while decoding, known or not
    lines = [orjson.dumps(original), _retweet(original, 5), *broken, wrong_type]
    assert both_ways(lines, monkeypatch) == len(lines) - 1
    assert both_ways(lines, monkeypatch, line_by_line=True) == 2
    # the broken original was never stored, by either path: declined each time
    assert both_ways([broken[0], broken[0]], monkeypatch) == 0


def test_nesting_deeper_than_real_statuses_takes_the_general_path(monkeypatch):
    """Four embedded levels are read (a retweet of a quote is the deepest real one); at five
    the general path keeps the outer rows and records the problem, so the typed path
    declines."""
    status = {key: value for key, value in orjson.loads(_first_status()).items()
              if key not in ("quoted_status", "retweeted_status")}
    for number in range(1, 7):
        status = orjson.loads(_retweet(status, 100 + number))
        line = orjson.dumps(status)
        assert both_ways([line], monkeypatch) == (1 if number <= 4 else 0)


def test_only_ordinary_statuses_take_the_typed_path():
    """A delete, a twarc2 page, a flattened tweet, a compliance event, stream notices, a
    status without ``user`` or whose first key a twarc2 tweet may have, invalid UTF-8, an
    out-of-range id or a ``delete`` key beside the status do not; ordinary ones do."""
    batch = Batch()
    line = _first_status()
    assert not line.isascii()
    others = [
        b'{"delete":{"status":{"id":1,"id_str":"1","user_id":2},"timestamp_ms":"1"}}',
        (TWARC2 / "two_tweets.jsonl").read_bytes().splitlines()[0].strip(),
        (TWARC2 / "flat.jsonl").read_bytes().splitlines()[0].strip(),
        (TWARC2 / "tweets_compliance.jsonl").read_bytes().splitlines()[0].strip(),
        b'{"limit":{"track":5,"timestamp_ms":"1"}}',
        b'{"created_at":"Sun Oct 15 20:21:00 +0000 2017","id_str":"1","text":"no user"}',
        b'{"id":"1","user":{"id_str":"2"}}',  # "id" may start a flattened twarc2 tweet
        line.replace("é".encode(), b"\xc3", 1) if "é".encode() in line else line + b"\xff",
        line.replace(b'"id_str":"', b'"x":"', 1).replace(b'"id":', b'"id":1e30,"y":', 1),
        line[:-1] + b',"delete":{}}',
        line[:-1],
    ]
    for raw in others:
        assert not twitter_v1_typed.parse_line(raw, batch), raw[:80]
    assert not batch.posts and not batch.accounts  # nothing emitted by a refusal
    # as the public API's sample was saved (raw UTF-8), as twarc writes it (Python's json)
    for raw in (line, escaped(line), json.dumps(orjson.loads(line)).encode()):
        assert twitter_v1_typed.parse_line(raw, Batch()), raw[:80]
    assert twitter_v1_typed.parse_line(line, batch)
    assert batch.posts and batch.accounts


@pytest.mark.parametrize("fmt", ["twitter-v1"])
def test_simulated_archive_takes_the_typed_path_line_for_line(tmp_path, fmt):
    """Every simulated status (a stream with retweets, quotes, replies, extended tweets) is
    taken; deletes and the simulator's broken lines are not."""
    lines = simulated(tmp_path, 2000, seed=11)
    batch = Batch()
    taken = Counter(twitter_v1_typed.parse_line(raw, batch) for raw in lines)
    statuses = sum(1 for raw in lines if is_status(raw))
    assert taken[True] == statuses and taken[False] == len(lines) - statuses
    assert sum(raw.count(b'"extended_tweet"') for raw in lines) > 0
