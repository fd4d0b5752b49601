"""The differential harness of the typed line parsers' tests (``tests/sources``): the same
lines parsed with a typed parser on and off must make the same calls and build the same
tables."""

from __future__ import annotations

import json
import re
from collections import Counter

import groundswell.ingest.dispatch as ingest_module
from groundswell.ingest.batch import Batch
from groundswell.ingest.dispatch import handle_line


class RecordingBatch(Batch):
    """A batch that also logs every call a parser makes (a later snapshot of an account
    replaces an earlier one in the batch: the log keeps both)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def _logged(name: str):  # noqa: N805 (a decorator factory, used in the class body)
        def method(self, *args):
            result = getattr(Batch, name)(self, *args)
            self.calls.append((self.line, name, args, result))
            return result
        return method

    post, account, delete, skip, problem, known_post, known_account = map(_logged, (
        "post", "account", "delete", "skip", "problem", "known_post", "known_account"))


def differential(parse_line, lines: list[bytes], monkeypatch, line_by_line: bool = False,
                 parsers: tuple = ()) -> int:
    """Parse ``lines`` with and without the typed ``parse_line`` (among ``parsers``, the fast
    parsers in their registered order; after them if it is not one of them); assert that the
    parsers made the same calls, quarantined and skipped alike and (in one batch) built equal
    tables; return how many lines the typed parser took.
    ``line_by_line``: a fresh batch per line, so that each line is parsed with nothing known
    before it (copies of one page each parsed in full instead of deduplicated)."""
    taken = Counter()

    def counted(raw: bytes, emit) -> bool:
        took = parse_line(raw, emit)
        taken[took] += 1
        return took

    registered = parsers if parse_line in parsers else (*parsers, parse_line)
    with_typed = tuple(counted if p is parse_line else p for p in registered)
    without = tuple(p for p in registered if p is not parse_line)

    def parse(with_parsers, numbered) -> RecordingBatch:
        monkeypatch.setattr(ingest_module, "line_parsers", lambda: with_parsers)
        batch = RecordingBatch()
        batch.file = "lines.jsonl"
        for number, raw in numbered:
            batch.line = number
            handle_line(batch, raw)
        return batch

    numbered = list(enumerate(lines, 1))
    for part in ([[n] for n in numbered] if line_by_line else [numbered]):
        typed, general = parse(with_typed, part), parse(without, part)
        for typed_call, general_call in zip(typed.calls, general.calls, strict=True):
            assert typed_call == general_call
        assert typed.quarantine == general.quarantine
        assert typed.skipped == general.skipped
        assert typed.posts_seen == general.posts_seen
        if not line_by_line:
            typed_tables, general_tables = typed.to_arrow().tables, general.to_arrow().tables
            for name, table in general_tables.items():
                assert typed_tables[name].equals(table), name
    return taken[True]


def escaped(raw: bytes) -> bytes:
    """The line as twarc, twarc2 and the streaming API write it (Python's ``json``: non-ASCII
    as ``\\u`` escapes); invalid UTF-8 is kept."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return raw
    return _NON_ASCII.sub(lambda m: json.dumps(m.group())[1:-1], text).encode()


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
