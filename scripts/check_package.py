"""Check Groundswell as a user gets it: build the sdist and the wheel, look inside them,
install the wheel into a fresh virtual environment, away from the source tree, and run the
pipeline from it (``make package``; ``make test`` runs it).

Steps (each prints what it checks; the first failure stops the run with its reason, exit 1):

1. ``python -m build``: the sdist, then the wheel built *from the sdist* (an isolated build,
   so a file the sdist lacks breaks the wheel here, not on a user's machine).
2. The sdist: pyproject, README, CHANGELOG, LICENSE and every file git tracks under
   groundswell/, tests/, docs/ and examples/ (the source, with what checks and explains it).
3. The wheel: every file git tracks under groundswell/ (package data: the campaign example,
   the presets, the dashboard's page), nothing else at the top (no tests/), no caches;
   METADATA's version, Requires-Python, licence and extras as pyproject says, the roles'
   and Spark's packages only in their extras; the ``groundswell`` command and the
   ``twarc.plugins`` entry point.
4. A fresh venv, ``pip install <wheel>`` (core only), the working directory a temporary
   folder and no PYTHONPATH: ``groundswell`` is imported from the venv, the extras' packages
   are absent, ``groundswell --version`` is the wheel's.
5. simulate → ingest → report (--json, text, --html) for Twitter v2, Bluesky's Jetstream
   and Mastodon: the report recovers the simulator's planted truth exactly (participants,
   amplifiers, matched posts); the HTML page carries plotly.js (works offline); ``groundswell
   demo`` (smaller than ``make demo``'s).
6. The package data at work: ``campaign init`` (the example campaign), ``mapping presets``
   and ``ingest --preset twarc-csv``, and ``serve``'s dashboard page over HTTP.
7. What the core install cannot do says what to install: ``roles train`` and ``report
   --engine spark`` exit 1 with ``pip install 'groundswell[roles]'`` / ``[spark]``.
8. ``pip install '<wheel>[roles]'``: ``roles train``, ``roles evaluate`` and a report with
   the model (corrected shares, PACC).
9. ``pip install '<wheel>[spark]'`` (pyspark within pyproject's bounds) and a magnitude
   report on Spark (``local[2]``, ``SPARK_LOCAL_IP=127.0.0.1``) over step 7's Parquet export,
   equal to DuckDB's over the same files (about a minute: Spark's start-up). Every metric on
   both engines is the test suite's parity test.

Standard library only; runs with any Python that has ``build`` (the repo's venv has).
``--keep`` keeps the temporary folder and prints its path.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import email.parser
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIP = ("-m", "pip", "--disable-pip-version-check", "-q")
#: Where `report --png` looks for Debian's chromium (groundswell/report/png.py).
CHROMIUM = os.environ.get("GROUNDSWELL_CHROMIUM", "/usr/bin/chromium")
#: Import names of the extras' packages: absent from a core install.
EXTRA_MODULES = {"roles": ("sklearn", "quapy"), "spark": ("pyspark",), "png": ("playwright",)}
#: Simulated campaigns run from the installed package.
FORMATS = ("twitter-v2", "bluesky-jetstream", "mastodon")
POSTS = 5000


class Failed(Exception):
    """A check that did not hold; its message is the reason."""


def say(message: str = "") -> None:
    print(message, flush=True)


def ok(message: str) -> None:
    say(f"      ok  {message}")


def check(condition: bool, reason: str) -> None:
    if not condition:
        raise Failed(reason)


class Steps:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()

    @contextlib.contextmanager
    def __call__(self, title: str):
        self.done += 1
        say(f"[{self.done}/{self.total}] {title}")
        start = time.perf_counter()
        yield
        say(f"      ({time.perf_counter() - start:.1f} s)")


def tail(text: str, lines: int = 25) -> str:
    kept = [line for line in text.splitlines()
            # pip's configuration here names local indexes that may not exist: noise
            if not line.startswith("WARNING: Location 'file:")]
    return "\n".join(kept[-lines:])


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, expect: int = 0,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``cmd``; fail (with its output's end) unless it exits ``expect``."""
    shown = " ".join(str(c) for c in cmd)
    try:
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failed(f"`{shown}` did not finish within {timeout:.0f} s") from None
    if done.returncode != expect:
        raise Failed(f"`{shown}` exited {done.returncode} (expected {expect})\n"
                     f"--- stdout ---\n{tail(done.stdout)}\n--- stderr ---\n{tail(done.stderr)}")
    return done


def tracked(*folders: str) -> set[str]:
    """The files git tracks under ``folders`` that exist in the work tree."""
    def ls(*extra: str) -> set[str]:
        try:
            out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", *extra, "--",
                                  *folders], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            raise Failed(f"the check compares the packages with the files git tracks, and "
                         f"`git ls-files` failed here ({exc}): run it in a git checkout") from None
        return {name for name in out.split("\0") if name}

    return ls() - ls("--deleted")


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def mib(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


# -- 1-3: build and look inside ------------------------------------------------------------------
def build(tmp: Path) -> tuple[Path, Path]:
    dist = tmp / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, REPO], cwd=tmp, timeout=600)
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    check(len(sdists) == 1 and len(wheels) == 1,
          f"expected one sdist and one wheel in {dist}, found {[p.name for p in dist.iterdir()]}")
    ok(f"{sdists[0].name} ({mib(sdists[0])}), {wheels[0].name} ({mib(wheels[0])}, built "
       "from the sdist)")
    return sdists[0], wheels[0]


def missing(wanted: set[str], have: set[str], what: str, hint: str = "") -> None:
    lost = sorted(wanted - have)
    check(not lost, f"{len(lost)} file(s) missing from the {what}{hint}: "
                    + ", ".join(lost[:20]) + (" …" if len(lost) > 20 else ""))


def no_caches(names: set[str], what: str) -> None:
    junk = sorted(n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))
                  or n.endswith((".duckdb", ".duckdb.wal")))
    check(not junk, f"the {what} holds caches or stores: {', '.join(junk[:10])}")


def inspect_sdist(sdist: Path, version: str) -> None:
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
        root = f"groundswell-{version}/"
        check(all(m.startswith(root) or m == root.rstrip("/") for m in members),
              f"the sdist's files are not all under {root}")
        names = {m.removeprefix(root) for m in members}
        info = tar.extractfile(root + "PKG-INFO")
        check(info is not None, "the sdist has no PKG-INFO")
        meta = email.parser.Parser().parsestr(info.read().decode("utf-8"))
    check(meta["Version"] == version,
          f"the sdist's PKG-INFO says version {meta['Version']}, pyproject {version}")
    top = {"pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "MANIFEST.in",
           *(["CITATION.cff"] if (REPO / "CITATION.cff").exists() else [])}
    missing(top, names, "sdist")
    ok(f"version {version}; " + ", ".join(sorted(top)))
    for folder in ("groundswell", "tests", "docs", "examples"):
        files = tracked(folder)
        missing(files, names, "sdist", " (MANIFEST.in decides what beyond the package goes "
                                       "in)" if folder != "groundswell" else "")
        ok(f"every file git tracks under {folder}/ ({len(files)})")
    no_caches(names, "sdist")
    ok("no __pycache__, .pyc or stores")


def inspect_wheel(wheel: Path, project: dict) -> None:
    version = project["version"]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"groundswell-{version}.dist-info/"
        check(info + "METADATA" in names, f"the wheel has no {info}METADATA")
        meta = email.parser.Parser().parsestr(zf.read(info + "METADATA").decode("utf-8"))
        points = configparser.ConfigParser(delimiters=("=",))
        points.optionxform = str  # names are case-sensitive
        points.read_string(zf.read(info + "entry_points.txt").decode("utf-8"))
    tops = {n.split("/", 1)[0] for n in names}
    check(tops == {"groundswell", info.rstrip("/")},
          f"the wheel's top level should be groundswell/ and its dist-info, is {sorted(tops)}")
    ok("only groundswell/ and its dist-info at the top (no tests/, docs/)")
    package = tracked("groundswell")
    data = {n for n in package if not n.endswith(".py")}
    missing(data, names, "wheel", " (add them to [tool.setuptools.package-data] in "
                                  "pyproject.toml)")
    ok(f"package data, every non-.py file git tracks under groundswell/: {len(data)} "
       f"({', '.join(sorted(Path(n).name for n in data))})")
    missing(package - data, names, "wheel", " (a package folder setuptools did not find?)")
    ok(f"every module git tracks under groundswell/ ({len(package - data)})")
    no_caches(names, "wheel")

    check(meta["Name"] == "groundswell" and meta["Version"] == version,
          f"METADATA names {meta['Name']} {meta['Version']}, pyproject groundswell {version}")
    check(meta["Requires-Python"] == project["requires-python"],
          f"METADATA Requires-Python {meta['Requires-Python']!r}, pyproject "
          f"{project['requires-python']!r}")
    extras = set(meta.get_all("Provides-Extra") or [])
    check(set(EXTRA_MODULES) <= extras, f"METADATA provides extras {sorted(extras)}, "
                                        f"not {', '.join(EXTRA_MODULES)}")
    check(meta["License-Expression"] == "MIT" and info + "licenses/LICENSE" in names,
          "METADATA should say License-Expression: MIT and ship licenses/LICENSE")
    ok(f"METADATA: groundswell {version}, Requires-Python {meta['Requires-Python']}, "
       f"License-Expression MIT with its file, extras {', '.join(sorted(extras))}")
    core = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    for extra, _ in EXTRA_MODULES.items():
        for requirement in project["optional-dependencies"][extra]:
            name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()
            if name == "ibis-framework":  # a core dependency; the extra adds its pyspark part
                continue
            check(not any(r.lower().startswith(name) for r in core),
                  f"{name} (extra {extra}) is a core dependency in METADATA")
    ok("scikit-learn, QuaPy, pyspark and playwright only in their extras")
    scripts = dict(points["console_scripts"]) if "console_scripts" in points else {}
    check(scripts == project["scripts"],
          f"console scripts {scripts}, pyproject says {project['scripts']}")
    for group, wanted in project["entry-points"].items():
        have = dict(points[group]) if group in points else {}
        check(have == wanted, f"entry points [{group}] are {have}, pyproject says {wanted}")
    ok("entry points: the groundswell command, " + ", ".join(
        f"[{g}]" for g in project["entry-points"]))


# -- 4-9: install and run ------------------------------------------------------------------------
class Venv:
    """A fresh venv; commands run with it first on PATH, from ``work``, with no PYTHONPATH."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root, self.work = root, work
        run([sys.executable, "-m", "venv", root], cwd=work)
        self.bin = root / "bin"
        self.python = self.bin / "python"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTHON", "GROUNDSWELL_", "CONDA", "PIP_TARGET",
                                    "PIP_PREFIX", "PIP_USER"))
               and k not in ("VIRTUAL_ENV", "JAVA_HOME")}
        self.env = {**env, "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
                    "VIRTUAL_ENV": str(root), "PYTHONNOUSERSITE": "1",
                    # the pseudonym key and the worker count: the check's own, not yours
                    "GROUNDSWELL_KEY_DIR": str(work / "keys"), "GROUNDSWELL_WORKERS": "2",
                    "COLUMNS": "120"}

    def pip(self, *args: str) -> subprocess.CompletedProcess:
        return run([self.python, *PIP, *args], cwd=self.work, env=self.env, timeout=600)

    def python_c(self, code: str) -> str:
        return run([self.python, "-c", code], cwd=self.work, env=self.env).stdout

    def gs(self, *args, expect: int = 0, timeout: float = 300) -> subprocess.CompletedProcess:
        return run([self.bin / "groundswell", *args], cwd=self.work, env=self.env,
                   expect=expect, timeout=timeout)

    def gs_json(self, *args) -> dict:
        out = self.gs(*args, "--json").stdout
        try:
            return json.loads(out)
        except json.JSONDecodeError:
            raise Failed(f"`groundswell {' '.join(map(str, args))} --json` printed no JSON:\n"
                         f"{tail(out)}") from None


def install_core(venv: Venv, wheel: Path, version: str) -> None:
    venv.pip("install", wheel)
    found = json.loads(venv.python_c(
        "import json, sys, sysconfig, groundswell; print(json.dumps({'file': "
        "groundswell.__file__, 'site': sysconfig.get_paths()['purelib'], 'version': "
        "groundswell.__version__, 'path': sys.path}))"))
    where = Path(found["file"]).resolve()
    check(where.is_relative_to(Path(found["site"]).resolve())
          and where.is_relative_to(venv.root.resolve()),
          f"groundswell was imported from {where}, not from the fresh venv's site-packages")
    check(not where.is_relative_to(REPO) and not any(
        p and Path(p).resolve().is_relative_to(REPO) for p in found["path"]),
          f"the source tree {REPO} is on the fresh venv's sys.path: {found['path']}")
    ok(f"import groundswell → {where.relative_to(venv.root.resolve())} (the source tree is "
       "not on sys.path)")
    check(found["version"] == version,
          f"groundswell.__version__ is {found['version']}, the wheel's {version}")
    shown = venv.gs("--version").stdout.strip()
    check(shown == f"groundswell, version {version}",
          f"`groundswell --version` says {shown!r}, the wheel is {version}")
    ok(f"groundswell --version → {shown!r}")
    present = venv.python_c(
        "import importlib.util as u; print(' '.join(m for m in "
        f"{sorted(m for ms in EXTRA_MODULES.values() for m in ms)!r} if u.find_spec(m)))")
    check(not present.strip(), f"a core install has the extras' packages: {present.strip()}")
    ok("no scikit-learn, QuaPy, pyspark or playwright: the core install is core only")


def pipeline(venv: Venv) -> tuple[Path, Path]:
    """simulate → ingest → report for each format; the Twitter store and its campaign."""
    work = venv.work
    first: tuple[Path, Path, dict] | None = None
    for seed, fmt in enumerate(FORMATS, start=5):
        data = work / f"{fmt}.jsonl.gz"
        venv.gs("simulate", "--posts", POSTS, "--format", fmt, "--seed", seed, "-o", data)
        truth = json.loads((work / f"{fmt}.truth.json").read_text())
        campaign = work / f"{fmt}.campaign.toml"
        check(truth["posts"] == POSTS and campaign.is_file(),
              f"simulate --format {fmt} wrote {truth['posts']} posts (asked {POSTS}) "
              f"or no campaign file")
        db = work / f"{fmt}.duckdb"
        server = ("--server", truth["server"]) if truth.get("server") else ()
        ingested = venv.gs_json("ingest", "--db", db, *server, data)
        check(ingested["posts_added"] - ingested["deleted"] == truth["posts"]
              and ingested["quarantined"] == truth["malformed_lines"],
              f"{fmt}: ingest added {ingested['posts_added']} posts, deleted "
              f"{ingested['deleted']}, quarantined {ingested['quarantined']}; the truth: "
              f"{truth['posts']} posts, {truth['malformed_lines']} malformed lines")
        report = venv.gs_json("report", "--db", db, "--campaign", campaign)
        got = {k: report.get(k) for k in ("participants", "amplifiers", "posts")}
        want = {"participants": truth["participants"], "amplifiers": truth["amplifiers"],
                "posts": truth["matched_posts"]}
        check(got == want and got["participants"] > 0,
              f"{fmt}: the report says {got}, the planted truth {want}")
        ok(f"{fmt}: {POSTS:,} posts simulated, ingested ({ingested['quarantined']} "
           f"malformed lines quarantined), report --json = the truth: "
           f"{got['participants']:,} participants, {got['amplifiers']:,} amplifiers, "
           f"{got['posts']:,} matched posts")
        first = first or (db, campaign, truth)
    db, campaign, truth = first
    text = venv.gs("report", "--db", db, "--campaign", campaign).stdout
    participants = f"{truth['participants']:,}"
    check("Magnitude" in text and participants in text,
          f"the text report lacks its Magnitude section or the {participants} participants:\n"
          f"{tail(text)}")
    ok(f"report (text): the Magnitude section, {participants} participants")
    page = work / "report.html"
    venv.gs("report", "--db", db, "--campaign", campaign, "--html", page)
    check(page.is_file(), f"report --html wrote no {page}")
    html = page.read_text(encoding="utf-8")
    remote = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//[^>]*>", html)
    check(not remote, f"the HTML report loads from the network: {remote[:3]}")
    plotly = re.search(r"plotly\.js v[\d.]+", html)
    check(plotly is not None and "Plotly.newPlot" in html,
          "the HTML report does not carry plotly.js inline")
    ok(f"report --html: {page.stat().st_size / 2**20:.1f} MiB, {plotly.group(0)} inline, no "
       "script or stylesheet from the network")
    demo = work / "demo"
    shown = venv.gs("demo", "--posts", 6000, "--dir", demo).stdout
    made = [demo / "report.html", demo / "metoo.campaign.toml"]
    check(all(p.is_file() for p in made) and "Magnitude" in shown,
          f"groundswell demo did not print the report or write {[p.name for p in made]}")
    ok("demo (6,000 posts on Twitter, Bluesky and Mastodon): the report, report.html and "
       "metoo.campaign.toml")
    return db, campaign


def package_data(venv: Venv, db: Path, campaign: Path) -> None:
    work = venv.work
    venv.gs("campaign", "init", "Packaged", "-o", work / "packaged.toml")
    example = (work / "packaged.toml").read_text(encoding="utf-8")
    check("[tags]" in example, "campaign init wrote no [tags] section")
    checked = venv.gs("campaign", "check", work / "packaged.toml").stdout
    ok(f"campaign init (campaign_example.toml) writes a campaign that `campaign check` "
       f"accepts ({len(checked.splitlines())} lines of explanation)")
    wanted = {Path(n).stem for n in tracked("groundswell/sources/tables/presets")
              if n.endswith(".toml")}
    listed = venv.gs("mapping", "presets").stdout
    have = {line.split(" ", 1)[0] for line in listed.splitlines() if line and line[0] != " "}
    check(wanted <= have, f"`mapping presets` lists {sorted(have)}, the package has "
                          f"{sorted(wanted)}")
    ok(f"mapping presets: {', '.join(sorted(wanted))}")
    table = work / "twarc.csv"
    shutil.copyfile(REPO / "tests" / "fixtures" / "tables" / "twarc-csv.flat-head20.csv", table)
    read = venv.gs_json("ingest", "--db", work / "csv.duckdb", "--preset", "twarc-csv", table)
    check(read["posts_added"] == 20 and read["quarantined"] == 0,
          f"ingest --preset twarc-csv of 20 rows: {read}")
    ok("ingest --preset twarc-csv: 20 rows, 20 posts")
    dashboard(venv, db, campaign)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


def dashboard(venv: Venv, db: Path, campaign: Path) -> None:
    port = free_port()
    log = (venv.work / "serve.log").open("w")
    server = subprocess.Popen([venv.bin / "groundswell", "serve", "--db", db, "--campaign",
                               campaign, "--port", str(port)], cwd=venv.work, env=venv.env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, page = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, page = get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.25)
        if page is None:
            log.flush()
            raise Failed(f"`groundswell serve` did not answer on port {port} "
                         f"(exit code {server.poll()}):\n"
                         f"{tail((venv.work / 'serve.log').read_text())}")
        html = page.decode("utf-8")
        check(status == 200 and "<title>Groundswell — live: " in html and "{{" not in html
              and 'src="static/plotly.min.js"' in html,
              f"GET / answered {status} without the dashboard's page:\n{html[:500]}")
        status, js = get(f"http://127.0.0.1:{port}/static/plotly.min.js")
        check(status == 200 and len(js) > 1_000_000, "GET /static/plotly.min.js failed")
        status, body = get(f"http://127.0.0.1:{port}/api/summary")
        summary = json.loads(body)
        check(status == 200 and isinstance(summary, dict), f"/api/summary: {body[:300]!r}")
        ok(f"serve: GET / is the dashboard (web/dashboard.html, {len(page):,} bytes), "
           f"/static/plotly.min.js {len(js) / 2**20:.1f} MiB, /api/summary JSON")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def labels(path: Path) -> Path:
    rows = []
    for i in range(15):
        rows += [{"text": f"it happened to me at work when I was {i + 14}", "role": "disclosure"},
                 {"text": f"I believe you, friend number {i}", "role": "support"},
                 {"text": f"report {i} on the movement says it keeps growing",
                  "role": "commentary"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def without_extras(venv: Venv, db: Path, campaign: Path) -> None:
    work = venv.work
    failed = venv.gs("roles", "train", "--labels", labels(work / "labels.ndjson"),
                     "-o", work / "core.model", expect=1)
    wanted = "needs the roles extra: pip install 'groundswell[roles]'"
    check(wanted in failed.stderr and "Traceback" not in failed.stderr,
          f"roles train without the roles extra should say {wanted!r}, said:\n"
          f"{tail(failed.stderr)}")
    ok(f"roles train → exit 1: {failed.stderr.strip()}")
    venv.gs("export", "--db", db, "-o", work / "export")
    failed = venv.gs("report", "--engine", "spark", "--input", work / "export",
                     "--campaign", campaign, expect=1)
    wanted = "pip install 'groundswell[spark]'"
    check(wanted in failed.stderr and "Traceback" not in failed.stderr,
          f"report --engine spark without pyspark should say {wanted!r}, said:\n"
          f"{tail(failed.stderr)}")
    ok(f"report --engine spark → exit 1: {failed.stderr.strip()}")
    failed = venv.gs("report", "--db", db, "--campaign", campaign, "--png", work / "png",
                     expect=1)
    wanted = ("pip install 'groundswell[png]'" if os.access(CHROMIUM, os.X_OK)
              else "apt-get install chromium")
    check(wanted in failed.stderr and "Traceback" not in failed.stderr,
          f"report --png without playwright should say {wanted!r}, said:\n"
          f"{tail(failed.stderr)}")
    ok(f"report --png → exit 1: {failed.stderr.strip()}")


def roles_extra(venv: Venv, wheel: Path, db: Path, campaign: Path) -> None:
    work = venv.work
    venv.pip("install", f"{wheel}[roles]")
    model = work / "metoo.model"
    trained = venv.gs_json("roles", "train", "--labels", work / "labels.ndjson", "-o", model)
    check(model.is_file() and trained["labels"] == 45 and trained["macro_f1"] > 0.9,
          f"roles train: {trained}")
    ok(f"roles train: 45 labels, cross-validated macro F1 {trained['macro_f1']}")
    evaluated = venv.gs_json("roles", "evaluate", "--model", model)
    check(evaluated["macro_f1"] == trained["macro_f1"], f"roles evaluate: {evaluated}")
    ok("roles evaluate: the same cross-validated F1")
    with_model = work / "with-model.toml"
    with_model.write_text(campaign.read_text(encoding="utf-8")
                          + f'\n[roles]\nmodel = "{model}"\n', encoding="utf-8")
    roles = venv.gs_json("report", "--db", db, "--campaign", with_model,
                         "--metric", "roles")["roles"]
    check(roles["classifier"].startswith(f"model {model}") and roles["method"] == "pacc"
          and roles["posts"] and all(r["low"] <= r["share"] <= r["high"]
                                     for r in roles["posts"]),
          f"report with [roles] model: {json.dumps(roles)[:600]}")
    ok(f"report with [roles] model: {roles['method']} over {roles['authored_posts']:,} posts, "
       "shares within their intervals")


def spark_extra(venv: Venv, wheel: Path, project: dict, campaign: Path) -> None:
    """``[spark]`` installed for real, and a report on Spark (``local[2]``) over the export
    step 7 wrote, equal to the same report on DuckDB over the same files."""
    venv.pip("install", f"{wheel}[spark]")
    version = venv.python_c("import pyspark; print(pyspark.__version__)").strip()
    bound = next(r for r in project["optional-dependencies"]["spark"]
                 if r.startswith("pyspark"))
    low, high = re.search(r">=([\d.]+)", bound).group(1), re.search(r"<([\d.]+)", bound).group(1)

    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", v)[:3])

    check(parts(low) <= parts(version) < parts(high),
          f"'groundswell[spark]' installed pyspark {version}, outside {bound}")
    ok(f"pip install '<wheel>[spark]': pyspark {version} ({bound})")
    # Spark binds a non-loopback address unless told otherwise, which this network forbids
    venv.env["SPARK_LOCAL_IP"] = "127.0.0.1"
    export = venv.work / "export"
    question = ("report", "--input", export, "--campaign", campaign, "--metric", "magnitude")
    started = time.perf_counter()
    on_spark = venv.gs_json(*question, "--engine", "spark")  # one metric: magnitude's JSON
    seconds = time.perf_counter() - started
    on_duckdb = venv.gs_json(*question, "--engine", "duckdb")
    check(bool(on_spark.get("participants")) and on_spark == on_duckdb,
          "report --engine spark differs from DuckDB's on the same export:\n"
          f"{json.dumps(on_spark)[:400]}\n{json.dumps(on_duckdb)[:400]}")
    ok(f"report --engine spark over the export = DuckDB's over the same files: "
       f"{on_spark['participants']:,} participants, {on_spark['posts']:,} posts "
       f"(Spark {seconds:.0f} s, start-up included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    project = pyproject()
    version = project["version"]
    tmp = Path(tempfile.mkdtemp(prefix="groundswell-package-")).resolve()
    steps = Steps(9)
    say(f"Checking the groundswell {version} package (working in {tmp})")
    try:
        check(not tmp.is_relative_to(REPO), f"the temporary folder {tmp} is inside {REPO}")
        with steps("build the sdist, then the wheel from it (python -m build)"):
            sdist, wheel = build(tmp)
        with steps("the sdist: metadata, the package, tests, docs, examples"):
            inspect_sdist(sdist, version)
        with steps("the wheel: package data, modules, METADATA, entry points"):
            inspect_wheel(wheel, project)
        work = tmp / "work"
        work.mkdir()
        with steps(f"a fresh venv, pip install {wheel.name} (core only), outside the source "
                   "tree"):
            venv = Venv(tmp / "venv", work)
            install_core(venv, wheel, version)
        with steps(f"simulate → ingest → report, --html: {', '.join(FORMATS)}; the demo"):
            db, campaign = pipeline(venv)
        with steps("package data at work: campaign init, presets, the dashboard"):
            package_data(venv, db, campaign)
        with steps("without the extras: roles and Spark say what to install"):
            without_extras(venv, db, campaign)
        with steps("pip install '<wheel>[roles]': train, evaluate, a report with the model"):
            roles_extra(venv, wheel, db, campaign)
        with steps("pip install '<wheel>[spark]': a report on Spark equals DuckDB's"):
            spark_extra(venv, wheel, project, campaign)
    except Failed as exc:
        say(f"\nFAILED at step {steps.done}/{steps.total}: {exc}")
        say(f"(the temporary folder is kept: {tmp})")
        return 1
    if args.keep:
        say(f"kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"\nThe groundswell {version} package is good "
        f"({time.perf_counter() - steps.started:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
