"""Dashboard and follower latencies, with writer and reader in two processes as in production.

    .venv/bin/python bench/dashboard_latency.py --posts 200000 [--campaign] [--rounds 12]

Simulates a #MeToo-like v1.1 stream (the demo's seed), follows 90 % of it into a fresh store
(`ingest --follow` in this process), starts `groundswell serve` in a child process, then
appends the stream 200 lines at a time and times how long each append takes to show on
/api/summary. Prints the follower's commit times, the dashboard's refresh times (how long it
held the store) and how often either side found the store busy.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from campaigns import campaign_file  # bench/campaigns.py

from groundswell.ingest.follow import Follower
from groundswell.simulate import simulate

SERVER = ("import sys; from groundswell.web.app import serve; "
          "serve(sys.argv[1], port=int(sys.argv[2]), campaign=sys.argv[3] or None)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--campaign", action="store_true", help="scope the dashboard to the campaign")
    ap.add_argument("--rounds", type=int, default=12)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        truth = simulate(args.posts, fmt="twitter-v1", seed=2017, out=work / "stream.jsonl")
        campaign = campaign_file(truth, work / "metoo.toml") if args.campaign else None
        lines = (work / "stream.jsonl").read_bytes().splitlines(keepends=True)
        cut = int(len(lines) * 0.9)
        followed, db = work / "live.jsonl", work / "live.duckdb"
        followed.write_bytes(b"".join(lines[:cut]))
        commits = []
        stop = threading.Event()
        follower = Follower(db, followed, poll=1.0, stop=stop,
                            on_batch=lambda b: commits.append(b.write_seconds))
        thread = threading.Thread(target=follower.run)
        thread.start()
        while follower.summary.offset < followed.stat().st_size:
            time.sleep(0.1)
        commits.clear()
        retries_before = follower.summary.busy_retries
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port),
                                   str(campaign or "")], stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/api/"

        def get(path: str) -> dict:
            with urllib.request.urlopen(url + path, timeout=60) as response:
                return json.load(response)

        try:
            while True:
                try:
                    get("summary")
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(3)
            visible, refreshes, totals = [], [], []
            pos = cut
            for _ in range(args.rounds):
                before = get("summary")["posts"]
                started = time.monotonic()
                with open(followed, "ab") as out:
                    out.write(b"".join(lines[pos:pos + 200]))
                pos += 200
                while get("summary")["posts"] == before:
                    time.sleep(0.02)
                visible.append(time.monotonic() - started)
                health = get("health")
                refreshes.append(health["last_lock_ms"])
                totals.append(health["last_refresh_ms"])
                time.sleep(1.5)
            time.sleep(12)  # let trends settle, then refreshes that find nothing new
            idle = []
            for _ in range(5):
                get("summary")
                idle.append(get("health")["last_lock_ms"])
                time.sleep(1.2)
            health = get("health")
        finally:
            stop.set()
            thread.join()
            server.terminate()
            server.wait()
    med = statistics.median
    print(f"store: {follower.summary.posts_added - follower.summary.deleted:,} posts; "
          f"dashboard scope: {'campaign' if campaign else 'all posts'}")
    print(f"append -> on /api/summary: median {med(visible):.2f} s, max {max(visible):.2f} s "
          f"(n={len(visible)})")
    print(f"follower commit (open, write, close; incl. waits): median {med(commits) * 1000:.0f} ms,"
          f" max {max(commits) * 1000:.0f} ms (n={len(commits)}); "
          f"busy retries {follower.summary.busy_retries - retries_before}")
    print(f"dashboard refresh, store held: new data median {med(refreshes):.0f} ms, "
          f"max {max(refreshes):.0f} ms; nothing new {med(idle):.0f} ms; whole refresh "
          f"median {med(totals):.0f} ms, max {max(totals):.0f} ms")
    print(f"dashboard reads that found the store busy: {health['busy']} of "
          f"{health['busy'] + health['refreshes']}")


if __name__ == "__main__":
    main()
