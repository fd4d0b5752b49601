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


def test_a_corpus_too_big_for_the_disk_stops_with_one_line(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(SystemExit) as stop:
        run.ensure_space(tmp_path, free, "a huge corpus")
    message = str(stop.value)
    assert message.startswith("bench: a huge corpus needs about ") and "\n" not in message
    assert f"{tmp_path} has " in message


def test_a_corpus_that_fits_goes_ahead(tmp_path):
    run.ensure_space(tmp_path, 1024, "a small corpus")  # no exception


# -- the diagnostic scripts measure what they say ----------------------------------------


def _tables(db: Path, path: Path) -> dict:
    with Store(db) as store:
        store.ingest([path], workers=2)
        return all_rows(store, post_keys=True)


def test_free_workers_replay_stores_exactly_what_the_workers_do(small_v2, tmp_path,
                                                                monkeypatch):
    """The bound is only a bound if the replayed chunks are the workers' own, in order."""
    monkeypatch.setenv(parallel.CHUNK_ENV, "40000")
    files = free_workers.prepare(str(small_v2), tmp_path)
    assert len(files) > 5
    shipped = _tables(tmp_path / "shipped.duckdb", small_v2)
    replayed: list[int] = []
    replay = free_workers.replay(files)

    def counting(*args, **kwargs):
        for parsed in replay(*args, **kwargs):
            replayed.append(parsed.posts_seen)
            yield parsed

    monkeypatch.setattr(parallel, "parsed_chunks", counting)
    assert _tables(tmp_path / "replayed.duckdb", small_v2) == shipped
    assert len(replayed) == len(files) and sum(replayed) > 3_000


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
    assert answers(db, int_keys=False, approx=True).keys() == by_ids.keys()
