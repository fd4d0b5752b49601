"""The dashboard in a real browser (Debian's chromium via Playwright) while a follower writes.

The server runs in its own process (as `groundswell serve` would), the follower in this one
(as `groundswell ingest --follow` would), so the store really is shared between two processes
through DuckDB's file lock. The page must load without console errors, draw the curve and
show a counter that rises when lines are appended to the followed file.

Run as a script to remake the dashboard screenshot of the docs from demo-like data::

    .venv/bin/python tests/web/test_dashboard_browser.py docs/img/dashboard.png
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

if __name__ == "__main__":  # run as a script: make `browser` (tests/browser.py) importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser import chromium_page

from groundswell.ingest.follow import Follower
from groundswell.simulate import simulate

SERVER = """
import sys
from groundswell.web.app import serve
serve(sys.argv[1], port=int(sys.argv[2]), refresh=0.5, campaign=sys.argv[3] or None)
"""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until ``condition()`` holds (a bound on a hang, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def dashboard(db: Path, log: Path, campaign: Path | None = None) -> Iterator[str]:
    """`groundswell serve` in a child process on a free loopback port; yields its URL."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port),
                                 str(campaign or "")], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: answers(url + "api/health") or proc.poll() is not None, "the server")
        assert proc.poll() is None, f"server exited:\n{log.read_text()}"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def following(db: Path, file: Path) -> Iterator[Follower]:
    """`groundswell ingest --follow` in a thread of this process."""
    stop = threading.Event()
    follower = Follower(db, file, poll=0.1, stop=stop)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            follower.run()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield follower
    finally:
        stop.set()
        thread.join(timeout=120)
        if errors:
            raise errors[0]


#: The counter's big number and the curve's chart: the widgets' fields in their panels.
PARTICIPANTS = '#summary [data-field="participants"]'
CHART = "document.querySelector('#cumulative [data-field=\"chart\"]')"


def counter(page) -> int:
    return int(page.inner_text(PARTICIPANTS).replace(",", ""))


def test_counter_rises_while_a_follower_ingests(tmp_path):
    sim = tmp_path / "stream.jsonl"
    simulate(6_000, fmt="twitter-v1", seed=13, out=sim)
    lines = sim.read_bytes().splitlines(keepends=True)
    followed = tmp_path / "live.jsonl"
    first = b"".join(lines[:len(lines) // 2])
    followed.write_bytes(first)
    db = tmp_path / "live.duckdb"
    with following(db, followed) as follower, dashboard(db, tmp_path / "server.log") as url:
        wait_for(lambda: follower.summary.offset == len(first), "the first half")
        with chromium_page() as page:
            page.goto(url + "?poll=0.5")
            page.wait_for_function("document.getElementById('status').className === 'ok'"
                                   " && document.querySelector('" + PARTICIPANTS + "')"
                                   ".textContent !== '–'")
            page.wait_for_function(f"(({CHART}.data || [])[0] || {{x: []}}).x.length > 0")
            chart = page.evaluate("""() => {
                const c = """ + CHART + """;
                return {points: c.data.map(t => t.x.length),
                        title: c.layout.title.text, x: c.layout.xaxis.title.text,
                        y: c.layout.yaxis.title.text,
                        marks: c.querySelectorAll('.scatterlayer .point').length};
            }""")
            assert all(n > 10 for n in chart["points"]), chart
            assert chart["marks"] > 10  # drawn, not only in the data
            assert "UTC" in chart["title"] and "UTC" in chart["x"] and chart["y"]
            before = counter(page)
            assert before > 0

            with open(followed, "ab") as out:
                out.write(b"".join(lines[len(lines) // 2:]))
            total = followed.stat().st_size
            wait_for(lambda: follower.summary.offset == total, "the second half")
            page.wait_for_function(
                f"Number(document.querySelector('{PARTICIPANTS}').textContent"
                f".replace(/,/g, '')) > {before}", timeout=30_000)
            after = counter(page)
            assert after > before
            assert page.inner_text('#summary [data-field="posts"]') != "–"
            assert page.console_errors == []


def screenshot(target: Path, posts: int = 200_000, share: float = 0.3) -> None:
    """The docs' screenshot: the demo's campaign (`groundswell demo` uses the same seed),
    followed up to ``share`` of its lines, scoped by its campaign file."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        sim = work / "metoo.jsonl"
        truth = simulate(posts, fmt="twitter-v1", seed=2017, out=sim)
        planted = truth["campaign"]
        campaign = work / "metoo.toml"
        campaign.write_text(
            'name = "MeToo (simulated)"\n[tags]\nmain = "metoo"\n'
            "variants = [" + ", ".join(f'{{ tag = "{t}", lang = "{lang}" }}'
                                       for t, lang in planted["variants"].items()) + "]\n"
            f"response = {json.dumps(planted['response_tags'])}\n"
            '[phrases]\nmatch = ["me too"]\n'
            f"[origin]\npost_ids = {json.dumps(planted['origin_post_ids'])}\n")
        lines = sim.read_bytes().splitlines(keepends=True)
        followed = work / "live.jsonl"
        part = b"".join(lines[:int(len(lines) * share)])
        followed.write_bytes(part)
        db = work / "live.duckdb"
        with following(db, followed) as follower, \
                dashboard(db, work / "server.log", campaign) as url:
            wait_for(lambda: follower.summary.offset == len(part), "the lines", timeout=600)
            with chromium_page({"width": 1280, "height": 780}) as page:
                page.goto(url)
                page.wait_for_function("document.getElementById('status').className === 'ok'"
                                       f" && (({CHART}.data || [])[0] || {{x: []}})"
                                       ".x.length > 0", timeout=60_000)
                page.wait_for_timeout(1500)
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=True)
                assert page.console_errors == [], page.console_errors
    print(f"wrote {target}")


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img/dashboard.png"))
