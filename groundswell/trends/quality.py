"""Measuring the trend detector on simulated campaigns with a planted truth.

For each seed: simulate, ingest, run the batch detector, and record (a) the delay from the
planted response tag's first post to the end of the first window in which it trends and (b)
which planted background tags (steady chatter, never part of the campaign) trended — false
positives. ``bench/trend_quality.py`` runs it over many seeds and writes docs/trends.md's table.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from groundswell.metrics import Scope, Tables
from groundswell.simulate import simulate
from groundswell.simulate.phrases import BACKGROUND
from groundswell.store import Store
from groundswell.text import normalize_tag
from groundswell.trends.batch import trends
from groundswell.trends.score import TrendParams

BACKGROUND_TAGS = tuple(normalize_tag(tag) for tag, _, _ in BACKGROUND if tag)


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", ""))


def evaluate_seed(seed: int, posts: int, params: TrendParams | None = None,
                  fmt: str = "twitter-v2") -> dict:
    p = params or TrendParams()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "c.jsonl"
        truth = simulate(posts, fmt=fmt, seed=seed, out=data)
        with Store(Path(tmp) / "s.duckdb") as store:
            store.ingest([data])
            from groundswell.demo import campaign_from_truth

            result = trends(Tables.from_backend(store.ibis),
                            Scope(campaign_from_truth(truth), store.pseudonym_key), p)
    by_tag = {t["tag"]: t for t in result["trending"]}
    response = truth["campaign"]["response_tags"][0]
    planted = truth["response_tag_start"]
    delay = None
    if response in by_tag and planted:
        detected_end = _time(by_tag[response]["first_trending_at"]).timestamp() + p.window_seconds
        delay = round((detected_end - _time(planted).timestamp()) / 3600, 2)
    return {
        "seed": seed,
        "response_tag": response,
        "response_detected": response in by_tag,
        "response_flagged": bool(by_tag.get(response, {}).get("response_tag")),
        "delay_hours": delay,
        "background_trending": sorted(t for t in BACKGROUND_TAGS if t in by_tag),
        "background_tags": len(BACKGROUND_TAGS),
    }


def evaluate(seeds: range | list[int], posts: int, params: TrendParams | None = None,
             progress: Callable[[dict], None] | None = None) -> dict:
    runs = []
    for seed in seeds:
        runs.append(evaluate_seed(seed, posts, params))
        if progress:
            progress(runs[-1])
    delays = sorted(r["delay_hours"] for r in runs if r["delay_hours"] is not None)
    false_pos = sum(len(r["background_trending"]) for r in runs)
    return {
        "seeds": len(runs),
        "posts": posts,
        "detected": sum(r["response_detected"] for r in runs),
        "flagged_as_response": sum(r["response_flagged"] for r in runs),
        "delay_hours_median": delays[len(delays) // 2] if delays else None,
        "delay_hours_max": delays[-1] if delays else None,
        "background_false_positive_rate": round(
            false_pos / (len(runs) * len(BACKGROUND_TAGS)), 4) if runs else None,
        "runs": runs,
    }
