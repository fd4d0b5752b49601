"""The benchmark scripts' guard against a full disk, and that the diagnostic scripts measure
what they say (the benchmarks themselves are timed by hand, never in tests)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import all_rows

from groundswell import Store
from groundswell.campaign import Campaign, Variant
from groundswell.ingest import parallel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import free_workers  # noqa: E402
import report_questions  # noqa: E402
import run  # noqa: E402


def test_a_corpus_goes_ahead_only_with_a_gib_to_spare(tmp_path, monkeypatch):
    """A corpus goes ahead when the disk holds it and 1 GiB more, and stops with one line a
    byte short of that (the disk's free space fixed, so the boundary is exact)."""
    free = 50 * 2**30
    monkeypatch.setattr(run.shutil, "disk_usage",
                        lambda path: shutil._ntuple_diskusage(100 * 2**30, 50 * 2**30, free))
    assert run.ensure_space(tmp_path, free - 2**30, "a corpus that just fits") is None
    with pytest.raises(SystemExit) as stop:
        run.ensure_space(tmp_path, free - 2**30 + 1, "a huge corpus")
    message = str(stop.value)
    assert message == f"bench: a huge corpus needs about 49.0 GiB, and {tmp_path} has 50.0 GiB free"


# -- the diagnostic scripts measure what they say ----------------------------------------


def _tables(db: Path, path: Path) -> tuple[int, dict]:
    """Posts seen and every row, of an ingest by two workers."""
    with Store(db) as store:
        seen = store.ingest([path], workers=2).posts_seen
        return seen, all_rows(store, post_keys=True)


def test_free_workers_replay_stores_exactly_what_the_workers_do(small_v2, tmp_path,
                                                                monkeypatch):
    """The bound is only a bound if the replayed chunks are the workers' own, in order."""
    monkeypatch.setenv(parallel.CHUNK_ENV, "40000")
    files = free_workers.prepare(str(small_v2), tmp_path)
    assert len(files) > 5
    seen, shipped = _tables(tmp_path / "shipped.duckdb", small_v2)
    replayed: list[int] = []
    replay = free_workers.replay(files)

    def counting(*args, **kwargs):
        for parsed in replay(*args, **kwargs):
            replayed.append(parsed.posts_seen)
            yield parsed

    monkeypatch.setattr(parallel, "parsed_chunks", counting)
    assert _tables(tmp_path / "replayed.duckdb", small_v2) == (seen, shipped)
    assert len(replayed) == len(files) and sum(replayed) == seen


def test_report_questions_agree_by_ids_and_by_integer_keys(small_v2, tmp_path):
    """Both sets of bare questions answer the same thing; only the keys they join on differ."""
    camp = Campaign(name="bench", main_tag="metoo", variants=(Variant("balancetonporc"),),
                    response_tags=("ibelieveyou",))
    db = tmp_path / "q.duckdb"
    with Store(db) as store:
        store.ingest([small_v2])
    report_questions.add_int_keys(str(db), str(tmp_path / "keyed.duckdb"))

    def answers(path: Path, int_keys: bool, approx: bool = False) -> dict:
        asked = report_questions.questions(camp, int_keys)
        if approx:
            asked = {n: report_questions.approximate(q) for n, q in asked.items()}
        with duckdb.connect(str(path), read_only=True) as con:
            return {name: sorted(con.execute(sql).fetchall(), key=repr)
                    for name, sql in asked.items()}

    by_ids = answers(db, int_keys=False)
    assert all(by_ids.values()) and by_ids[report_questions.SCAN][0][0] > 0
    assert by_ids["posts and accounts carrying a campaign tag"] == by_ids[report_questions.SCAN]
    assert answers(tmp_path / "keyed.duckdb", int_keys=True) == by_ids
    # HyperLogLog answers within 5 % or 3 accounts of the exact ones
    approx = answers(db, int_keys=False, approx=True)
    assert approx.keys() == by_ids.keys()
    for name, exact in by_ids.items():
        for got, want in zip(approx[name], exact, strict=True):  # rows lead with their keys
            for g, w in zip(got, want, strict=True):
                assert g == (pytest.approx(w, rel=0.05, abs=3) if isinstance(w, int) else w), name
