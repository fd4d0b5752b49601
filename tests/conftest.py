"""Shared fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from groundswell import Store
from groundswell.simulate import simulate

# Pseudonym keys live outside stores (groundswell.keys); the tests' keys go to a folder
# of their own, never to the user's ~/.config (set before any test, so CLI subprocesses inherit it)
if "GROUNDSWELL_KEY_DIR" not in os.environ:
    os.environ["GROUNDSWELL_KEY_DIR"] = tempfile.mkdtemp(prefix="groundswell-test-keys-")
    atexit.register(shutil.rmtree, os.environ["GROUNDSWELL_KEY_DIR"], True)


@pytest.fixture
def store(tmp_path: Path):
    """A fresh, empty store in a temporary folder."""
    with Store(tmp_path / "test.duckdb") as s:
        yield s


@pytest.fixture(scope="session")
def small_v2(tmp_path_factory) -> Path:
    """A small simulated twarc2 file (3,000 posts, real v2 page shapes), for tests that need
    any ordinary input."""
    path = tmp_path_factory.mktemp("small-v2") / "small.jsonl"
    simulate(3_000, fmt="twitter-v2", seed=5, out=path)
    return path
