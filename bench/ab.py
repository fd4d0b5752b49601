"""Before and after a change: the same ingest and report, from two checkouts, alternating.

Usage:  .venv/bin/python bench/ab.py --before DIR [--sizes 1000000] [--formats ...] [--rounds 3]

``DIR`` is another checkout with its own ``.venv`` (e.g. ``git worktree add ../before REV``,
then ``make install`` there). For each corpus of ``bench/run.py`` (made once, shared), each
round times ``groundswell ingest`` into a fresh store, then ``groundswell report --json`` on
it, first with one checkout then the other (the order alternates from round to round), as
separate processes measured like ``bench/run.py`` measures them (wall seconds, peak PSS of the
process tree). It prints each measurement as it happens, then the medians and the ratio
after / before per corpus: below 1 is faster. Ratios are only taken within one run, because
the machine's speed drifts from hour to hour.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: corpora, campaigns and timing, one definition)


def measure(gs: str, data: Path, db: Path, campaign: Path) -> tuple[dict, dict]:
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    ingest = run.timed([gs, "ingest", "--db", str(db), str(data)], label="ingest")
    report = run.timed([gs, "report", "--db", str(db), "--campaign", str(campaign), "--json"],
                       label="report")
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    return ingest, report


def median(entries: list[dict], key: str) -> float | None:
    values = [e[key] for e in entries if e.get(key) is not None]
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--formats", default="twitter-v2,twitter-v1," + run.REAL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=str(run.ROOT / "bench" / "data"))
    args = parser.parse_args()
    sides = {"before": str(Path(args.before).resolve() / ".venv" / "bin" / "groundswell"),
             "after": run.GS}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    lines = ["| posts | corpus | ingest s before → after (peak MiB) | ingest after/before "
             "| report s before → after | report after/before |", "|---|---|---|---|---|---|"]
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            data = work / f"{fmt}-{n}.jsonl"
            if not data.exists():
                run.make_corpus(n, fmt, data)
                os.sync()
            campaign, _ = run.campaign_of(fmt, data, work)
            got: dict[str, dict[str, list[dict]]] = {s: {"ingest": [], "report": []}
                                                      for s in sides}
            for i in range(args.rounds):
                for side in (("before", "after") if i % 2 == 0 else ("after", "before")):
                    print(f"… {n:,} {fmt}, round {i + 1}, {side}", file=sys.stderr, flush=True)
                    ingest, report = measure(sides[side], data, work / f"ab-{side}.duckdb",
                                             campaign)
                    got[side]["ingest"].append(ingest)
                    got[side]["report"].append(report)
            cells = [f"{n:,}", fmt]
            for step in ("ingest", "report"):
                b = median(got["before"][step], "seconds")
                a = median(got["after"][step], "seconds")
                peak = ""
                if step == "ingest":
                    peak = (f" ({median(got['before'][step], 'rss_mib'):g} → "
                            f"{median(got['after'][step], 'rss_mib'):g})")
                cells += [f"{b} → {a}{peak}", f"{a / b:.3f}" if a and b else "—"]
            lines.append("| " + " | ".join(cells) + " |")
            print(lines[-1], file=sys.stderr, flush=True)
    print(f"Command: `{' '.join(['.venv/bin/python', 'bench/ab.py', *sys.argv[1:]])}`  \n"
          f"Medians of {args.rounds} alternating rounds.\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
