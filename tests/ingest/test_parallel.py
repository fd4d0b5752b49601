"""Parsing on every core changes nothing: same tables, same summary, same line numbers."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pytest
from helpers import all_rows, corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell import Store
from groundswell.ingest import parallel
from groundswell.ingest.lines import InputFile
from groundswell.ingest.parallel import (
    CHUNK_BYTES,
    CHUNK_ENV,
    CHUNK_POSTS,
    MAX_CHUNK_BYTES,
    chunk_bytes,
    plan,
    splittable,
)
from groundswell.simulate import simulate

CHUNK = 40_000  # bytes: cuts each file below into dozens of chunks


@pytest.fixture(scope="module")
def messy_files(tmp_path_factory) -> list[Path]:
    """Simulated v2 and v1.1 files (deletes, duplicates, planted bad lines) made messier: a
    BOM, CRLF endings, blank lines, real twarc2 pages, and a last line cut without newline."""
    folder = tmp_path_factory.mktemp("parallel")
    v2 = folder / "v2.jsonl"
    simulate(3_000, fmt="twitter-v2", seed=3, out=v2)
    v1 = folder / "v1.jsonl"
    simulate(2_000, fmt="twitter-v1", seed=4, out=v1, start=datetime(2019, 3, 8, 9, 0))
    lines = v2.read_bytes().splitlines()
    real = corpus("twarc2", "brexit.jsonl").read_bytes().splitlines()
    messy = [b"\xef\xbb\xbf" + lines[0]]
    for i, line in enumerate(lines[1:], 1):
        messy.append(line + (b"\r" if i % 3 == 0 else b""))
        if i % 7 == 0:
            messy.append(b"")
        if i % 11 == 0:
            messy.append(real[i % len(real)])  # real pages, some repeated: duplicates
    v2.write_bytes(b"\n".join(messy) + b"\n" + lines[5][: len(lines[5]) // 2])
    return [v2, v1]


def ingest(db: Path, files: list[Path], workers: int) -> tuple[dict, dict]:
    with Store(db) as store:
        summary = store.ingest(files, workers=workers).as_dict()
        rows = all_rows(store)
    summary.pop("seconds")
    return summary, rows


def test_workers_give_the_tables_of_one_process(messy_files, tmp_path, monkeypatch):
    monkeypatch.setenv(CHUNK_ENV, str(CHUNK))
    assert all(splittable(InputFile.from_arg(f), 2, CHUNK) for f in messy_files)
    one = ingest(tmp_path / "one.duckdb", messy_files, workers=1)
    two = ingest(tmp_path / "two.duckdb", messy_files, workers=2)
    assert two == one
    summary, rows = one
    assert summary["quarantined"] >= 3 and summary["deleted"] > 0 and summary["duplicates"] > 0
    # line numbers are the file's, not a chunk's: the cut last line is the file's last line
    last = len(messy_files[0].read_bytes().split(b"\n"))
    assert (str(messy_files[0].resolve()), last) in {(q[0], q[1]) for q in rows["quarantine"]}


def test_reingest_in_parallel_is_idempotent(messy_files, tmp_path, monkeypatch):
    monkeypatch.setenv(CHUNK_ENV, str(CHUNK))
    db = tmp_path / "s.duckdb"
    first = ingest(db, messy_files, workers=2)
    summary, rows = ingest(db, messy_files, workers=2)
    assert rows == first[1]
    assert summary["posts_added"] == 0
    assert summary["duplicates"] + summary["already_deleted"] == summary["posts_seen"]


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")),
                      max_size=60),
       chunk=st.integers(1, 2_000), trailing_newline=st.booleans())
def test_plan_cuts_at_newlines_and_covers_the_file(tmp_path_factory, lines, chunk,
                                                    trailing_newline):
    path = tmp_path_factory.mktemp("plan") / "f.jsonl"
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    path.write_bytes(data)
    ranges = plan(path, len(data), chunk)
    assert b"".join(data[s:e] for s, e in ranges) == data
    assert all(s < e for s, e in ranges)
    assert all(data[e - 1:e] == b"\n" for _, e in ranges[:-1])  # no line is ever cut in two


def test_files_that_cannot_be_cut_take_the_sequential_path(tmp_path):
    body = b"".join(b'{"id": "%d", "text": "x"}\n' % i for i in range(5_000))
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(body)
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(body))
    pretty = tmp_path / "pretty.json"
    pretty.write_bytes(b"[\n" + b",\n".join(body.splitlines()) + b"\n]\n")
    chunk = 1_000
    assert splittable(InputFile.from_arg(plain), 2, chunk)
    assert not splittable(InputFile.from_arg(plain), 1, chunk)  # one worker: nothing to share
    assert not splittable(InputFile.from_arg(packed), 2, chunk)
    assert not splittable(InputFile.from_arg(pretty), 2, chunk)  # maybe one JSON document
    assert not splittable(InputFile.from_arg(plain), 2, len(body))  # under two chunks


# -- chunk size: by posts, within 128 and 256 MiB -------------------------------------------------
MIB = 2**20


@given(post_bytes=st.one_of(st.none(), st.floats(1, 100_000)),
       size=st.integers(0, 2**40), workers=st.integers(1, 64))
def test_chunks_hold_enough_posts_within_bounds(post_bytes, size, workers):
    """A big file's chunks hold ``CHUNK_POSTS`` posts, never under 128 MiB (the size without a
    sample) nor over 256 MiB; a small file's are a quarter of each worker's share (≥ 8 MiB)."""
    chunk = chunk_bytes(size, workers, post_bytes)
    most = CHUNK_BYTES if post_bytes is None else \
        min(MAX_CHUNK_BYTES, max(CHUNK_BYTES, int(CHUNK_POSTS * post_bytes)))
    assert chunk == min(most, max(8 * MIB, size // (4 * workers)))
    assert chunk <= MAX_CHUNK_BYTES


def test_bytes_per_post_is_the_sampled_bytes_over_distinct_posts(tmp_path, monkeypatch):
    """Read whole (the sample reaches past its end), a real file's bytes per post are its size
    over the distinct posts a store keeps of it."""
    path = corpus("twarc2", "brexit.jsonl")
    monkeypatch.setattr(parallel, "SAMPLE_BYTES", path.stat().st_size + 1)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([path])
        posts = store.count("posts")
    assert parallel.bytes_per_post(path) == pytest.approx(path.stat().st_size / posts)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    assert parallel.bytes_per_post(empty) is None


def test_only_big_plain_files_are_sampled(tmp_path, monkeypatch):
    """Sampling costs tens of milliseconds: only where chunks would reach 128 MiB, and never
    over ``$GROUNDSWELL_CHUNK_BYTES``."""
    sampled = []
    monkeypatch.setattr(parallel, "bytes_per_post", lambda path: sampled.append(path) or 3000.0)
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    source = InputFile.from_arg(path)
    monkeypatch.delenv(CHUNK_ENV, raising=False)
    monkeypatch.setattr(source, "size", 10 * 2**30)  # as if 10 GiB: two workers, 1.25 GiB each
    assert parallel.chunk_for(source, 2) == MAX_CHUNK_BYTES and sampled == [path]
    monkeypatch.setenv(CHUNK_ENV, str(50 * MIB))
    assert parallel.chunk_for(source, 2) == 50 * MIB and len(sampled) == 1
    monkeypatch.delenv(CHUNK_ENV)
    monkeypatch.setattr(source, "size", 900 * MIB)  # chunks of 112 MiB: no sample needed
    assert parallel.chunk_for(source, 2) == 900 * MIB // 8 and len(sampled) == 1
