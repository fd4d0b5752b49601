"""``groundswell watch bluesky`` through the command line, against the replay server."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from watch.jetstream_replay import EVENTS, ReplayServer, content, real_lines, straight, wanted

from groundswell.api import Store
from groundswell.cli import main
from groundswell.watch import cursors
from groundswell.watch.jetstream import STREAM

pytestmark = pytest.mark.skipif(not EVENTS.is_file(), reason=f"no real events at {EVENTS}")


def run(*args: str):
    return CliRunner().invoke(main, ["watch", "bluesky", *args])


def test_watch_bluesky_stores_the_stream_and_reports_it(tmp_path):
    lines = wanted(real_lines())
    db = tmp_path / "w.duckdb"
    with ReplayServer(lines, drops=[9]) as server:
        result = run("--db", str(db), "--all", "--endpoint", server.url, "--exit-when-closed",
                     "--rewind", "2")
    assert result.exit_code == 0, result.output
    assert f"connected to {server.url}" in result.stderr
    assert "reconnects 1" in result.stderr  # the status line's last figures
    assert "events kept in all" in result.stdout
    assert server.connections[1].cursor is not None
    assert content(db) == content(straight(tmp_path, "ref", lines))


def test_a_campaign_file_chooses_what_is_kept(tmp_path):
    campaign = tmp_path / "c.toml"
    campaign.write_text('name = "none"\n[tags]\nmain = "nothing-here"\n')
    with ReplayServer(wanted(real_lines())) as server:
        result = run("--db", str(tmp_path / "w.duckdb"), "--campaign", str(campaign),
                     "--endpoint", server.url, "--exit-when-closed")
    assert result.exit_code == 0, result.output
    assert "kept 0 " in result.stderr and "keeping what none needs" in result.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    ((), 2, "give --campaign FILE"),
    (("--all", "--campaign", "c.toml"), 2, "leave out --campaign"),
    (("--campaign", "missing.toml"), 1, "no campaign file"),
    (("--all", "--endpoint", "http//x"), 1, "expected a Jetstream URL"),
    (("--all", "--commit-every", "0"), 2, "--commit-every"),
])
def test_mistakes_are_one_line(tmp_path, args, code, message):
    result = run("--db", str(tmp_path / "w.duckdb"), *args)
    assert result.exit_code == code and message in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_help_shows_examples():
    result = run("--help")
    assert result.exit_code == 0
    assert "groundswell watch bluesky --db metoo.duckdb --campaign metoo.toml" in result.output
    assert "--endpoint wss://jetstream1.us-west.bsky.network/subscribe" in result.output


def test_ctrl_c_stops_with_everything_received_committed(tmp_path):
    """SIGINT to a real ``groundswell watch bluesky`` process that commits only every hour:
    it exits cleanly, and the store holds, with its cursor, exactly the events it had read."""
    lines = wanted(real_lines())
    db = tmp_path / "w.duckdb"
    with ReplayServer(lines, pauses=[len(lines)]) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "groundswell.cli", "watch", "bluesky", "--db", str(db),
             "--all", "--endpoint", server.url, "--commit-every", "3600"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.paused.wait(60)
            time.sleep(0.5)  # time to read what was sent (fewer read is fine: see below)
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
        server.resume.set()
    assert proc.returncode == 0, stderr
    assert "stopping: committing what was received" in stderr
    with Store(db, read_only=True) as store:
        cursor, read = cursors.load(store, STREAM)
    assert 0 < read <= len(lines)
    assert content(db) == content(straight(tmp_path, "ref", lines[:read]))
