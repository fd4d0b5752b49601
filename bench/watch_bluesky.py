"""Can ``watch bluesky`` keep up with the whole firehose on one core?

Jetstream cannot filter by tag: a campaign's watch reads every post and repost of the network.
This bench serves a firehose-like stream from a loopback WebSocket server in its own process
(on its own core where the machine has two), as fast as it can send, and runs the real client
(:func:`groundswell.watch.jetstream.watch_bluesky`) with a campaign, storing what it keeps and
committing every second, pinned to one core. It prints the client's events/s, its CPU seconds,
and the ratio to today's full Bluesky post rate (issue 24 asks for ≥ 20×).

The stream: the real Jetstream events of ``../shared/corpora/bluesky`` (posts, reposts,
deletes, identity and account events, in the mix Jetstream sends for posts and reposts)
replicated with fresh DIDs and record keys, none of them the campaign's; and, as one event in
``--campaign-every``, an event of a simulated #MeToo campaign (its posts, replies, reposts),
which the client keeps. Also measured: loading a store's kept posts at start
(:mod:`groundswell.watch.known`) for ``--known`` posts, in seconds and bytes.

Today's rate (the assumption, with its source): "~2.2 million posts per day ... at peak
hours, 130K+ posts per hour" (A. Houlier, "Building real-time Bluesky analytics: ingesting
2.2M posts/day from the firehose", dev.to, 24 March 2026), i.e. 36 posts/s at the peak hour.

    .venv/bin/python bench/watch_bluesky.py --events 300000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groundswell.simulate import simulate  # noqa: E402
from groundswell.watch.jetstream import watch_bluesky  # noqa: E402
from groundswell.watch.known import KnownSet  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bluesky" / \
    "jetstream_events_v1.jsonl"
WANTED = (b'"app.bsky.feed.post"', b'"app.bsky.feed.repost"')
#: Bluesky's posts per second at today's peak hour (130k/h; the module gives the source).
PEAK_POSTS_PER_SECOND = 130_000 / 3600
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_RKEY = re.compile(rb'"rkey":"[^"]+"')
_TIME = re.compile(rb'"time_us":[0-9]+')


def firehose(n: int, campaign_every: int, work: Path) -> tuple[list[bytes], Path, int]:
    """``n`` frames (see the module), the campaign file, and how many frames are posts."""
    real = [line for line in REAL.read_bytes().splitlines()
            if line.strip() and (b'"kind":"commit"' not in line or any(w in line for w in WANTED))]
    simulate(max(1000, n // campaign_every), fmt="bluesky-jetstream", seed=1,
             out=work / "campaign.jsonl")
    planted = [line for line in (work / "campaign.jsonl").read_bytes().splitlines()
               if line.strip()]
    rng = np.random.default_rng(0)
    authors = [f"did:plc:{''.join(rng.choice(list(_B32), 24))}".encode() for _ in range(20_000)]
    frames, posts, t = [], 0, 1_780_000_000_000_000
    for i in range(n):
        t += 20
        if i % campaign_every == 0:
            frame = planted[(i // campaign_every) % len(planted)]
        else:
            template = real[i % len(real)]
            did = orjson.loads(template)["did"].encode()
            frame = template.replace(did, authors[i % len(authors)])
            frame = _RKEY.sub(b'"rkey":"' + _tid(i) + b'"', frame, count=1)
        frame = _TIME.sub(b'"time_us":%d' % t, frame, count=1)
        posts += b'"collection":"app.bsky.feed.post","rkey"' in frame \
            and b'"operation":"create"' in frame
        frames.append(frame)
    return frames, work / "campaign.campaign.toml", posts


def _tid(i: int) -> bytes:
    value, out = 0x3000000000000 + i * 1024, []
    for _ in range(13):
        out.append(_B32[value & 31])
        value >>= 5
    return "".join(reversed(out)).encode()


def serve(frames: list[bytes], port: multiprocessing.Queue, core: int | None) -> None:
    """The server process: one connection, every frame as fast as it can, then close."""
    from websockets.sync.server import serve as ws_serve

    if core is not None:
        os.sched_setaffinity(0, {core})

    def handler(conn) -> None:
        send = conn.send
        for frame in frames:
            send(frame, text=True)
        conn.close(1000)

    with ws_serve(handler, "127.0.0.1", 0, compression=None) as server:
        port.put(server.socket.getsockname()[1])
        server.serve_forever()


def measure_watch(frames: list[bytes], campaign: Path, posts: int, work: Path) -> dict:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    client_core = cores[0] if cores else None
    server_core = cores[1] if len(cores) > 1 else None
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(frames, ports, server_core), daemon=True)
    server.start()
    port = ports.get(timeout=60)
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    summary = watch_bluesky(work / "watch.duckdb", campaign,
                            endpoint=f"ws://127.0.0.1:{port}/subscribe", exit_when_closed=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    server.terminate()
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    assert summary.events == len(frames), (summary.events, len(frames))
    return {"events": summary.events, "kept": summary.kept, "commits": summary.commits,
            "posts": posts, "wall": wall, "cpu": cpu, "events_per_s": summary.events / wall,
            "posts_per_s": posts / wall, "pinned": client_core is not None}


def measure_known(n: int) -> dict:
    """Loading ``n`` kept posts' at-uris (Arrow strings, as the store hands them over)."""
    numbers = pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string())
    uris = pc.binary_join_element_wise("at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed"
                                       ".post/3m", numbers, "")
    chunks = [uris.slice(i, 100_000) for i in range(0, n, 100_000)]
    started = time.perf_counter()
    found = KnownSet.from_chunks(chunks)
    seconds = time.perf_counter() - started
    probe = [f"at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3m{i}"
             for i in range(0, n, max(1, n // 100_000))]
    started = time.perf_counter()
    assert all(uri in found for uri in probe)
    lookup = (time.perf_counter() - started) / len(probe)
    return {"known": n, "load_s": seconds, "mib": found.nbytes / 2**20, "lookup_us": lookup * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--campaign-every", type=int, default=100,
                        help="one event in N is the campaign's (default: 1 %%)")
    parser.add_argument("--known", type=int, default=10_000_000,
                        help="kept posts to load at start (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        frames, campaign, posts = firehose(args.events, args.campaign_every, work)
        size = sum(map(len, frames)) / len(frames)
        print(f"stream: {len(frames):,} events ({posts:,} post creates), {size:,.0f} bytes "
              f"an event, 1 in {args.campaign_every} the campaign's", flush=True)
        found = measure_watch(frames, campaign, posts, work)
    ratio = found["posts_per_s"] / PEAK_POSTS_PER_SECOND
    capacity = found["posts"] / found["cpu"] / PEAK_POSTS_PER_SECOND
    print(f"watch bluesky: {found['events_per_s']:,.0f} events/s ({found['posts_per_s']:,.0f} "
          f"posts/s) over {found['wall']:.2f} s wall; {found['cpu']:.2f} CPU-s, "
          f"{found['events'] / found['cpu']:,.0f} events a CPU-second"
          f"{' (pinned to one core)' if found['pinned'] else ''}; kept {found['kept']:,}, "
          f"{found['commits']} commits")
    print(f"today's peak: {PEAK_POSTS_PER_SECOND:.0f} posts/s -> {ratio:,.0f}x over the wall "
          f"time, {capacity:,.0f}x per CPU-second of the client "
          f"({'meets' if min(ratio, capacity) >= 20 else 'MISSES'} issue 24's 20x)")
    if args.known:
        loaded = measure_known(args.known)
        print(f"kept set at start: {loaded['known']:,} posts loaded in {loaded['load_s']:.2f} s, "
              f"{loaded['mib']:.0f} MiB, {loaded['lookup_us']:.1f} µs a lookup")


if __name__ == "__main__":
    main()
