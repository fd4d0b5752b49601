"""The pseudonym key lives outside the store, owner-only; rotating or losing it changes the
pseudonyms, never the data."""

from __future__ import annotations

import os
import stat

import pytest

from groundswell import api, keys
from groundswell.api import Store
from groundswell.simulate import simulate


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDSWELL_KEY_DIR", str(tmp_path / "keys"))
    simulate(1500, fmt="twitter-v2", seed=5, out=tmp_path / "c.jsonl")
    store = Store(tmp_path / "s.duckdb")
    store.ingest([tmp_path / "c.jsonl"])
    yield store
    store.close()


def _names(store: Store) -> list[str]:
    return [r["account"] for r in
            api.report(store, tags=["metoo"], metrics=["spread"])["spread"]["first_participants"]]


def test_the_key_is_a_file_of_its_own_readable_by_its_owner_only(built):
    key = built.pseudonym_key
    path = keys.key_path(built.store_id)
    assert path.is_file() and len(key) == keys.KEY_BYTES
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    built.con.execute("CHECKPOINT")
    raw = built.path.read_bytes()
    assert key.hex().encode() not in raw and key not in raw
    assert built.con.execute("SELECT count(*) FROM meta WHERE key = 'pseudonym_key'"
                             ).fetchall()[0][0] == 0


def test_rotating_changes_every_pseudonym_and_no_number(built):
    before_names, before = _names(built), api.report(built, tags=["metoo"])["magnitude"]
    found = api.rotate_key(built)
    after_names, after = _names(built), api.report(built, tags=["metoo"])["magnitude"]
    assert found["before"] != found["after"]
    private_before = {n for n in before_names if n.startswith("acct-")}
    private_after = {n for n in after_names if n.startswith("acct-")}
    assert private_before and not private_before & private_after
    assert len(after_names) == len(before_names)
    assert {k: v for k, v in after.items()} == before


def test_losing_the_key_loses_only_the_link(built):
    names, numbers = _names(built), api.report(built, tags=["metoo"])["magnitude"]
    keys.key_path(built.store_id).unlink()
    assert api.report(built, tags=["metoo"])["magnitude"] == numbers
    assert {n for n in _names(built) if n.startswith("acct-")}.isdisjoint(names)
    assert keys.key_path(built.store_id).is_file()  # a new key was made


def test_a_store_from_before_hands_its_key_over(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDSWELL_KEY_DIR", str(tmp_path / "keys"))
    with Store(tmp_path / "old.duckdb") as store:
        store_id = store.store_id
        keys.key_path(store_id).unlink(missing_ok=True)
        store.con.execute("INSERT INTO meta VALUES ('pseudonym_key', ?)", ["ab" * 16])
    with Store(tmp_path / "old.duckdb", read_only=True) as store:  # read-only: still its key
        assert store.pseudonym_key == bytes.fromhex("ab" * 16)
    with Store(tmp_path / "old.duckdb") as store:  # opened to write: the key moves out
        assert store.pseudonym_key == bytes.fromhex("ab" * 16)
        assert store.con.execute("SELECT count(*) FROM meta WHERE key = 'pseudonym_key'"
                                 ).fetchall()[0][0] == 0
    assert keys.load_key(store_id, create=False) == bytes.fromhex("ab" * 16)
