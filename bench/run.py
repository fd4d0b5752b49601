"""Benchmarks: our ingest and report against peers measured in the same run.

Usage:  make bench                      (100k and 1M posts, both formats)
        .venv/bin/python bench/run.py --sizes 100000,1000000,10000000 --write-docs

Peers run from the bench venv (.bench-venv: twarc, twarc-csv, twarc-hashtags; they read only
Twitter v2 data): `twarc2 csv`, `twarc2 hashtags`. Floors: a bare orjson loop counting hashtags
(bench/floor.py), DuckDB's read_json + unnest over the same file, and for the report a bare
count-distinct scan of the store. Every command is timed as a separate process; its memory is
the peak proportional set size (PSS) of its whole process tree, sampled ten times a second, so
our worker processes count. Ratios are printed and, with --write-docs, written to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
GS = str(ROOT / ".venv" / "bin" / "groundswell")
TWARC = str(ROOT / ".bench-venv" / "bin" / "twarc2")
DUCKDB_V2 = """
import duckdb, sys
con = duckdb.connect()
print(con.execute('''
  WITH pages AS (SELECT unnest(data) AS t FROM read_json(?, format='newline_delimited',
       ignore_errors=true, maximum_object_size=1000000000, columns={'data': 'JSON[]'}))
  SELECT count(*) FROM pages''', [sys.argv[1]]).fetchall())
"""


def scan_sql(tags: tuple[str, ...] | list[str]) -> str:
    """The bare scan the report is compared with: posts carrying any of ``tags``, and their
    distinct accounts (also ``bench/report_questions.py``'s yardstick)."""
    listed = ", ".join(f"'{t}'" for t in tags)
    return ("SELECT count(*), count(DISTINCT p.author_id) FROM posts p SEMI JOIN post_hashtags h"
            " ON p.platform = h.platform AND p.post_id = h.post_id"
            f" AND h.tag IN ({listed})")


BENCH_TAGS = ("metoo", "balancetonporc", "yotambien", "quellavoltache")
SCAN = f"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute({scan_sql(BENCH_TAGS)!r}).fetchall())
"""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(
                        int(entry))
            except OSError:
                pass
    return kids


def _tree(pid: int) -> list[int]:
    kids, tree = _children(), [pid]
    for p in tree:
        tree.extend(kids.get(p, ()))
    return tree


def _tree_pss_kib(tree: list[int]) -> int:
    """Proportional set size of processes (KiB): a process and its workers all count, and
    pages they share are not counted twice."""
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total


def timed(cmd: list[str], env: dict | None = None, timeout: float = 3 * 3600) -> dict:
    """Wall seconds and peak memory (MiB, PSS of the whole process tree, sampled 5×/s; the
    tree is re-read once a second, since walking /proc is what costs)."""
    with tempfile.TemporaryFile() as errors:  # not a pipe: progress bars would fill it
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        peak, tree, samples = 0, [proc.pid], 0
        while proc.poll() is None:
            if samples % 5 == 0:
                tree = _tree(proc.pid)
            samples += 1
            peak = max(peak, _tree_pss_kib(tree))
            if time.perf_counter() - started > timeout:
                proc.kill()
            time.sleep(0.2)
        wall = time.perf_counter() - started
        errors.seek(0)
        err = errors.read().decode(errors="replace")
    result = {"seconds": round(wall, 2), "rss_mib": round(peak / 1024)}
    if proc.returncode:
        result = {"seconds": None, "rss_mib": None, "error": err.strip()[-300:]}
    what = " ".join(Path(c).name if c.startswith("/") else c[:20] for c in cmd[:3])
    print(f"  {what}: {result}", file=sys.stderr, flush=True)  # as it happens: runs are long
    return result


def clean_copy(src: Path, dst: Path) -> None:
    """Peers crash on the planted malformed lines; give them only valid JSON lines."""
    import orjson

    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for line in fin:
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            fout.write(line)


KEEP_UP_TO = 1_000_000  # larger simulated files are deleted once measured
#: Disk taken per simulated post (the 10M files: 17.2 GB of twarc2 pages, 32.8 GB of v1.1
#: statuses) and per stored post (1.28 GB for 10M), to check the disk before writing.
BYTES_PER_POST = {"twitter-v2": 1_730, "twitter-v1": 3_290}
STORE_BYTES_PER_POST = 130


def ensure_space(work: Path, need: int, what: str) -> None:
    """Stop with one line before writing ``what`` if the disk cannot hold it (1 GiB to
    spare): a 10M-post run otherwise dies of a full disk half an hour in."""
    free = shutil.disk_usage(work).free
    if free < need + 2**30:
        raise SystemExit(f"bench: {what} needs about {need / 2**30:.1f} GiB, and {work} has "
                         f"{free / 2**30:.1f} GiB free")


SEGMENT = 1_000_000  # larger corpora are campaigns of this size, one a month, end to end
SEGMENT_CODE = """
import sys
from datetime import datetime, timedelta, UTC
from groundswell.simulate import simulate
i = int(sys.argv[3])
simulate({n}, fmt=sys.argv[1], seed=i + 1, out=sys.argv[2],
         start=datetime(2017, 10, 15, 20, 21, tzinfo=UTC) + timedelta(days=30 * i))
"""


def simulate_file(n: int, fmt: str, data: Path) -> None:
    """Up to a million posts: one simulated campaign. Beyond: a month-by-month archive of
    million-post campaigns (other seeds, so other accounts; other months, so other ids),
    because the simulator holds one campaign in memory (about 2.5 GB per million posts)."""
    if n <= SEGMENT:
        subprocess.run([GS, "simulate", "--posts", str(n), "--format", fmt, "--seed", "1",
                        "-o", str(data)], check=True, capture_output=True)
        return
    with open(data, "wb") as out:
        for i in range(n // SEGMENT):
            part = data.with_name(f"{data.stem}.part.jsonl")
            subprocess.run([PY, "-c", SEGMENT_CODE.format(n=SEGMENT), fmt, str(part), str(i)],
                           check=True, capture_output=True)
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, out, 16 * 2**20)
            truth = part.with_name(f"{data.stem}.part.truth.json")
            if i == 0:  # the campaign definition (tags, variants, origin) of the first month
                truth.replace(data.with_suffix(".truth.json"))
            part.unlink()
            truth.unlink(missing_ok=True)


def bench_size(n: int, fmt: str, work: Path, peers: bool = True) -> dict:
    data = work / f"{fmt}-{n}.jsonl"
    if not data.exists():
        ensure_space(work, n * (BYTES_PER_POST[fmt] + STORE_BYTES_PER_POST),
                     f"a {n:,}-post {fmt} corpus and its store")
        simulate_file(n, fmt, data)
        os.sync()  # gigabytes just written: their writeback must not overlap a timed command
    db = work / f"{fmt}-{n}.duckdb"
    db.unlink(missing_ok=True)
    row: dict = {"posts": n, "format": fmt, "file_mib": round(data.stat().st_size / 2**20)}
    row["ours_ingest"] = timed([GS, "ingest", "--db", str(db), str(data)])
    row["floor_orjson"] = timed([PY, str(ROOT / "bench" / "floor.py"), str(data)])
    truth = json.loads(data.with_suffix(".truth.json").read_text())
    campaign = work / "bench.toml"
    campaign.write_text(
        'name = "bench"\n[tags]\nmain = "metoo"\nresponse = ["ibelieveyou"]\n'
        + "".join(f'[[tags.variants]]\ntag = "{t}"\nlang = "{lang}"\n'
                  for t, lang in truth["campaign"]["variants"].items())
        + '[phrases]\nmatch = ["me too"]\n[origin]\npost_ids = '
        + json.dumps(truth["campaign"]["origin_post_ids"]) + "\n")
    row["ours_report"] = timed([GS, "report", "--db", str(db), "--campaign", str(campaign),
                                "--json"])
    row["floor_scan"] = timed([PY, "-c", SCAN, str(db)])
    if fmt == "twitter-v2":
        clean = work / f"{fmt}-{n}.clean.jsonl"
        env = dict(os.environ, BEARER_TOKEN=os.environ.get("BEARER_TOKEN", "bench"))
        if peers and Path(TWARC).exists():
            if not clean.exists():  # for the peers only: 17 GB at 10M
                ensure_space(work, data.stat().st_size, "the peers' clean copy")
                clean_copy(data, clean)
            row["twarc_csv"] = timed([TWARC, "csv", str(clean), os.devnull], env)
            (work / "tags.db").unlink(missing_ok=True)
            row["twarc_hashtags"] = timed([TWARC, "hashtags", "--db", str(work / "tags.db"),
                                           str(clean), str(work / "tags.csv")], env)
        row["duckdb_read_json"] = timed([PY, "-c", DUCKDB_V2, str(data)], timeout=1800)
        if n > KEEP_UP_TO:
            clean.unlink(missing_ok=True)
    db.unlink(missing_ok=True)
    Path(f"{db}.wal").unlink(missing_ok=True)
    if n > KEEP_UP_TO:  # 10M posts are 17 GB (v2) and 33 GB (v1): one at a time on disk
        data.unlink(missing_ok=True)
    return row


def ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not a.get("seconds") or not b.get("seconds"):
        return "—"
    return f"{b['seconds'] / a['seconds']:.2f}×"


def table(rows: list[dict]) -> str:
    lines = [
        "| posts | format | file | ours: ingest s (peak MiB) | orjson floor s | "
        "twarc2 csv s (peak MiB) | twarc2 hashtags s | DuckDB read_json s (peak MiB) | "
        "ingest vs twarc-csv | ingest vs floor | ours: report s (peak MiB) | bare scan s | "
        "report vs scan |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        def cell(key: str, rss: bool = True, r: dict = r) -> str:
            v = r.get(key)
            if not v:
                return "—"
            if v.get("seconds") is None:
                return "failed"
            return f"{v['seconds']}" + (f" ({v['rss_mib']})" if rss else "")
        lines.append(
            f"| {r['posts']:,} | {r['format']} | {r['file_mib']} MiB | {cell('ours_ingest')} "
            f"| {cell('floor_orjson', False)} | {cell('twarc_csv')} "
            f"| {cell('twarc_hashtags', False)} | {cell('duckdb_read_json')} "
            f"| {ratio(r['ours_ingest'], r.get('twarc_csv'))} faster "
            f"| {ratio(r['floor_orjson'], r['ours_ingest'])} slower "
            f"| {cell('ours_report')} | {cell('floor_scan', False)} "
            f"| {ratio(r['floor_scan'], r['ours_report'])} slower |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="twitter-v2,twitter-v1")
    parser.add_argument("--work", default=str(ROOT / "bench" / "data"))
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--without-peers", action="store_true",
                        help="skip twarc2 csv and hashtags (42 min of a 10M-post run): for "
                        "measuring a change of ours against the floors")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            print(f"… {n:,} posts, {fmt}", file=sys.stderr, flush=True)
            rows.append(bench_size(n, fmt, work, peers=not args.without_peers))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = (f"Command: `{' '.join(['.venv/bin/python', 'bench/run.py', *sys.argv[1:]])}`  \n"
              f"Machine: {machine}  \nDate: {time.strftime('%Y-%m-%d')}\n\n{table(rows)}\n")
    print(report)
    if args.write_docs:
        docs = ROOT / "docs" / "benchmarks.md"
        text = docs.read_text() if docs.exists() else ""
        marker = "<!-- bench:results -->"
        head = text.split(marker)[0] if marker in text else text
        docs.write_text(f"{head}{marker}\n{report}")


if __name__ == "__main__":
    main()
