"""Measure the trend detector over many simulated campaigns (planted truth).

Usage:  .venv/bin/python bench/trend_quality.py --seeds 20 --posts 100000

For each seed: simulate, ingest, run the batch detector, and record (a) the delay from the
planted response tag's first post to the end of the first window in which it trends and (b)
which planted background tags (steady chatter, never part of the campaign) trended — false
positives. Prints per-seed results and a markdown summary (the table in docs/trends.md).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.simulate import simulate
from groundswell.simulate.phrases import BACKGROUND
from groundswell.text import normalize_tag
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
            result = store.trends(campaign_from_truth(truth), p)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=100_000)
    args = parser.parse_args()
    params = TrendParams()
    started = time.perf_counter()
    result = evaluate(range(args.first_seed, args.first_seed + args.seeds), args.posts, params,
                      progress=lambda r: print(
                          f"seed {r['seed']:>3}: detected={r['response_detected']} "
                          f"delay={r['delay_hours']} h  background trending="
                          f"{r['background_trending'] or '-'}", flush=True))
    delays = [r["delay_hours"] for r in result["runs"] if r["delay_hours"] is not None]
    print()
    print("| seeds | posts per campaign | response tag detected | flagged as response tag "
          "| delay median (h) | delay max (h) | background tags trending (false-positive rate) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {result['seeds']} | {args.posts:,} | {result['detected']}/{result['seeds']} "
          f"| {result['flagged_as_response']}/{result['seeds']} "
          f"| {result['delay_hours_median']} | {result['delay_hours_max']} "
          f"| {sum(len(r['background_trending']) for r in result['runs'])} of "
          f"{result['seeds'] * len(BACKGROUND_TAGS)} "
          f"({result['background_false_positive_rate']:.2%}) |")
    print(f"\ndelays (h): {sorted(delays)}")
    print(f"params: {params}")
    print(f"machine: {platform.platform()}, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
