"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from groundswell import Store


@pytest.fixture
def store(tmp_path: Path):
    """A fresh, empty store in a temporary folder."""
    with Store(tmp_path / "test.duckdb") as s:
        yield s
