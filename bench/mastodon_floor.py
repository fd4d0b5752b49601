"""What a Mastodon ingest cannot avoid, in CPU seconds: a lower-bound measurement for issue 22,
not an ingest.

Issue 22 asks that an ingest take at most 2x the floor (``bench/floor.py --workers 2``: orjson
decodes every line, twice for a stream message, and counts posts and tags). Any Mastodon ingest
must also turn each status's HTML ``content`` into text with a real HTML parser, and write its
rows. This script times, in each of N processes over N byte ranges of the file cut at newlines
(as ``bench/floor.py`` does), in CPU seconds of each process summed over the processes:

- ``decode``: the floor's own loop over the range (``floor.read_range``);
- ``collect``: the same decode, keeping each status (and the boosted status under ``reblog``)
  once per ``uri`` within the process;
- ``parse``: ``LexborHTMLParser(content)`` for each distinct status whose content is HTML;
- ``parse+text_lexbor``: that and Lexbor's own C text of the document (``text_lexbor()``:
  words as written, but no separator between blocks);
- ``parse+text(sep)``: that and selectolax's text walk with a separator (``text(separator=
  "\\n")``: a newline between every two text nodes, ``#`` cut from its tag's name);
- ``ours``: ``groundswell.sources.mastodon.content.text_and_tag_text``, which the Mastodon
  source calls for every status, over each distinct status's content.

With W the CPU of the least store write (``bench/write_floor.py``), an ingest on two cores takes
at least (F + H + W) / 2 seconds of wall, F the floor's CPU and H the HTML's (``parse`` at the
least); against 2x the floor's wall, docs/benchmarks.md.

Usage:  .venv/bin/python bench/mastodon_floor.py FILE.jsonl [--workers 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import orjson
from selectolax.lexbor import LexborHTMLParser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402  (bench/floor.py: the floor's own loop and line ranges)

from groundswell.sources.mastodon.content import text_and_tag_text  # noqa: E402

PHASES = ("decode", "collect", "parse", "parse+text_lexbor", "parse+text(sep)", "ours")


def collect(path: str, start: int, end: int) -> tuple[int, dict[str, str]]:
    """Statuses in the lines starting in ``[start, end)``, and the content of each ``uri``
    (the first met), decoding as the floor does (its own loop, ``floor.scan_range``)."""
    contents: dict[str, str] = {}
    return floor.scan_range(path, start, end, _keep, contents), contents


def _keep(obj: object, contents: dict[str, str]) -> int:
    """The statuses of one decoded line (a stream message, a page, a status), each ``uri``'s
    content kept the first time it is met."""
    if isinstance(obj, list):
        found = obj
    elif isinstance(obj, dict) and isinstance(obj.get("event"), str):
        if obj["event"] not in ("update", "status.update"):
            return 0
        try:
            found = [orjson.loads(obj.get("payload") or b"")]
        except orjson.JSONDecodeError:
            return 0
    elif isinstance(obj, dict) and "uri" in obj and "account" in obj:
        found = [obj]
    else:
        return 0
    statuses = 0
    while found:
        status = found.pop()
        if not isinstance(status, dict):
            continue
        statuses += 1
        uri, content = status.get("uri"), status.get("content")
        if isinstance(uri, str) and uri not in contents:
            contents[uri] = content if isinstance(content, str) else ""
        if isinstance(status.get("reblog"), dict):
            found.append(status["reblog"])
    return statuses


def _parse(html: list[str]) -> None:
    for content in html:
        LexborHTMLParser(content)


def _text_lexbor(html: list[str]) -> None:
    for content in html:
        LexborHTMLParser(content).root.text_lexbor()


def _text_sep(html: list[str]) -> None:
    for content in html:
        LexborHTMLParser(content).root.text(separator="\n")


def _ours(contents: list[str]) -> None:
    for content in contents:
        text_and_tag_text(content)


def _timed(times: dict, barrier, phase: str, fn, *args):
    """``fn(*args)`` once every worker is ready, its CPU seconds and wall span in ``times``."""
    barrier.wait()
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn(*args)
    times[phase] = (time.process_time() - cpu, wall, time.perf_counter())
    return result


def worker(path: str, start: int, end: int, rounds: int, barrier, out) -> None:
    """Every phase, ``rounds`` times, in step with the other workers (a barrier before each
    phase); puts per round and phase (CPU s, wall start, wall end), and the counts."""
    timings: list[dict[str, tuple[float, float, float]]] = []
    counts: dict[str, int] = {}
    for _ in range(rounds):
        times: dict[str, tuple[float, float, float]] = {}
        posts = _timed(times, barrier, "decode", floor.read_range, path, start, end)[0]
        statuses, by_uri = _timed(times, barrier, "collect", collect, path, start, end)
        contents = list(by_uri.values())
        html = [c for c in contents if "<" in c]
        del by_uri
        _timed(times, barrier, "parse", _parse, html)
        _timed(times, barrier, "parse+text_lexbor", _text_lexbor, html)
        _timed(times, barrier, "parse+text(sep)", _text_sep, html)
        _timed(times, barrier, "ours", _ours, contents)
        timings.append(times)
        counts = {"floor posts": posts, "statuses": statuses, "distinct statuses": len(contents),
                  "distinct with HTML": len(html), "distinct content strings": len(set(contents)),
                  "HTML chars": sum(map(len, html))}
    counts["peak RSS MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out.put((timings, counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = os.path.getsize(args.path)
    cuts = [size * i // args.workers for i in range(args.workers + 1)]
    barrier, out = mp.Barrier(args.workers), mp.Queue()
    procs = [mp.Process(target=worker, args=(args.path, cuts[i], cuts[i + 1], args.rounds,
                                             barrier, out)) for i in range(args.workers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    counts = {key: sum(c[key] for _, c in results) for key in results[0][1]}
    print(f"{args.path}: {args.workers} processes, {args.rounds} rounds; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for key, value in counts.items():
        print(f"{key:>26}: {value:>13,}" + (" (summed over processes)" if "MiB" in key else ""))
    print("(distinct: within each process; a status met in both ranges counts twice)")
    print(f"{'phase':>18}  {'CPU s (median, range; summed over processes)':>44}  "
          f"{'wall s (median, range)':>24}  {'CPU µs a status':>16}")
    per_status = {"decode": counts["distinct statuses"], "collect": counts["distinct statuses"],
                  "ours": counts["distinct statuses"]}
    for phase in PHASES:
        cpu = [sum(t[r][phase][0] for t, _ in results) for r in range(args.rounds)]
        wall = [max(t[r][phase][2] for t, _ in results) - min(t[r][phase][1] for t, _ in results)
                for r in range(args.rounds)]
        n = per_status.get(phase, counts["distinct with HTML"])
        print(f"{phase:>18}  {statistics.median(cpu):>20.2f} ({min(cpu):.2f}–{max(cpu):.2f})"
              f"{'':>12}  {statistics.median(wall):>10.2f} ({min(wall):.2f}–{max(wall):.2f})"
              f"  {statistics.median(cpu) / max(n, 1) * 1e6:>16.2f}")


if __name__ == "__main__":
    main()
