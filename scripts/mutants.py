"""Hand-picked mutants of the rules the reports rest on: does the test suite notice each one?

Usage:  make mutants        (or .venv/bin/python scripts/mutants.py [--only NAME ...])

Each mutant is one small change to the package — a window bound moved, the public-figure
cut-off made strict, rule 3 of the matching rule loosened — of the kind a careless edit
makes. For each, the package is copied into a temporary folder, the change applied there
(the working tree is never touched), and the tests that guard those rules run against the
copy (``PYTHONPATH`` puts it ahead of the installed package; the run checks that it did).
A mutant is *killed* when a test fails, and *survives* when the tests pass: a rule the tests
do not actually check. The script prints every mutant's fate and exits 1 if any survives.
Not part of ``make test``: a survivor costs the whole guarding suite, minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = str(ROOT / ".venv" / "bin" / "pytest")
#: The tests that guard the rules below (fast first: -x stops at the first failure).
GUARDS = ("tests/metrics/test_edges.py", "tests/metrics/test_magnitude.py",
          "tests/metrics/test_campaign_metrics.py", "tests/scope")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # under groundswell/
    original: str  # exactly once in the file
    mutated: str
    what: str


MUTANTS = (
    Mutant("window-start-dropped", "scope/matching.py",
           "posts = posts.filter(posts.created_at >= camp.start)", "posts = posts",
           "the window's start is not applied"),
    Mutant("window-end-dropped", "scope/matching.py",
           "posts = posts.filter(posts.created_at < camp.end)", "posts = posts",
           "the window's end is not applied"),
    Mutant("window-start-exclusive", "scope/matching.py",
           "posts.created_at >= camp.start", "posts.created_at > camp.start",
           "a post at the window's start is left out"),
    Mutant("window-end-inclusive", "scope/matching.py",
           "posts.created_at < camp.end", "posts.created_at <= camp.end",
           "a post at the window's end is counted"),
    Mutant("rule-3-follows-repost-chains", "scope/matching.py",
           'parents = direct.filter(direct.kind != "repost").select(',
           "parents = direct.select(",
           "a repost of a matching repost matches too"),
    Mutant("rule-3-dropped", "scope/matching.py",
           "return reposts.semi_join(found, key)", "return reposts.filter(reposts.kind == '')",
           "reposts of matching posts do not match"),
    Mutant("posts-without-rule-3", "scope/matching.py",
           "return direct.union(self.reposts_of(direct, tables))", "return direct",
           "Scope.posts (the API's matching posts) forgets rule 3"),
    Mutant("phrase-anywhere", "scope/matching.py",
           "if camp.phrases_only_in_replies_to_origin:", "if False:",
           "the phrase counts outside replies to the origin"),
    Mutant("public-threshold-strict", "scope/context.py",
           "(followers or 0) >= threshold", "(followers or 0) > threshold",
           "an account exactly at the threshold is not named"),
    Mutant("public-filter-strict", "scope/context.py",
           "accounts.followers.fill_null(0) >= threshold",
           "accounts.followers.fill_null(0) > threshold",
           "an account exactly at the threshold is not a notable joiner"),
    Mutant("badge-ignored", "scope/context.py",
           "(by_badge and bool(verified))", "False",
           "a verified account below the threshold is not named"),
    Mutant("participants-by-replies", "scope/context.py",
           'part_time = (m.kind != "repost")', 'part_time = (m.kind != "reply")',
           "participation is taken from the wrong kinds"),
    Mutant("amplifiers-inverted", "metrics/magnitude.py",
           "amplifiers=j.first_part_at.isnull().sum()",
           "amplifiers=j.first_part_at.notnull().sum()",
           "amplifiers counted as participants"),
    Mutant("cumulative-participants-per-post", "metrics/magnitude.py",
           "cum_part += new.get(at, 0)", "cum_part += posts.get(at, 0)",
           "the running participant total adds posts"),
    Mutant("peak-hour-latest-tie", "metrics/magnitude.py",
           'min(hourly, key=lambda r: (-r["posts"], r["hour"]))',
           'max(hourly, key=lambda r: (r["posts"], r["hour"]))',
           "of two equally busy hours the later is the peak"),
    Mutant("joiners-ordered-by-participation", "metrics/spread.py",
           'order_by(["first_at", "author_id"])', 'order_by(["first_part_at", "author_id"])',
           "notable joiners ordered by speaking, not by joining"),
    Mutant("joined-as-inverted", "metrics/spread.py",
           '"participant" if r["first_part_at"] is not None',
           '"participant" if r["first_part_at"] is None',
           "participants listed as amplifiers"),
    Mutant("language-unknown-blank", "metrics/spread.py",
           'lang=m.lang.fill_null("und")', 'lang=m.lang.fill_null("")',
           "an undetermined language is not 'und'"),
    Mutant("hours-since-first-post", "metrics/spread.py",
           '"hours_since_origin": hours_between(at, ctx.origin_at)',
           '"hours_since_origin": hours_between(at, at)',
           "hours since the origin read as zero"),
)


def mutate(copy: Path, mutant: Mutant) -> None:
    path = copy / "groundswell" / mutant.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.original) != 1:
        raise SystemExit(f"mutant {mutant.name}: {mutant.original!r} is not exactly once in "
                         f"groundswell/{mutant.file}; update scripts/mutants.py")
    path.write_text(text.replace(mutant.original, mutant.mutated), encoding="utf-8")


def run(copy: Path, mutant: Mutant) -> tuple[bool, str, float]:
    """(killed, the first failing test or the last line, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    where = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-P", "-c",
                            "import groundswell; print(groundswell.__file__)"],
                           env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    if not where.stdout.startswith(str(copy)):
        raise SystemExit(f"the mutated copy is not the one imported: {where.stdout.strip()}")
    started = time.perf_counter()
    done = subprocess.run([PYTEST, "-x", "-q", "-p", "no:cacheprovider", *GUARDS], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return done.returncode != 0, (failed[0][7:] if failed else last), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="run only these mutants (by name)")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    survivors = []
    for mutant in chosen:
        with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
            copy = Path(tmp)
            shutil.copytree(ROOT / "groundswell", copy / "groundswell",
                            ignore=shutil.ignore_patterns("__pycache__"))
            mutate(copy, mutant)
            killed, evidence, seconds = run(copy, mutant)
        fate = "killed  " if killed else "SURVIVED"
        print(f"{fate} {mutant.name:34s} {seconds:6.1f} s  {mutant.what}: {evidence}",
              flush=True)
        if not killed:
            survivors.append(mutant.name)
    print(f"\n{len(chosen) - len(survivors)} of {len(chosen)} mutants killed"
          + (f"; surviving: {', '.join(survivors)}" if survivors else ""))
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
