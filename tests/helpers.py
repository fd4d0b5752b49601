"""Helpers shared by tests (importable as ``helpers`` thanks to pytest's ``pythonpath``)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def corpus(*parts: str) -> Path:
    """A file of the shared real corpora; skips the test with a reason if they are absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA} (clone the repo beside ../shared)")
    return CORPORA.joinpath(*parts)


def table_rows(store, table: str) -> list[tuple]:
    """Every row of a table, sorted: for 'nothing changed' comparisons."""
    return sorted(store.con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
