"""Benchmarks: our ingest and report against peers measured in the same run.

Usage:  make bench                      (100k and 1M posts, every corpus)
        .venv/bin/python bench/run.py --sizes 100000,1000000,10000000 --write-docs

Corpora (``--formats``): ``twitter-v2`` and ``twitter-v1``, simulated campaigns (twarc2
response pages, v1.1 statuses); ``bluesky-jetstream`` and ``mastodon``, the same campaigns as
Jetstream events and Mastodon stream messages; ``twitter-v2-real``, the real twarc2 pages of
``../shared/corpora/twarc2`` replicated with fresh ids (``bench/real_shaped.py``), which are
heavier per tweet than the simulator's. A size counts simulated posts, or for the real-shaped
corpus distinct tweets in ``data`` (the rows twarc2 csv writes; the store also keeps the
tweets of ``includes``). The report's campaign on the real-shaped corpus is its five most
frequent hashtags (main tag, three variants, one response tag); the scan counts the first four.

Peers run from the bench venv (.bench-venv: twarc, twarc-csv, twarc-hashtags; they read only
Twitter v2 data): `twarc2 csv`, `twarc2 hashtags`. Floors: a bare orjson loop counting posts and
hashtags (bench/floor.py), in one process and on every core (``--workers``, cut at newlines as
our ingest cuts a file: the floor the Bluesky and Mastodon targets are measured against),
DuckDB's read_json + unnest over the same file, and for the report a bare
count-distinct scan of the store. Every command is timed as a separate process; its memory is
the peak proportional set size (PSS) of its whole process tree, sampled five times a second, so
our worker processes count. Ratios are printed and, with --write-docs, written to
docs/benchmarks.md: the targets' table between its ``bench:standing`` markers, the run's
tables between its ``bench:results`` markers.
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

import real_shaped

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
#: The same over pages whose ``data`` may be one tweet (streaming lines, which the
#: real-shaped corpus holds and the JSON[] column above reads as errors, skipping them).
DUCKDB_V2_ANY = """
import duckdb, sys
con = duckdb.connect()
print(con.execute('''
  WITH pages AS (SELECT data FROM read_json(?, format='newline_delimited',
       ignore_errors=true, maximum_object_size=1000000000, columns={'data': 'JSON'})),
  tweets AS (SELECT unnest(CASE WHEN json_type(data) = 'ARRAY' THEN data::JSON[]
                                ELSE [data] END) AS t FROM pages WHERE data IS NOT NULL)
  SELECT count(*) FROM tweets''', [sys.argv[1]]).fetchall())
"""


def scan_sql(tags: tuple[str, ...] | list[str]) -> str:
    """The bare scan the report is compared with: posts carrying any of ``tags``, and their
    distinct accounts (also ``bench/report_questions.py``'s yardstick)."""
    listed = ", ".join(f"'{t}'" for t in tags)
    return ("SELECT count(*), count(DISTINCT p.author_id) FROM posts p SEMI JOIN post_hashtags h"
            " ON p.platform = h.platform AND p.post_id = h.post_id"
            f" AND h.tag IN ({listed})")


BENCH_TAGS = ("metoo", "balancetonporc", "yotambien", "quellavoltache")
SCAN = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute(sys.argv[2]).fetchall())
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


def timed(cmd: list[str], env: dict | None = None, timeout: float = 3 * 3600,
          label: str | None = None) -> dict:
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
    what = label or " ".join(Path(c).name if c.startswith("/") else c[:20] for c in cmd[:3])
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


REAL = "twitter-v2-real"  # real twarc2 pages replicated with fresh ids (bench/real_shaped.py)
PEERS_READ = ("twitter-v2", REAL)  # twarc2 csv and hashtags read v2 only
KEEP_UP_TO = 1_000_000  # larger corpora are deleted once measured
#: Disk taken per post of a size (the 10M files: 17.2 GB of simulated twarc2 pages, 32.8 GB
#: of v1.1 statuses; real-shaped pages 4.19 kB per tweet of data) and in the store (1.28 GB
#: for 10M simulated posts; ≈ 400 bytes per real-shaped tweet, with its includes), to check
#: the disk before writing.
BYTES_PER_POST = {"twitter-v2": 1_730, "twitter-v1": 3_290, REAL: 4_200,
                  "bluesky-jetstream": 1_000, "mastodon": 4_500}
STORE_BYTES_PER_POST = {"twitter-v2": 130, "twitter-v1": 130, REAL: 400,
                        "bluesky-jetstream": 250, "mastodon": 250}
#: The platform of each simulated format, for the campaign's origin (Twitter's by default).
PLATFORM_OF = {"bluesky-jetstream": "bluesky", "mastodon": "mastodon"}


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


def make_corpus(n: int, fmt: str, data: Path) -> None:
    """Write the corpus of ``n`` posts (real-shaped: ``n`` tweets in data) to ``data``."""
    if fmt == REAL:
        part = data.with_name(f"{data.name}.part")  # never a half-written corpus under its name
        with open(part, "wb", buffering=4 * 2**20) as out:
            written = real_shaped.write(n, out)
        part.replace(data)
        print(f"  {data.name}: {written}", file=sys.stderr, flush=True)
    else:
        simulate_file(n, fmt, data)


def campaign_of(fmt: str, data: Path, work: Path) -> tuple[Path, tuple[str, ...]]:
    """The report's campaign file for a corpus, and the tags the bare scan counts."""
    if fmt == REAL:
        main, *variants, response = real_shaped.top_hashtags(5)
        campaign = work / "bench-real.toml"
        campaign.write_text(
            f'name = "bench-real"\n[tags]\nmain = "{main}"\nresponse = ["{response}"]\n'
            + "".join(f'[[tags.variants]]\ntag = "{t}"\n' for t in variants))
        return campaign, (main, *variants)
    truth = json.loads(data.with_suffix(".truth.json").read_text())
    campaign = work / "bench.toml"
    campaign.write_text(
        'name = "bench"\n[tags]\nmain = "metoo"\nresponse = ["ibelieveyou"]\n'
        + "".join(f'[[tags.variants]]\ntag = "{t}"\nlang = "{lang}"\n'
                  for t, lang in truth["campaign"]["variants"].items())
        + '[phrases]\nmatch = ["me too"]\n[origin]\n'
        + f'platform = "{PLATFORM_OF.get(fmt, "twitter")}"\npost_ids = '
        + json.dumps(truth["campaign"]["origin_post_ids"]) + "\n")
    return campaign, BENCH_TAGS


def server_of(fmt: str, data: Path) -> list[str]:
    """``--server HOST`` for a Mastodon corpus (the server its statuses' ids are of)."""
    if fmt != "mastodon":
        return []
    return ["--server", json.loads(data.with_suffix(".truth.json").read_text())["server"]]


def bench_size(n: int, fmt: str, work: Path, peers: bool = True) -> dict:
    data = work / f"{fmt}-{n}.jsonl"
    if not data.exists():
        ensure_space(work, n * (BYTES_PER_POST[fmt] + STORE_BYTES_PER_POST[fmt]),
                     f"a {n:,}-post {fmt} corpus and its store")
        make_corpus(n, fmt, data)
        os.sync()  # gigabytes just written: their writeback must not overlap a timed command
    db = work / f"{fmt}-{n}.duckdb"
    db.unlink(missing_ok=True)
    row: dict = {"posts": n, "format": fmt, "file_mib": round(data.stat().st_size / 2**20)}
    server = server_of(fmt, data)
    row["ours_ingest"] = timed([GS, "ingest", "--db", str(db), *server, str(data)])
    row["floor_orjson"] = timed([PY, str(ROOT / "bench" / "floor.py"), str(data)])
    row["floor_cores"] = timed([PY, str(ROOT / "bench" / "floor.py"), "--workers",
                                str(os.cpu_count() or 1), str(data)], label="floor, all cores")
    campaign, tags = campaign_of(fmt, data, work)
    row["ours_report"] = timed([GS, "report", "--db", str(db), "--campaign", str(campaign),
                                "--json"])
    row["floor_scan"] = timed([PY, "-c", SCAN, str(db), scan_sql(tags)], label="bare scan")
    if fmt in PEERS_READ:
        # the simulator plants malformed lines, on which the peers crash; real-shaped has none
        clean = work / f"{fmt}-{n}.clean.jsonl" if fmt == "twitter-v2" else data
        env = dict(os.environ, BEARER_TOKEN=os.environ.get("BEARER_TOKEN", "bench"))
        if peers and Path(TWARC).exists():
            if not clean.exists():  # for the peers only: 17 GB at 10M
                ensure_space(work, data.stat().st_size, "the peers' clean copy")
                clean_copy(data, clean)
            row["twarc_csv"] = timed([TWARC, "csv", str(clean), os.devnull], env)
            (work / "tags.db").unlink(missing_ok=True)
            row["twarc_hashtags"] = timed([TWARC, "hashtags", "--db", str(work / "tags.db"),
                                           str(clean), str(work / "tags.csv")], env)
        row["duckdb_read_json"] = timed([PY, "-c", DUCKDB_V2_ANY if fmt == REAL else DUCKDB_V2,
                                         str(data)], timeout=1800, label="DuckDB read_json")
        if n > KEEP_UP_TO and clean != data:
            clean.unlink(missing_ok=True)
    db.unlink(missing_ok=True)
    Path(f"{db}.wal").unlink(missing_ok=True)
    if n > KEEP_UP_TO:  # 10M posts are 17 GB (v2), 33 GB (v1), 42 GB (real): one at a time
        data.unlink(missing_ok=True)
    return row


def seconds(entry: dict | None) -> float | None:
    return entry.get("seconds") if entry else None


def ratio(a: dict | None, b: dict | None) -> str:
    if not seconds(a) or not seconds(b):
        return "—"
    return f"{b['seconds'] / a['seconds']:.2f}×"  # type: ignore[index]


def table(rows: list[dict]) -> str:
    lines = [
        "| posts | format | file | ours: ingest s (peak MiB) | orjson floor s | "
        "floor, all cores s | "
        "twarc2 csv s (peak MiB) | twarc2 hashtags s | DuckDB read_json s (peak MiB) | "
        "ingest vs twarc-csv | ingest vs floor | ours: report s (peak MiB) | bare scan s | "
        "report vs scan |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
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
            f"| {cell('floor_orjson', False)} | {cell('floor_cores', False)} "
            f"| {cell('twarc_csv')} "
            f"| {cell('twarc_hashtags', False)} | {cell('duckdb_read_json')} "
            f"| {ratio(r['ours_ingest'], r.get('twarc_csv'))} faster "
            f"| {ratio(r['floor_orjson'], r['ours_ingest'])} slower "
            f"({ratio(r.get('floor_cores'), r['ours_ingest'])} all cores) "
            f"| {cell('ours_report')} | {cell('floor_scan', False)} "
            f"| {ratio(r['floor_scan'], r['ours_report'])} slower |")
    return "\n".join(lines)


RATES = (("ours_ingest", "ours: ingest"), ("floor_orjson", "orjson floor"),
         ("floor_cores", "floor, all cores"),
         ("twarc_csv", "twarc2 csv"), ("twarc_hashtags", "twarc2 hashtags"),
         ("duckdb_read_json", "DuckDB read_json"))


def rates(rows: list[dict]) -> str:
    """Posts (real-shaped: tweets of data) per second of each reader: how much heavier one
    corpus's pages are than another's, for each of them."""
    lines = ["| posts | format | " + " | ".join(f"{name} /s" for _, name in RATES) + " |",
             "|---|---|" + "---|" * len(RATES)]
    for r in rows:
        cells = [f"{r['posts'] / s:,.0f}" if (s := seconds(r.get(key))) else "—"
                 for key, _ in RATES]
        lines.append(f"| {r['posts']:,} | {r['format']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: The issue's targets (#6; the owner's decisions on them, #21, are in docs/benchmarks.md):
#: name, a row's figure (or None), the bound, whether higher is better, the figure's unit.
TARGETS = (
    ("ingest ≥ 20× twarc2 csv's throughput",
     lambda r: _div(r.get("twarc_csv"), r["ours_ingest"]), 20.0, True, "×"),
    ("ingest within 2× of the orjson floor (Bluesky, Mastodon: the floor on all cores, #22)",
     lambda r: _div(r["ours_ingest"], r.get("floor_cores") if r["format"] in PLATFORM_OF
                    else r["floor_orjson"]), 2.0, False, "×"),
    ("peak memory ≤ 1 GiB, whatever the size",
     lambda r: (r["ours_ingest"] or {}).get("rss_mib"), 1024, False, " MiB"),
    ("report within 3× of the bare scan",
     lambda r: _div(r["ours_report"], r["floor_scan"]), 3.0, False, "×"),
)
STANDING_COLUMNS = (("twitter-v2", "twarc2 pages, simulated"),
                    (REAL, "twarc2 pages, real-shaped"),
                    ("twitter-v1", "v1.1 statuses, simulated"),
                    ("bluesky-jetstream", "Bluesky Jetstream, simulated"),
                    ("mastodon", "Mastodon stream, simulated"))


def _div(a: dict | None, b: dict | None) -> float | None:
    return a["seconds"] / b["seconds"] if seconds(a) and seconds(b) else None  # type: ignore


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def standing(rows: list[dict]) -> str:
    """One line per target: the figure of each corpus at the run's sizes of 1M and more (the
    largest alone if none), ✓ where the target is met, and at which sizes it is met."""
    lines = ["| target | " + " | ".join(name for _, name in STANDING_COLUMNS) + " | met? |",
             "|---|" + "---|" * len(STANDING_COLUMNS) + "---|"]
    for name, measure, bound, higher, unit in TARGETS:
        cells, verdicts = [], {}  # size → met in every corpus
        for fmt, _ in STANDING_COLUMNS:
            mine = sorted((r for r in rows if r["format"] == fmt), key=lambda r: -r["posts"])
            shown = [r for r in mine if r["posts"] >= 1_000_000] or mine[:1]
            figures = []
            for r in shown:
                value = measure(r)
                if value is None:
                    continue
                met = value >= bound if higher else value <= bound
                verdicts[r["posts"]] = verdicts.get(r["posts"], True) and met
                text = f"{value:.2f}{unit}" if unit == "×" else f"{value}{unit}"
                figures.append(f"{text} ({_size(r['posts'])}) {'✓' if met else '✗'}")
            cells.append(", ".join(figures) or ("not measured in this run" if not mine
                                                else "—"))
        met = [_size(n) for n, ok in sorted(verdicts.items(), reverse=True) if ok]
        missed = [_size(n) for n, ok in sorted(verdicts.items(), reverse=True) if not ok]
        verdict = ("met" if not missed else "not met" if not met else
                   f"met at {', '.join(met)}; not at {', '.join(missed)}")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{verdict}** |")
    return "\n".join(lines)


RESULTS, RESULTS_END = "<!-- bench:results -->", "<!-- bench:results-end -->"
STANDING, STANDING_END = "<!-- bench:standing -->", "<!-- bench:standing-end -->"


def replace_between(text: str, start: str, end: str, body: str) -> str:
    """``text`` with what lies between the markers ``start`` and ``end`` replaced by
    ``body``. Without ``end`` (docs written before it existed), everything after ``start``
    is replaced; without ``start``, the block is appended."""
    block = f"{start}\n{body}\n{end}"
    if start not in text:
        return f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"{block}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else "\n"
    return f"{head}{block}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats",
                        default=f"twitter-v2,{REAL},twitter-v1,bluesky-jetstream,mastodon",
                        help="corpora: twitter-v2, twitter-v1, bluesky-jetstream, mastodon "
                        "(simulated), "
                        f"{REAL} (real twarc2 pages replicated: bench/real_shaped.py)")
    parser.add_argument("--work", default=str(ROOT / "bench" / "data"))
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--without-peers", action="store_true",
                        help="skip twarc2 csv and hashtags (42 min of a 10M-post run): for "
                        "measuring a change of ours against the floors")
    args = parser.parse_args()
    formats = args.formats.split(",")
    unknown = set(formats) - set(BYTES_PER_POST)
    if unknown:
        parser.error(f"unknown format(s) {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(BYTES_PER_POST)}")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in formats:
            print(f"… {n:,} posts, {fmt}", file=sys.stderr, flush=True)
            rows.append(bench_size(n, fmt, work, peers=not args.without_peers))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    report = (f"Command: `{command}`  \nMachine: {machine}  \nDate: {time.strftime('%Y-%m-%d')}"
              f"\n\n{table(rows)}\n\nPer second (posts; real-shaped: tweets of data):\n\n"
              f"{rates(rows)}\n")
    targets = (f"From the run below (`{command}`, {time.strftime('%Y-%m-%d')}):\n\n"
               f"{standing(rows)}")
    print(f"{targets}\n\n{report}")
    if args.write_docs:
        docs = ROOT / "docs" / "benchmarks.md"
        text = docs.read_text() if docs.exists() else ""
        text = replace_between(text, STANDING, STANDING_END, targets)
        docs.write_text(replace_between(text, RESULTS, RESULTS_END, report))


if __name__ == "__main__":
    main()
