"""The benchmark script's guard against a full disk (the benchmarks themselves are timed by
hand, never in tests)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
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
