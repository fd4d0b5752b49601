"""Fixtures shared by every source's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from groundswell import Store


@pytest.fixture
def make_store(tmp_path: Path):
    """Factory of fresh stores in tmp_path, all closed at teardown."""
    stores: list[Store] = []

    def make(label: str = "s") -> Store:
        stores.append(Store(tmp_path / f"{label}.duckdb"))
        return stores[-1]

    yield make
    for store in stores:
        store.close()
