"""Benchmark: classifying posts by role (issue 25: 1M posts in ≤ 2 minutes with the default
model), the rules beside it.

Usage:  .venv/bin/python bench/roles.py --posts 1000000 [--work bench/data]

The texts are those of the simulated twarc2 pages of ``bench/run.py``
(``twitter-v2-N.jsonl``, made with ``groundswell simulate`` if missing): every tweet of
``data`` with its text, in file order, cycled to N when the file holds fewer. The model is
trained, as a researcher would, on 600 of them labelled (here by the rules: the speed does not
depend on who labelled), then times, in this process:

* ``RoleModel.posteriors`` over the N texts (what the report's roles metric does; all cores);
* the rules (``groundswell.roles.rules.classify``), one core;
* the corrected estimate with its 200-draw bootstrap over those posteriors.

Prints seconds, posts/s and whether the target holds. Tests never time things; this does.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, simulate_file  # noqa: E402

from groundswell.roles.model import RoleModel  # noqa: E402
from groundswell.roles.rules import classify  # noqa: E402

TARGET_SECONDS = 120.0


def texts_of(path: Path, n: int) -> list[str]:
    """The texts of the tweets in ``data`` of each page, cycled to ``n``."""
    found: list[str] = []
    with path.open("rb") as f:
        for line in f:
            try:
                page = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            data = page.get("data") if isinstance(page, dict) else None
            for tweet in data if isinstance(data, list) else [data] if data else []:
                if isinstance(tweet, dict) and tweet.get("text"):
                    found.append(tweet["text"])
            if len(found) >= n:
                break
    return list(itertools.islice(itertools.cycle(found), n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.work / "twitter-v2-1000000.jsonl"
    if not source.exists():
        simulate_file(1_000_000, "twitter-v2", source)
    texts = texts_of(source, args.posts)
    print(f"{len(texts):,} texts from {source.name}; load {os.getloadavg()[0]:.2f}",
          file=sys.stderr)
    sample = texts[:: max(1, len(texts) // 600)][:600]
    started = time.perf_counter()
    model = RoleModel.train(sample, classify(sample))
    trained = time.perf_counter() - started
    started = time.perf_counter()
    outputs = model.posteriors(texts)
    classified = time.perf_counter() - started
    started = time.perf_counter()
    classify(texts)
    ruled = time.perf_counter() - started
    from groundswell.roles.prevalence import estimate

    started = time.perf_counter()
    estimate(model.roles, model.cv_outputs, model.cv_truth, outputs, bootstrap=200)
    estimated = time.perf_counter() - started
    n = len(texts)
    print(f"Command: `.venv/bin/python bench/roles.py --posts {args.posts}`  ")
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}  ")
    print(f"Date: {time.strftime('%Y-%m-%d')}\n")
    print("| step | posts | seconds | posts/s |")
    print("|---|---|---|---|")
    print(f"| train on 600 labels (5-fold posteriors kept) | 600 | {trained:.1f} | — |")
    for what, seconds in (("model: posteriors (all cores)", classified),
                          ("rules (one core)", ruled),
                          ("corrected estimate, 200 bootstrap draws", estimated)):
        print(f"| {what} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} |")
    total = classified + estimated
    verdict = "met" if total <= TARGET_SECONDS * n / 1_000_000 else "NOT met"
    print(f"\nClassifying and estimating {n:,} posts: {total:.1f} s — the target "
          f"(1M in ≤ {TARGET_SECONDS:.0f} s) is {verdict}.")


if __name__ == "__main__":
    main()
