"""Dashboard refresh from the live state vs. the full path, on a big store with a live writer.

    .venv/bin/python bench/live_refresh.py [--posts 10000000] [--base 1000000] [--seconds 60]

Builds a store of ``--posts`` posts: ``--base`` simulated v1.1 posts (the demo's campaign,
ingested), replicated with fresh ids through SQL (post, author and pointer ids suffixed
``~1``, ``~2``…, keys offset; hashtags and accounts likewise) until ``--posts``; simulating
and ingesting 10M posts would take an hour, copying takes a minute, and the campaign's shape
(tags, reposts, accounts per post) is the same in every copy. The campaign has no window (the
stream comes later than the store's posts). Each run works on a copy of that store.

Then, in a second process, a writer appends a further simulated stream (12 days later, new
ids, deletes included) at ``--rate`` posts a second: one batch a second, parsed from its lines
as ``watch`` parses events, then opened, written (``Store.write_batch``), followed by
``LiveState.update`` and closed. Its first visit catches the state up with the store (a
rebuild). Meanwhile this process refreshes the dashboard (``LiveStore``, every panel due each
time, as after a change) from the state for ``--seconds``, then through the full path (a copy
of the store's columns, the metrics over it) ``--full`` times. Prints the refresh times
(median, p95, max) of both and their ratio, the writer's times per batch (parsing; open, write,
update, close, waits included; the update alone), and how often each side found the store
busy. ``--work DIR`` keeps the built store and the stream for the next run (``--fresh``
rebuilds them). Times only; nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path

from campaigns import campaign_file  # bench/campaigns.py

ROOT = Path(__file__).resolve().parents[1]


POINTERS = ("post_id", "author_id", "reply_to_post_id", "reply_to_author_id",
            "repost_of_post_id", "quote_of_post_id", "conversation_id")


def build_store(work: Path, posts: int, base: int) -> tuple[Path, Path]:
    """The big store and the campaign file (reused when present)."""
    from groundswell import Store
    from groundswell.simulate import simulate

    db, camp = work / f"live-{posts}.duckdb", work / "bench-live.toml"
    ready = work / f"live-{posts}.ready"
    if ready.exists() and db.exists():
        return db, camp
    source = work / f"live-base-{base}.jsonl"
    truth_file = work / f"live-base-{base}.truth.json"
    started = time.monotonic()
    if source.exists() and truth_file.exists():
        truth = json.loads(truth_file.read_text())
    else:
        truth = simulate(base, fmt="twitter-v1", seed=2017, out=source)
    campaign_file(truth, camp, "MeToo (bench)", "[privacy]\nmin_cell = 1\n")
    db.unlink(missing_ok=True)
    with Store(db) as store:
        store.ingest([source])
        con = store.con
        top = con.execute("SELECT max(post_key) FROM posts").fetchall()[0][0]
        stored = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        copies = math.ceil(posts / stored)
        for i in range(1, copies):
            suffix = f"'~{i}'"
            con.execute("BEGIN")
            con.execute("INSERT INTO posts SELECT * REPLACE ("
                        + ", ".join(f"{c} || {suffix} AS {c}" for c in POINTERS)
                        + f", post_key + {i * top} AS post_key) FROM posts "
                        f"WHERE post_key <= {top}")
            con.execute(f"INSERT INTO post_hashtags SELECT * REPLACE (post_id || {suffix} AS "
                        f"post_id, post_key + {i * top} AS post_key) FROM post_hashtags "
                        f"WHERE post_key <= {top}")
            con.execute(f"INSERT INTO accounts SELECT * REPLACE (author_id || {suffix} AS "
                        f"author_id) FROM accounts WHERE NOT contains(author_id, '~')")
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
        total = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    source.unlink()
    ready.write_text(json.dumps({"posts": total, "seconds": time.monotonic() - started}))
    return db, camp


def build_stream(work: Path, posts: int) -> Path:
    """The live stream: a later campaign (12 days on), other ids, oldest post first."""
    from groundswell.simulate import simulate
    from groundswell.simulate.clock import DEFAULT_START

    out = work / f"live-stream-{posts}.jsonl"
    if not out.exists():
        simulate(posts, fmt="twitter-v1", seed=99, out=out,
                 start=DEFAULT_START + timedelta(days=12))
    return out


def writer(db: str, camp: str, stream: str, rate: int, ready, done, results) -> None:
    """The live writer: posts arrive at ``rate`` a second; about once a second it writes what
    arrived since its last commit (more than a second's worth when a commit took longer, as
    ``watch`` does), parsed from the stream's lines as ``watch`` parses events, in a short
    visit followed by the state's update."""
    from groundswell.ingest.batch import Batch
    from groundswell.ingest.commit import visit
    from groundswell.ingest.dispatch import handle_line
    from groundswell.live import LiveState

    state = LiveState(camp)
    visit(db, state.update)  # catch up once (a store filled by a plain ingest)
    ready.set()
    log, busy, written = [], 0, 0
    start = time.time()
    with open(stream, "rb") as lines:
        number = 0
        while not done.is_set():
            due = int(rate * (time.time() - start)) - written
            if due < rate:  # less than a second's worth arrived: wait for it
                time.sleep((rate - due) / rate)
                continue
            t0 = time.perf_counter()
            batch = Batch()
            batch.file = stream
            for line in lines:
                number += 1
                batch.line = number
                handle_line(batch, line.strip())
                if len(batch) >= due:
                    break
            if not len(batch):
                break
            tables = batch.to_arrow().tables
            t1 = time.perf_counter()
            spent = {}

            def work(store, tables=tables, spent=spent):
                store.write_batch(tables)
                spent["update"] = state.update(store)

            busy += visit(db, work).busy_retries
            written += len(batch)
            log.append({"at": time.time(), "posts": len(batch), "parse": t1 - t0,
                        "commit": time.perf_counter() - t1,
                        "update": spent["update"].seconds})
    results.put({"log": log, "busy": busy, "start": start})


def refresh_times(live, rounds_or_seconds: float, by_time: bool, pause: float) -> dict:
    """Refreshes with every panel due (as after a change), timed; busy reads counted."""
    times, busy, sources = [], 0, set()
    until = time.monotonic() + rounds_or_seconds
    while (time.monotonic() < until) if by_time else (len(times) < rounds_or_seconds):
        live._fingerprints = dict.fromkeys(live._fingerprints)  # every panel due
        live._refresh()
        s = live.status
        if s.state == "ok":
            times.append(s.last_refresh_ms)
            sources.add(s.computed_from)
        elif s.state == "busy":
            busy += 1
        time.sleep(pause)
    return {"times": times, "busy": busy, "sources": sorted(sources)}


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(times), "median": statistics.median(times), "p95": p95,
            "max": ordered[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--base", type=int, default=1_000_000)
    ap.add_argument("--rate", type=int, default=5_000, help="posts a second")
    ap.add_argument("--seconds", type=int, default=60, help="refreshing from the state")
    ap.add_argument("--full", type=int, default=3, help="refreshes through the full path")
    ap.add_argument("--work", default=str(ROOT / "bench" / "data"))
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        for old in work.glob("live-*"):
            old.unlink()
    built, camp = build_store(work, args.posts, args.base)
    stored = json.loads((work / f"live-{args.posts}.ready").read_text())["posts"]
    db = work / f"live-{args.posts}.run.duckdb"  # each run on a fresh copy of the built store
    db.unlink(missing_ok=True)
    shutil.copyfile(built, db)
    # enough for the refreshes from the state and then some (the full path holds the store
    # for seconds at a time: the writer waits, and falls behind)
    stream = build_stream(work, args.rate * (args.seconds + 20 * args.full + 30))

    from groundswell.web.live import LiveStore

    ctx = mp.get_context("spawn")
    ready, done, results = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=writer, args=(str(db), str(camp), str(stream), args.rate,
                                            ready, done, results))
    proc.start()
    ready.wait()
    time.sleep(3)
    options = dict(min_interval=0, max_duty=1.0, max_cpu=1.0)
    began = time.time()
    state = refresh_times(LiveStore(db, camp, **options), args.seconds, True, 0.2)
    middle = time.time()
    full = refresh_times(LiveStore(db, camp, state=False, **options), args.full, False, 1.0)
    done.set()
    wrote = results.get()
    proc.join()
    db.unlink()
    report(args, stored, state, full, wrote, began, middle)


def report(args, stored: int, state: dict, full: dict, wrote: dict, began: float,
           middle: float) -> None:
    s, f = summary(state["times"]), summary(full["times"])
    log = wrote["log"]
    during = [b for b in log if began <= b["at"] <= middle]
    arrived = args.rate * (middle - wrote["start"])
    kept = sum(b["posts"] for b in log if b["at"] <= middle)
    ms = lambda key, rows: summary([b[key] * 1000 for b in rows])  # noqa: E731
    commit, update = ms("commit", during), ms("update", during)
    print(f"store: {stored:,} posts; a writer appending {args.rate:,} posts/s "
          f"({sum(b['posts'] for b in log):,} posts in {len(log)} commits)")
    for label, r, raw in (("from the state", s, state), ("full path", f, full)):
        print(f"refresh {label:>15}: median {r['median']:8.1f} ms, p95 {r['p95']:8.1f} ms, "
              f"max {r['max']:8.1f} ms (n={r['n']}, busy {raw['busy']}, {raw['sources']})")
    print(f"ratio full / state: median {f['median'] / s['median']:.0f}x, "
          f"p95 {f['p95'] / s['p95']:.0f}x, max {f['max'] / s['max']:.0f}x")
    print(f"writer while refreshing from the state ({len(during)} commits of median "
          f"{statistics.median(b['posts'] for b in during):,.0f} posts): parsing median "
          f"{statistics.median(b['parse'] for b in during) * 1000:.0f} ms; open+write+update"
          f"+close median {commit['median']:.0f} ms (p95 {commit['p95']:.0f}, max "
          f"{commit['max']:.0f}), the update alone median {update['median']:.0f} ms (p95 "
          f"{update['p95']:.0f}, max {update['max']:.0f}); stored {kept:,} of {arrived:,.0f} "
          f"posts arrived by then; busy retries (whole run) {wrote['busy']}")


if __name__ == "__main__":
    main()
