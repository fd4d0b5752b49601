"""The table tests' store: one per test, ingested through a mapping."""

from __future__ import annotations

import pytest

from groundswell import api


@pytest.fixture
def ingest_table(tmp_path):
    """ingest_table(paths, **options) → (summary, store): one store per test, reused."""
    store = api.Store(tmp_path / "t.duckdb")

    def run(paths, **options):
        summary = api.ingest(store, [str(p) for p in paths], **options)
        return summary, store

    yield run
    store.close()
