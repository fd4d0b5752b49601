"""The Jetstream fast path must emit exactly what the general path emits, line for line.

Differential tests (``tests/typed_paths.py``): the same lines go through ``handle_line`` with
the fast parser on and off, and every call, table, quarantine reason, skip count and count of
posts seen must be equal. The lines are the real stream, the real firehose posts of twitwi,
updates and deletes made from them, every hostile value at every key the parsers read, and
Hypothesis' damaged copies of real lines (``tests/mutations.py``'s mutations, on Bluesky
lines)."""

from __future__ import annotations

import json

import mutations
import orjson
import pytest
import typed_paths
from helpers import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import INTERESTING, hot_paths, mutate, value_at
from typed_paths import RecordingBatch, differential

from groundswell.ingest.batch import Batch
from groundswell.sources.bluesky import typed

#: The keys either path reads.
KEYS = {"did", "time_us", "kind", "commit", "rev", "operation", "collection", "rkey", "record",
        "cid", "text", "createdAt", "langs", "reply", "parent", "root", "uri", "embed", "$type",
        "facets", "features", "index", "byteStart", "byteEnd", "tag", "tags", "subject",
        "identity", "account", "handle", "active", "status"}


class Recording(RecordingBatch):
    """Also logs the calls the Bluesky source makes that Twitter's parsers never do."""

    def _also(name: str):  # noqa: N805 (a decorator factory, used in the class body)
        def method(self, *args, **kwargs):
            result = getattr(Batch, name)(self, *args, **kwargs)
            self.calls.append((self.line, name, args, tuple(sorted(kwargs.items())), result))
            return result
        return method

    post, edit, handle, account_status = map(_also, ("post", "edit", "handle",
                                                      "account_status"))


@pytest.fixture(autouse=True)
def recording(monkeypatch):
    monkeypatch.setattr(typed_paths, "RecordingBatch", Recording)


def both_ways(lines: list[bytes], monkeypatch, line_by_line: bool = False) -> int:
    return differential(typed.parse_line, lines, monkeypatch, line_by_line)


def real_lines() -> list[bytes]:
    """The real stream, and twitwi's firehose posts written as Jetstream writes them."""
    lines = [raw.strip() for raw in corpus("bluesky", "jetstream_events_v1.jsonl")
             .read_bytes().splitlines() if raw.strip()]
    events = json.loads(corpus("bluesky", "twitwi", "bluesky-firehose-posts.json").read_text())
    return lines + [orjson.dumps(event) for event in events]


def changed(lines: list[bytes]) -> list[bytes]:
    """Updates (one twice) and deletes of the real posts and reposts: the other operations."""
    out = []
    for raw in lines:
        event = orjson.loads(raw)
        commit = event.get("commit") or {}
        if commit.get("collection") in ("app.bsky.feed.post", "app.bsky.feed.repost"):
            if commit["operation"] == "create" and "text" in commit["record"]:
                update = json.loads(raw)
                update["commit"].update(operation="update", cid=commit["cid"] + "x")
                update["commit"]["record"]["text"] += " #edited @someone"
                out += [orjson.dumps(update)] * 2
            out.append(orjson.dumps({**event, "commit": {
                key: commit[key] for key in ("rev", "collection", "rkey")} | {
                "operation": "delete"}}))
    return out


def test_real_lines_give_the_same_rows(monkeypatch):
    lines = real_lines()
    commits = sum(1 for raw in lines if b'"kind":"commit"' in raw)
    more = changed(lines)
    taken = both_ways(lines + more, monkeypatch)
    assert len(more) > 50
    assert taken == commits + len(more)  # every commit line, non-ASCII posts too
    assert both_ways(lines + more, monkeypatch, line_by_line=True) == taken


def test_every_hostile_value_at_every_key_of_real_lines(monkeypatch):
    bases = [raw for raw in real_lines() + changed(real_lines()) if b'"kind":"commit"' in raw]
    routes: dict[tuple, tuple] = {}  # one real line per route of keys to a key read
    for raw in bases:
        obj = orjson.loads(raw)
        for path in hot_paths(obj, KEYS):
            routes.setdefault(tuple(k if isinstance(k, str) else 0 for k in path) + (
                obj["commit"].get("collection"), obj["commit"].get("operation")), (raw, path))
    lines = []
    for raw, path in routes.values():
        for value in INTERESTING:
            obj = orjson.loads(raw)
            value_at(obj, path[:-1])[path[-1]] = value
            lines.append(orjson.dumps(obj))
    assert len(lines) > 5000
    assert both_ways(lines, monkeypatch, line_by_line=True) > 1000


def test_what_only_the_general_path_can_judge(monkeypatch):
    """Broken UTF-8 in a record the fast path does not read, a number beyond double range in
    one it reads, pretty-printed lines, other key orders, unknown keys, identity and account
    events: the general path's. A number beyond range in a record nobody reads is no matter."""
    like = next(raw for raw in real_lines() if b"app.bsky.feed.like" in raw)
    post = next(raw for raw in real_lines() if b'"app.bsky.feed.post","rkey"' in raw
                and not raw.isascii())
    general = [like.replace(b'"createdAt":"', b'"createdAt":"\xff'),
               like.replace(b'"createdAt":"', b'"note":"\xe2\x9c","createdAt":"'),
               post.replace(b'"createdAt":"', b'"big":1e999,"createdAt":"'),
               post.replace(b'"text":"', b'"text":"\xc3'),
               json.dumps(orjson.loads(like), indent=1).encode(),
               orjson.dumps(dict(reversed(orjson.loads(like).items()))),
               like.replace(b'"kind":"commit"', b'"kind":"commit","extra":1'),
               *[raw for raw in real_lines() if b'"kind":"identity"' in raw
                 or b'"kind":"account"' in raw]]
    for raw in general:
        assert both_ways([raw], monkeypatch) == 0, raw[:120]
    fast = [like.replace(b'"createdAt":"', b'"big":1e999,"createdAt":"'),
            like.replace(b'"createdAt":"', b'"note":"\xe2\x9c\x93","createdAt":"')]
    for raw in fast:
        assert both_ways([raw], monkeypatch) == 1, raw[:120]


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_real_lines_give_the_same_rows(data, monkeypatch):
    pool = real_lines() + changed(real_lines())
    monkeypatch.setattr(mutations, "POOL", pool)
    monkeypatch.setattr(mutations, "OBJECTS", list(range(len(pool))))
    monkeypatch.setattr(mutations, "HOT_KEYS", KEYS)
    rnd = data.draw(st.randoms(use_true_random=True))
    lines = [rnd.choice(pool) for _ in range(rnd.randint(1, 5))]
    lines += [mutate(rnd, data.draw) for _ in range(rnd.randint(1, 6))]
    rnd.shuffle(lines)
    lines = [bytes(raw) for raw in lines]
    both_ways(lines, monkeypatch)
    both_ways(lines, monkeypatch, line_by_line=True)
