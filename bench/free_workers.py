"""The ingest's bound if parsing cost nothing: how fast the parent alone can store a file.

Usage:  .venv/bin/python bench/free_workers.py FILE [--rounds N] [--uncompressed]

Why: the ingest runs parsing workers on one side and the parent (receiving their tables,
DuckDB writing and compressing them, the sweep and the fold) on the other, both cores busy. To
know which side a faster ingest must shrink, this takes the workers' cost away and times the
rest. It first parses every chunk of FILE exactly as ``groundswell ingest``'s workers do
(``parallel.parse_chunk``) and pickles each result into a temporary folder (about 43 % of the
file's size). Then, alternating for ``--rounds`` rounds, it times into fresh stores:

* ``groundswell ingest`` as shipped (``Store.ingest``, workers included), and
* the same call with the workers' results read back from those pickles instead, in file order:
  what the parent does when a worker's result arrives, without waiting for one.

Each line gives wall time, the process's CPU (system included), its minor page faults and the
store's size; children's CPU is not counted. ``--uncompressed`` runs DuckDB's
``SET force_compression='uncompressed'`` on each store's connection first: what compression
costs the writer (docs/benchmarks.md, "The ingest without its workers").
"""

from __future__ import annotations

import argparse
import pickle
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from groundswell import Store
from groundswell.ingest import parallel
from groundswell.ingest.batch import ParsedBatch
from groundswell.ingest.lines import InputFile


def prepare(path: str, folder: Path) -> list[Path]:
    """Parse every chunk as the workers would, one pickle per chunk, in file order."""
    source = InputFile.from_arg(path)
    chunk = parallel.chunk_for(source, parallel.default_workers())
    files = []
    for number, (start, end) in enumerate(parallel.plan(path, source.size or 0, chunk)):
        parsed = parallel.parse_chunk(path, source.name, start, end)
        files.append(folder / f"{number:05d}.pickle")
        files[-1].write_bytes(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    return files


def replay(files: list[Path]) -> Callable[..., Iterator[ParsedBatch]]:
    """A stand-in for ``parallel.parsed_chunks`` that unpickles the prepared chunks."""
    def parsed_chunks(source, workers, chunk, on_bytes=None, server=None) -> Iterator[ParsedBatch]:
        offset = 0
        for file in files:
            parsed = pickle.loads(file.read_bytes())
            yield parsed.shifted(offset)
            offset += parsed.lines
    return parsed_chunks


def timed_ingest(path: str, db: Path, setting: str | None) -> str:
    store = Store(db)
    try:
        if setting:
            store.con.execute(setting)
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = store.ingest([path])
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        store.close()
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return (f"{wall:6.2f} s wall, {cpu:6.2f} CPU-s in this process, "
            f"{after.ru_minflt - before.ru_minflt:>9,} minor faults, "
            f"{summary.posts_added:,} posts, {db.stat().st_size / 2**20:.0f} MiB store")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--uncompressed", action="store_true",
                        help="SET force_compression='uncompressed' on each store first")
    args = parser.parse_args()
    setting = "SET force_compression='uncompressed'" if args.uncompressed else None
    shipped = parallel.parsed_chunks
    with tempfile.TemporaryDirectory(prefix="free-workers-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = prepare(args.file, folder)
        print(f"parsed {len(files)} chunks in one process: {time.perf_counter() - started:.2f} s",
              flush=True)
        for round_ in range(1, args.rounds + 1):
            for label, chunks in (("ingest as shipped", shipped), ("workers free", replay(files))):
                parallel.parsed_chunks = chunks
                try:
                    line = timed_ingest(args.file, folder / f"{round_}-{len(label)}.duckdb",
                                        setting)
                finally:
                    parallel.parsed_chunks = shipped
                print(f"round {round_}  {label:18s} {line}", flush=True)


if __name__ == "__main__":
    main()
