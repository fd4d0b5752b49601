"""One mid-sized simulated run per format, shared by the simulator's test modules, and what
they read out of the written lines."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simulate.sim_oracle import Recount, read_lines

from groundswell.simulate import simulate

FORMATS = ("twitter-v2", "twitter-v1", "bluesky-jetstream", "mastodon")
POSTS = 12_000
#: Where each format's call to action is by default: Bluesky and Mastodon are dated eight
#: years later (the same campaign; neither platform existed in this shape in 2017).
ORIGIN_AT = {"twitter-v2": datetime(2017, 10, 15, 20, 21, tzinfo=UTC),
             "twitter-v1": datetime(2017, 10, 15, 20, 21, tzinfo=UTC),
             "bluesky-jetstream": datetime(2025, 10, 15, 20, 21, tzinfo=UTC),
             "mastodon": datetime(2025, 10, 15, 20, 21, tzinfo=UTC)}


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@dataclass
class Run:
    fmt: str
    path: Path
    truth: dict
    steps: list[int]
    _recount: Recount | None = field(default=None, repr=False)

    @property
    def recount(self) -> Recount:
        if self._recount is None:
            self._recount = Recount(self.path, self.fmt, self.truth)
        return self._recount

    @property
    def origin_at(self) -> datetime:
        return ORIGIN_AT[self.fmt]

    def objects(self) -> Iterator[tuple[str, dict]]:
        """Every line that is JSON, with its decoded object (planted broken lines skipped)."""
        for line in read_lines(self.path):
            try:
                yield line, json.loads(line)
            except ValueError:
                continue


@pytest.fixture(scope="session")
def simulated(tmp_path_factory) -> Callable[[str], Run]:
    """``simulated(fmt)``: the run of that format, made once per session.

    ``SIM_SEED=n pytest tests/simulate`` re-runs every property on another seed.
    """
    runs: dict[str, Run] = {}

    def get(fmt: str) -> Run:
        if fmt not in runs:
            path = tmp_path_factory.mktemp(fmt) / "campaign.jsonl"
            steps: list[int] = []
            truth = simulate(POSTS, fmt=fmt, seed=int(os.environ.get("SIM_SEED", "7")),
                             out=path, progress=steps.append)
            runs[fmt] = Run(fmt, path, truth, steps)
        return runs[fmt]

    return get
