"""Benchmark: ingesting the CSV `twarc2 csv` writes (issue 23), beside twarc2 csv's own time.

Usage:  BEARER_TOKEN=bench .venv/bin/python bench/tables.py --sizes 100000,1000000 [--reuse]

For each size N: the simulated twarc2 pages of ``bench/run.py`` (``twitter-v2-N.jsonl``, made
with ``groundswell simulate`` if missing; the peers read its copy without the planted
malformed lines) are turned into a CSV by the real ``twarc2 csv`` (the bench venv), and that
is timed: the peer's own time to *write* the file. Then, each as its own process, timed with
``bench/run.py``'s helper (wall seconds, peak PSS of the whole process tree):

* ours: ``groundswell ingest --db X --preset twarc-csv FILE.csv`` into a fresh store;
* the floor: a bare DuckDB scan of the same file,
  ``SELECT count(*) FROM read_csv(FILE, all_varchar=true)``.

Printed: rows, seconds, rows/s and peak MiB for each, the ratios ingest/scan and
twarc2 csv/ingest, and issue 23's targets (≥ 1M rows/s, ≤ 1 GiB peak). Rows are the CSV's data
rows (the scan's count): a simulated N-post corpus gives a little fewer (malformed lines and
duplicate tweets the simulator plants are not written by twarc2 csv). ``--reuse`` keeps an
existing CSV; twarc2 csv's time is then the one recorded when it was written (its ``.json``
beside the CSV, with the load average then). Each run also prints the load average before each
timed command: ratios only hold within one run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from run import GS, PY, ROOT, TWARC, clean_copy, ensure_space, simulate_file, timed

SCAN = """
import duckdb, sys
con = duckdb.connect()
print(con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true)", [sys.argv[1]]).fetchall())
"""
#: twarc2 csv writes ≈ 1.56 kB per simulated post (1,493 MiB for 1M; the pages are ≈ 1.7 kB).
CSV_BYTES_PER_POST = 1_600
TARGET_ROWS_PER_S = 1_000_000
TARGET_MIB = 1024


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def make_csv(n: int, work: Path, reuse: bool) -> dict:
    """The twarc2 csv file of the N-post corpus, and twarc2 csv's timing writing it."""
    csv = work / f"twarc-csv-{n}.csv"
    meta = csv.with_name(csv.name + ".json")
    if reuse and csv.exists() and meta.exists():
        recorded = json.loads(meta.read_text())
        print(f"  reusing {csv.name} (twarc2 csv timed {recorded['date']}, load "
              f"{recorded['load']})", file=sys.stderr, flush=True)
        return recorded
    data = work / f"twitter-v2-{n}.jsonl"
    if not data.exists():
        ensure_space(work, n * 1_730, f"a {n:,}-post twitter-v2 corpus")
        print(f"  simulating {data.name}", file=sys.stderr, flush=True)
        simulate_file(n, "twitter-v2", data)
    clean = work / f"twitter-v2-{n}.clean.jsonl"
    if not clean.exists():  # twarc2 csv crashes on the simulator's malformed lines
        ensure_space(work, data.stat().st_size, "the peers' clean copy")
        clean_copy(data, clean)
    ensure_space(work, n * CSV_BYTES_PER_POST, f"a {n:,}-row CSV")
    os.sync()  # a fresh corpus's writeback must not overlap the timed command
    env = dict(os.environ, BEARER_TOKEN=os.environ.get("BEARER_TOKEN", "bench"))
    part = csv.with_name(csv.name + ".part")  # never a half-written CSV under its name
    before = load()
    result = timed([TWARC, "csv", "--hide-progress", str(clean), str(part)], env,
                   label="twarc2 csv (writing it)")
    if result["seconds"] is None:
        raise SystemExit(f"bench: twarc2 csv failed: {result.get('error')}")
    part.replace(csv)
    recorded = {"twarc_csv": result, "date": time.strftime("%Y-%m-%d %H:%M"), "load": before,
                "corpus": data.name, "csv_mib": round(csv.stat().st_size / 2**20)}
    meta.write_text(json.dumps(recorded))
    return recorded


def rate(rows: int, entry: dict) -> float | None:
    return rows / entry["seconds"] if entry.get("seconds") else None


def bench_size(n: int, work: Path, reuse: bool) -> dict:
    made = make_csv(n, work, reuse)
    csv = work / f"twarc-csv-{n}.csv"
    os.sync()
    row: dict = {"posts": n, "csv_mib": round(csv.stat().st_size / 2**20),
                 "twarc_csv": made["twarc_csv"], "twarc_csv_when": made["date"],
                 "twarc_csv_load": made["load"]}
    with tempfile.TemporaryDirectory(dir=work, prefix="tables-") as tmp:
        db = Path(tmp) / "store.duckdb"
        row["ingest_load"] = load()
        row["ingest"] = timed([GS, "ingest", "--db", str(db), "--preset", "twarc-csv",
                               str(csv)], label="groundswell ingest --preset twarc-csv")
        if row["ingest"]["seconds"] is not None:
            import duckdb

            with duckdb.connect(str(db), read_only=True) as con:
                row["stored_posts"] = con.execute("SELECT count(*) FROM posts").fetchone()[0]
                row["quarantined"] = con.execute(
                    "SELECT count(*) FROM quarantine").fetchone()[0]
    row["scan_load"] = load()
    row["scan"] = timed([PY, "-c", SCAN, str(csv)], label="DuckDB read_csv scan")
    import duckdb  # the rows: the same count once more, untimed (timed() drops stdout)

    row["rows"] = duckdb.execute("SELECT count(*) FROM read_csv(?, all_varchar=true)",
                                 [str(csv)]).fetchone()[0]
    return row


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def table(rows: list[dict]) -> str:
    lines = ["| rows in CSV | CSV | what | seconds | rows/s | peak MiB |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        for key, what in (("twarc_csv", "twarc2 csv, writing it"),
                          ("ingest", "groundswell ingest --preset twarc-csv"),
                          ("scan", "DuckDB read_csv count(*) (floor)")):
            e = r[key]
            lines.append(f"| {r['rows']:,} | {r['csv_mib']:,} MiB | {what} "
                         f"| {_num(e.get('seconds'))} | {_num(rate(r['rows'], e), 0)} "
                         f"| {_num(e.get('rss_mib'), 0)} |")
    return "\n".join(lines)


def div(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "—"


def ratios(rows: list[dict]) -> str:
    lines = ["| rows in CSV | ingest / scan | twarc2 csv / ingest | ≥ 1M rows/s | ≤ 1 GiB | "
             "stored posts | quarantined |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        ing, scan, tw = r["ingest"], r["scan"], r["twarc_csv"]
        per_s = rate(r["rows"], ing)
        lines.append(
            f"| {r['rows']:,} | {div(ing.get('seconds'), scan.get('seconds'))} "
            f"| {div(tw.get('seconds'), ing.get('seconds'))} "
            f"| {'yes' if per_s and per_s >= TARGET_ROWS_PER_S else 'no'} "
            f"({_num(per_s, 0)}) "
            f"| {'yes' if ing.get('rss_mib') and ing['rss_mib'] <= TARGET_MIB else 'no'} "
            f"({_num(ing.get('rss_mib'), 0)} MiB) "
            f"| {r.get('stored_posts', '—'):,} | {r.get('quarantined', '—'):,} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="simulated posts of the twarc2 pages each CSV is written from")
    parser.add_argument("--work", default=str(ROOT / "bench" / "data"))
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing CSV (and twarc2 csv's recorded time)")
    args = parser.parse_args()
    if not Path(TWARC).exists():
        raise SystemExit(f"bench: no {TWARC} (make .bench-venv/.installed-stamp)")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"… {n:,} posts → twarc2 csv", file=sys.stderr, flush=True)
        rows.append(bench_size(n, work, args.reuse))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if rows[-1]["rows"] < n:
            print(f"  note: the {n:,}-post corpus gives {rows[-1]['rows']:,} CSV rows; "
                  "rows/s are of those", file=sys.stderr, flush=True)
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = " ".join([".venv/bin/python", "bench/tables.py", *sys.argv[1:]])
    loads = "; ".join(f"{r['rows']:,} rows: twarc2 csv {r['twarc_csv_load']} "
                      f"({r['twarc_csv_when']}), ingest {r['ingest_load']}, "
                      f"scan {r['scan_load']}" for r in rows)
    print(f"Command: `{command}`  \nMachine: {machine}  \nDate: {time.strftime('%Y-%m-%d')}  "
          f"\nLoad average (1/5/15 min) before each: {loads}\n\n{table(rows)}\n\n"
          f"{ratios(rows)}")


if __name__ == "__main__":
    main()
