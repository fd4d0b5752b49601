"""``groundswell watch mastodon`` through the command line: help, errors, and Ctrl-C (a real
SIGINT) stopping with everything received committed."""

from __future__ import annotations

import json
import os
import signal

import pytest
from click.testing import CliRunner
from helpers import corpus
from watch.mastodon_server import Replay, ReplayServer, campaign_file, content, status_frames
from watch.mastodon_server import straight as straight_ingest

from groundswell import api
from groundswell.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_help_names_the_options_and_an_example(runner):
    result = runner.invoke(main, ["watch", "mastodon", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--campaign", "--instance", "--token-env", "--poll", "--no-stream",
                   "--since", "groundswell watch mastodon --db"):
        assert option in result.output


@pytest.mark.parametrize("args, message", [
    (["--instance", "ftp://mastodon.social"], "give the server's address"),
    (["--instance", "https://mastodon.social/@someone"], "without a path"),
    (["--instance", "mastodon.social", "--since", "yesterday"], "give a date"),
])
def test_errors_are_one_line(runner, tmp_path, args, message):
    camp = campaign_file(tmp_path, "ichbinhanna")
    result = runner.invoke(main, ["watch", "mastodon", "--db", str(tmp_path / "w.duckdb"),
                                  "--campaign", str(camp), *args])
    assert result.exit_code in (1, 2) and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_ctrl_c_stops_the_command_with_everything_committed(runner, tmp_path, monkeypatch):
    hanna = corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json")
    frames = status_frames(json.loads(hanna.read_bytes()))
    camp, db = campaign_file(tmp_path, "ichbinhanna"), tmp_path / "live.duckdb"
    real = api.watch_mastodon

    def watch_then_press_ctrl_c(*args, status, **options):
        """The command's own watch, with Ctrl-C pressed once everything was streamed."""
        pressed = []

        def and_then_ctrl_c(summary):
            status(summary)
            if summary.streamed >= len(frames) and not pressed:
                pressed.append(True)
                os.kill(os.getpid(), signal.SIGINT)  # the command's handler sets stop
        return real(*args, status=and_then_ctrl_c, reconnect_wait=0.01, **options)

    monkeypatch.setattr(api, "watch_mastodon", watch_then_press_ctrl_c)
    with ReplayServer(Replay(frames)) as server:
        result = runner.invoke(main, ["watch", "mastodon", "--db", str(db), "--campaign",
                                      str(camp), "--instance", server.url, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["posts_added"] == 160 and summary["instances"] == [server.host]
    assert "stopping: committing what was received" in result.stderr
    assert content(db) == straight_ingest(tmp_path / "straight.duckdb", [(hanna, server.host)])
