"""Memory and throughput of the streaming trending score (groundswell.trends.stream).

Generates a synthetic stream in process (no files): ``--posts`` posts over ``--days`` days of
hourly windows with a daily cycle, 0–3 tags per post drawn Zipf-like from ``--tags`` tags,
authors drawn Zipf-like from ``--authors`` accounts, and one planted response tag that rises
on day 5 (ramps up to 1% of posts over 6 h, holds 6 h, fades over a day). Posts are
generated an hour at a time with numpy and fed to :class:`StreamingTrends` with
``update_many``. Every 1M posts it prints the resident set size, ``memory_items()`` and the
feed rate; at the end a table, the trending tags found, and a markdown snippet.

    .venv/bin/python bench/stream_memory.py --posts 10000000
    .venv/bin/python bench/stream_memory.py --posts 10000000 --reference   # vs exact counts

``--reference`` feeds an exact (set-based) StreamingTrends alongside and compares the trending
tags (its memory then shows in the RSS); ``--lg-max-items`` sizes the sketches.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from groundswell.trends.score import TrendParams
from groundswell.trends.stream import StreamingTrends

PLANTED = "plantedresponse"
START = 1_508_025_600  # 2017-10-15T00:00:00Z


def rss_mb() -> float:
    """Current resident set size (VmRSS), in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def zipf_cdf(n: int, s: float) -> np.ndarray:
    cdf = np.cumsum(1.0 / np.arange(1, n + 1) ** s)
    return cdf / cdf[-1]


def planted_share(hour: int) -> float:
    """Share of the hour's posts carrying the planted tag: rises over 6 h from hour 120
    (day 5), holds for 6 h at 1%, fades over a day."""
    t = hour - 120
    if t < 0:
        return 0.0
    if t < 6:
        return 0.01 * (t + 1) / 6
    if t < 12:
        return 0.01
    return max(0.0, 0.01 * (1 - (t - 12) / 24))


def stream(posts: int, days: int, n_tags: int, n_authors: int, seed: int):
    """An iterator of ``(seconds, authors, tags)`` lists, one hour of posts at a time, in time
    order (the tables it samples from are built now, before the memory baseline)."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    cycle = 1 + 0.6 * np.sin(2 * np.pi * (np.arange(hours) - 9) / 24)  # busiest at 15:00
    per_hour = np.floor(posts * cycle / cycle.sum()).astype(np.int64)
    per_hour[: posts - per_hour.sum()] += 1
    tag_cdf, author_cdf = zipf_cdf(n_tags, 1.1), zipf_cdf(n_authors, 0.8)
    names = np.array([f"tag{k}" for k in range(n_tags)], dtype=object)
    return _hours(rng, per_hour, tag_cdf, author_cdf, names, n_authors)


def _hours(rng, per_hour, tag_cdf, author_cdf, names, n_authors):
    for hour, n in enumerate(per_hour.tolist()):
        seconds = (START + hour * 3600 + np.sort(rng.random(n)) * 3600).tolist()
        authors = np.searchsorted(author_cdf, rng.random(n))
        k = rng.choice(4, n, p=[0.45, 0.35, 0.14, 0.06])
        flat = names[np.searchsorted(tag_cdf, rng.random(int(k.sum())))].tolist()
        ends = np.cumsum(k).tolist()
        tags = [flat[e - c:e] for e, c in zip(ends, k.tolist(), strict=True)]
        share = planted_share(hour)
        if share:
            picked = rng.choice(n, int(share * n), replace=False)
            authors[picked] = rng.integers(0, n_authors, picked.size)  # anyone joins in
            for i in picked.tolist():
                tags[i] = [*tags[i], PLANTED]
        yield seconds, authors.tolist(), tags


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--tags", type=int, default=100_000)
    ap.add_argument("--authors", type=int, default=1_000_000)
    ap.add_argument("--lg-k", type=int, default=12)
    ap.add_argument("--lg-max-items", type=int, default=12)
    ap.add_argument("--every", type=int, default=1_000_000, help="report every N posts")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--exact", action="store_true",
                    help="count with sets instead of sketches (the reference; unbounded)")
    ap.add_argument("--reference", action="store_true",
                    help="also feed an exact (set-based) StreamingTrends and compare the "
                         "trending tags (its memory is included in the RSS)")
    args = ap.parse_args(argv)

    st = StreamingTrends(TrendParams(), lg_k=args.lg_k, lg_max_items=args.lg_max_items,
                         exact=args.exact)
    ref = StreamingTrends(TrendParams(), exact=True) if args.reference else None
    gen = stream(args.posts, args.days, args.tags, args.authors, args.seed)
    rows = []
    header = (f"{'posts':>11} {'elapsed s':>9} {'posts/s':>9} {'RSS MiB':>8} {'peak MiB':>8} "
              f"{'mem items':>9} {'sketches':>8} {'states':>7} {'windows':>7}")
    base_rss = rss_mb()
    print(f"StreamingTrends(lg_k={args.lg_k}, lg_max_items={args.lg_max_items}); "
          f"bound max_memory_items = {st.max_memory_items}; RSS before feeding "
          f"{base_rss:.1f} MiB", flush=True)
    print(header, flush=True)
    fed = feed_time = 0.0
    mark, next_report = time.perf_counter(), args.every
    last_fed, last_feed_time = 0, 0.0
    t0 = time.perf_counter()

    def report(final: bool = False) -> None:
        nonlocal last_fed, last_feed_time
        mem = st.memory()
        rate = (fed - last_fed) / max(feed_time - last_feed_time, 1e-9)
        row = {"posts": int(fed), "elapsed": time.perf_counter() - t0, "rate": rate,
               "rss": rss_mb(), "peak": peak_rss_mb(), "items": st.memory_items(),
               "sketches": mem["sketches"], "states": mem["tag_states"],
               "windows": st.stats.windows_closed, "final": final}
        rows.append(row)
        shown = "-" if final else f"{rate:,.0f}"
        print(f"{row['posts']:>11,} {row['elapsed']:>9.1f} {shown:>9} {row['rss']:>8.1f} "
              f"{row['peak']:>8.1f} {row['items']:>9,} {row['sketches']:>8,} "
              f"{row['states']:>7,} {row['windows']:>7}" + ("  (finished)" if final else ""),
              flush=True)
        last_fed, last_feed_time = fed, feed_time

    for seconds, authors, tags in gen:
        lo = 0
        while lo < len(seconds):  # split the hour at report marks
            hi = min(len(seconds), lo + int(next_report - fed))
            mark = time.perf_counter()
            st.update_many(seconds[lo:hi], authors[lo:hi], tags[lo:hi])
            feed_time += time.perf_counter() - mark
            if ref is not None:
                ref.update_many(seconds[lo:hi], authors[lo:hi], tags[lo:hi])
            fed += hi - lo
            lo = hi
            if fed >= next_report:
                report()
                next_report += args.every
    mark = time.perf_counter()
    st.finish()
    feed_time += time.perf_counter() - mark
    report(final=True)
    wall = time.perf_counter() - t0

    found = st.results()
    planted = next((f for f in found if f["tag"] == PLANTED), None)
    print(f"\n{fed:,.0f} posts in {wall:.1f} s wall ({fed / wall:,.0f} posts/s incl. generation), "
          f"{feed_time:.1f} s in StreamingTrends ({fed / feed_time:,.0f} posts/s)")
    print(f"late dropped {st.late_dropped}, HLL evictions {st.stats.evictions:,}, "
          f"tags forgotten {st.stats.tags_forgotten:,}, peak memory_items "
          f"{st.stats.peak_memory_items:,} (bound {st.max_memory_items:,})")
    print(f"trending tags: {len(found)}; planted #{PLANTED}: {planted}")
    others = [f["tag"] for f in found if f["tag"] != PLANTED]
    print(f"other trending tags (background, no planted rise): {others[:20]}"
          + (" ..." if len(others) > 20 else ""))
    if ref is not None:
        ref.finish()
        exact = {f["tag"]: f for f in ref.results()}
        got = {f["tag"]: f for f in found}
        same = [t for t in got if t in exact
                and got[t]["first_trending_at"] == exact[t]["first_trending_at"]]
        print(f"exact reference: {len(exact)} trending tags {sorted(exact)}; same first "
              f"trending window: {len(same)}; only in the sketches: "
              f"{sorted(set(got) - set(exact))}; only exact: {sorted(set(exact) - set(got))}")

    rss = [r["rss"] for r in rows]
    print("\n### StreamingTrends memory (bench/stream_memory.py)\n")
    print(f"`{' '.join(['python bench/stream_memory.py'] + (argv or sys.argv[1:]))}`: "
          f"{fed:,.0f} synthetic posts, {args.days} days of hourly windows, "
          f"{args.tags:,} Zipf tags, {args.authors:,} authors, lg_k={args.lg_k}, "
          f"lg_max_items={args.lg_max_items}.\n")
    print("| posts | RSS (MiB) | peak RSS (MiB) | memory_items | tag states | posts/s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        label = f"{r['posts']:,}" + (" (finished)" if r["final"] else "")
        rate = "-" if r["final"] else f"{r['rate']:,.0f}"
        print(f"| {label} | {r['rss']:.1f} | {r['peak']:.1f} | {r['items']:,} | "
              f"{r['states']:,} | {rate} |")
    print(f"\nRSS before feeding {base_rss:.1f} MiB; during the stream {min(rss):.1f}–"
          f"{max(rss):.1f} MiB; memory_items ≤ {max(r['items'] for r in rows):,} "
          f"(bound {st.max_memory_items:,}); {fed / feed_time:,.0f} posts/s through "
          f"StreamingTrends; planted tag first trending at "
          f"{planted['first_trending_at'] if planted else 'never'}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
