"""Dispatch: one raw line → the source that knows its shape → rows in a batch.

Each line is first offered to the sources' fast line parsers, in registry order (each takes
only the ordinary shape of its own format, before anything is decoded, and leaves every other
line alone); a line none takes is decoded once, and each of its records goes to the first
source that claims it (:func:`groundswell.sources.detect`). Whatever a source cannot use
becomes a quarantined line with the reason, never an exception.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from groundswell.ingest.batch import Batch
from groundswell.sources import RecordError, detect, line_parsers


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while parsing. Parsed records are trees
    (freed by reference counting) but allocated by the million, and the collector kept
    re-scanning the batch's live rows: measured 25 % of parse time. Whatever cycles an
    error path leaves are collected once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)


def decode(raw: bytes) -> object:
    """One JSON line, decoded. A number beyond the range of a double (``1e999``) reads as
    null, as Python's ``json`` would read it as infinity: the line is valid JSON (RFC 8259
    leaves number range to implementations) and the rest of its record is worth keeping. The
    typed page parser skips such numbers unread; this keeps both paths' verdicts equal."""
    for _ in range(_NUMBERS_NULLED):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if not exc.msg.startswith("number is infinity"):
                raise
            number = _NUMBER.match(exc.doc, exc.pos)
            if number is None:
                raise
            # orjson counts characters; everything before the number decoded, so it is UTF-8
            at = len(exc.doc[:exc.pos].encode())
            raw = raw[:at] + b"null" + raw[at + number.end() - exc.pos:]
    return orjson.loads(raw)


_NUMBER = re.compile(r"-?[0-9.eE+-]+")
_NUMBERS_NULLED = 100  # per line; a line with more out-of-range numbers is garbage


def handle_line(batch: Batch, raw: bytes) -> None:
    """Hand one line to the first fast parser that takes it, else decode it and hand each
    record to the source that claims its shape (see the module)."""
    for parse_line in line_parsers():
        if parse_line(raw, batch):
            batch.flush_problems(raw)
            return
    try:
        obj = decode(raw)
    except orjson.JSONDecodeError as exc:
        batch.quarantine_line(f"not valid JSON: {exc}", raw)
        return
    records = obj if isinstance(obj, list) else [obj]
    for record in records:
        if not isinstance(record, dict):
            batch.quarantine_line(f"a JSON {type(record).__name__}, not an object", raw)
            return
        source = detect(record)
        if source is None:
            keys = ", ".join(list(record)[:6]) or "none"
            batch.quarantine_line(f"unknown record shape (keys: {keys})", raw)
            continue
        try:
            source.parse(record, batch)
        except RecursionError:
            batch.problem(f"{source.name}: nested too deeply")
        except (RecordError, LookupError, TypeError, ValueError, AttributeError,
                ArithmeticError) as exc:
            batch.problem(f"{source.name}: {exc}")
    batch.flush_problems(raw)
