"""Before and after a change: the same ingest and report, from two checkouts, alternating.

Usage:  .venv/bin/python bench/ab.py --before DIR [--sizes 1000000] [--formats ...] [--rounds 3]
                                      [--reports-only]

``DIR`` is another checkout with its own ``.venv`` (e.g. ``git worktree add ../before REV``,
then ``make install`` there). For each corpus of ``bench/run.py`` (made once, shared), each
round times ``groundswell ingest`` into a fresh store, then ``groundswell report --json`` on
it, first with one checkout then the other (the order alternates from round to round), as
separate processes measured like ``bench/run.py`` measures them (wall seconds, peak PSS of the
process tree). It prints each measurement as it happens, then per corpus the medians and the
median of the rounds' ratios after / before (each round's two runs are neighbours in time,
so their ratio is the least disturbed by the machine's drift): below 1 is faster.
``--reports-only`` ingests each corpus once (with the after checkout) and times only the
reports, both sides reading that one store: more rounds in the same time, for a report whose
ratio the ingest rounds left unclear.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: corpora, campaigns and timing, one definition)


def measure(gs: str, data: Path, db: Path, campaign: Path, ingest: bool = True
            ) -> tuple[dict, dict]:
    """An ingest into a fresh ``db`` (unless ``ingest`` is False: ``db`` is ready), then the
    report of it."""
    if ingest:
        forget(db)
    ingested = run.timed([gs, "ingest", "--db", str(db), str(data)], label="ingest") \
        if ingest else {}
    report = run.timed([gs, "report", "--db", str(db), "--campaign", str(campaign), "--json"],
                       label="report")
    if ingest:
        forget(db)
    return ingested, report


def forget(db: Path) -> None:
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)


def median(entries: list[dict], key: str) -> float | None:
    values = [e[key] for e in entries if e.get(key) is not None]
    return round(statistics.median(values), 2) if values else None


def paired(before: list[dict], after: list[dict]) -> str:
    """The median of each round's after / before, and the rounds' range."""
    ratios = sorted(a["seconds"] / b["seconds"] for a, b in zip(after, before, strict=True)
                    if a.get("seconds") and b.get("seconds"))
    if not ratios:
        return "—"
    return f"{statistics.median(ratios):.3f} ({ratios[0]:.3f}–{ratios[-1]:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--formats", default="twitter-v2,twitter-v1," + run.REAL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=str(run.ROOT / "bench" / "data"))
    parser.add_argument("--reports-only", action="store_true",
                        help="ingest once, then time only the reports of that store")
    args = parser.parse_args()
    sides = {"before": str(Path(args.before).resolve() / ".venv" / "bin" / "groundswell"),
             "after": run.GS}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    lines = ["| posts | corpus | ingest s before → after (peak MiB) | ingest after/before, "
             "median of rounds (range) | report s before → after | report after/before |",
             "|---|---|---|---|---|---|"]
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            data = work / f"{fmt}-{n}.jsonl"
            if not data.exists():
                run.make_corpus(n, fmt, data)
                os.sync()
            campaign, _ = run.campaign_of(fmt, data, work)
            got: dict[str, dict[str, list[dict]]] = {s: {"ingest": [], "report": []}
                                                      for s in sides}
            shared = work / "ab-shared.duckdb"
            if args.reports_only:
                forget(shared)
                run.timed([sides["after"], "ingest", "--db", str(shared), str(data)],
                          label="ingest (once)")
            for i in range(args.rounds):
                for side in (("before", "after") if i % 2 == 0 else ("after", "before")):
                    print(f"… {n:,} {fmt}, round {i + 1}, {side}", file=sys.stderr, flush=True)
                    db = shared if args.reports_only else work / f"ab-{side}.duckdb"
                    ingest, report = measure(sides[side], data, db, campaign,
                                             ingest=not args.reports_only)
                    got[side]["ingest"].append(ingest)
                    got[side]["report"].append(report)
            forget(shared)
            cells = [f"{n:,}", fmt]
            for step in ("ingest", "report"):
                b = median(got["before"][step], "seconds")
                a = median(got["after"][step], "seconds")
                peak = ""
                if step == "ingest" and a is not None:
                    peak = (f" ({median(got['before'][step], 'rss_mib'):g} → "
                            f"{median(got['after'][step], 'rss_mib'):g})")
                cells += [f"{b} → {a}{peak}", paired(got["before"][step], got["after"][step])]
            lines.append("| " + " | ".join(cells) + " |")
            print(lines[-1], file=sys.stderr, flush=True)
    print(f"Command: `{' '.join(['.venv/bin/python', 'bench/ab.py', *sys.argv[1:]])}`  \n"
          f"Medians of {args.rounds} alternating rounds.\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
