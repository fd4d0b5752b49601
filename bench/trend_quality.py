"""Measure the trend detector over many simulated campaigns (planted truth).

Usage:  .venv/bin/python bench/trend_quality.py --seeds 20 --posts 100000

Prints per-seed results and a markdown summary (the table in docs/trends.md).
"""

from __future__ import annotations

import argparse
import platform
import time

from groundswell.trends.quality import BACKGROUND_TAGS, evaluate
from groundswell.trends.score import TrendParams


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
