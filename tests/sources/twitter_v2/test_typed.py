"""The typed page parser must emit exactly what the general v2 path emits, line for line.

Differential tests: the same lines go through ``handle_line`` with the typed parser on and
off, and every table of the batch (rows, order, quarantine reasons), the skip counts and the
posts seen must be equal. The lines are real twarc2 output, simulated pages, every hostile
value at every key the parsers read, and Hypothesis' damaged copies of real lines.
"""

from __future__ import annotations

import orjson
import pytest
from helpers import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import INTERESTING, POOL, TWARC2, hot_paths, mutate, value_at
from typed_paths import differential, escaped

from groundswell import sources
from groundswell.ingest.batch import Batch
from groundswell.ingest.dispatch import decode
from groundswell.simulate import simulate
from groundswell.sources.twitter_v2 import typed as twitter_v2_typed


def both_ways(lines: list[bytes], monkeypatch, line_by_line: bool = False,
              parsers: tuple = ()) -> int:
    return differential(twitter_v2_typed.parse_line, lines, monkeypatch, line_by_line, parsers)


def test_real_and_simulated_pages_give_the_same_rows(tmp_path, monkeypatch):
    lines = [raw.strip() for path in sorted(corpus("twarc2").glob("*.jsonl"))
             for raw in path.read_bytes().splitlines() if raw.strip()]
    pages = sum(1 for raw in lines if raw.startswith(b'{"data": ['))
    simulate(3000, fmt="twitter-v2", seed=3, out=tmp_path / "sim.jsonl")
    simulated = (tmp_path / "sim.jsonl").read_bytes().splitlines()
    taken = both_ways(lines + simulated, monkeypatch)
    # it does the work: every ordinary real page (not the user lists, counts and lists pages,
    # which the general path skips) and every simulated page goes the typed way
    assert taken >= pages - 6 + sum(1 for raw in simulated if raw.startswith(b'{"data": ['))
    assert taken > 30


def _page_lines() -> list[bytes]:
    """Real pages to damage: the first page of each real twarc2 file with tweets."""
    found = []
    for path in sorted(corpus("twarc2").glob("*.jsonl")):
        for raw in path.read_bytes().splitlines():
            if raw.startswith(b'{"data": [{') and b'"text"' in raw:
                found.append(raw.strip())
                break
    return found


def test_every_hostile_value_at_every_key_of_real_pages(monkeypatch):
    """Each value of the fuzz tests' hostile list at each key route of real pages."""
    lines = []
    for base in (page for page in _page_lines() if len(page) < 32_000):
        for path in hot_paths(orjson.loads(base)):
            for value in INTERESTING:
                page = orjson.loads(base)
                value_at(page, path[:-1])[path[-1]] = value
                lines.append(orjson.dumps(page))
    assert len(lines) > 2000
    assert both_ways([escaped(raw) for raw in lines], monkeypatch, line_by_line=True) > 1000


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_real_lines_give_the_same_rows(data, monkeypatch):
    rnd = data.draw(st.randoms(use_true_random=True))
    pages = [raw for raw in POOL if raw.startswith(b'{"data": [')]
    lines = [rnd.choice(pages) for _ in range(rnd.randint(1, 5))]
    lines += [mutate(rnd, data.draw) for _ in range(rnd.randint(1, 6))]
    rnd.shuffle(lines)
    lines = [escaped(bytes(raw)) for raw in lines]
    both_ways(lines, monkeypatch)
    both_ways(lines, monkeypatch, line_by_line=True)


def test_decode_reads_numbers_beyond_double_range_as_null():
    assert decode('{"a":1e999,"b":[-1E+400,2],"c":"é","d":0.1e400}'.encode()) == {
        "a": None, "b": [None, 2], "c": "é", "d": None}
    assert decode(b'{"a":99999999999999999999999}') == {"a": 1e23}  # a float, as before
    for broken in (b'{"a":1e999,"b":NaN}', b'{"a":1e999,"b":"\xff"}', b'{"a":1e999'):
        with pytest.raises(orjson.JSONDecodeError):
            decode(broken)


def test_page_with_a_number_beyond_double_range_keeps_its_tweets(tmp_path, monkeypatch):
    """Both paths keep such a page: typed (the number is skipped unread) and general."""
    page = (TWARC2 / "two_tweets.jsonl").read_bytes().splitlines()[0].strip()
    damaged = page.replace(b'"like_count": ', b'"like_count": 1e999, "x": ', 1)
    assert damaged != page
    assert both_ways([damaged], monkeypatch) == 1


def test_a_plugin_never_turns_a_fast_path_off(monkeypatch):
    """Installing a source keeps every other source's fast line parser; a plugin's own fast
    parser takes its place in the registry's order."""
    builtin = sources.registry()
    fast = sources.line_parsers.__wrapped__()
    assert twitter_v2_typed.parse_line in fast
    plain = sources.Source("plugin", "elsewhere", "a plugin", lambda obj: True, lambda o, e: 0)
    monkeypatch.setattr(sources, "registry", lambda: (plain, *builtin))
    assert sources.line_parsers.__wrapped__() == fast
    own_line = lambda raw, emit: False  # noqa: E731
    quick = sources.Source("quick", "elsewhere", "a plugin with a fast path", lambda obj: False,
                           lambda o, e: 0, own_line)
    monkeypatch.setattr(sources, "registry", lambda: (quick, *builtin))
    assert sources.line_parsers.__wrapped__() == (own_line, *fast)


def test_only_ordinary_pages_take_the_typed_path():
    """A flattened tweet, a compliance event, a v1.1 status, a page with non-ASCII bytes, with
    an inlined author or with a key the v1.1 source claims on do not; an ordinary page does."""
    batch = Batch()
    page = (TWARC2 / "two_tweets.jsonl").read_bytes().splitlines()[0].strip()
    others = [
        (TWARC2 / "flat.jsonl").read_bytes().splitlines()[0],
        (TWARC2 / "tweets_compliance.jsonl").read_bytes().splitlines()[0],
        corpus("twitter-v1", "python_twitter_streaming_lines.jsonl").read_bytes().splitlines()[0],
        page.replace(b'"text": "', '"text": "é'.encode(), 1),
        page.replace(b'"text": "', b'"author": {"id": "1"}, "text": "', 1),
        page[:-1] + b', "limit": {"track": 1}}',
    ]
    for raw in others:
        assert not twitter_v2_typed.parse_line(raw, batch), raw[:80]
    assert not batch.posts and not batch.accounts  # nothing emitted by a refusal
    assert twitter_v2_typed.parse_line(page, batch)
    assert batch.posts
