"""The command line: help everywhere, clear errors, JSON that mirrors the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import corpus
from metrics.oracle import Raw

from groundswell.cli import main


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_subcommand_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_ingest_report_hashtags_json(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    files = [str(corpus("twarc2", "brexit.jsonl")),
             str(corpus("twarc2", "streaming_output_with_error.jsonl"))]
    result = runner.invoke(main, ["ingest", "--db", db, "--json", *files])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files"] == 2 and summary["quarantined"] == 1
    assert summary["posts_added"] == len(Raw([Path(f) for f in files]).posts)

    result = runner.invoke(main, ["report", "--db", db, "--json"])
    report = json.loads(result.stdout)
    assert report["posts"] == summary["posts_added"]
    assert set(report) >= {"posts", "posts_by_kind", "accounts", "first_post", "last_post",
                           "peak_hour", "cotags"}
    assert sum(report["posts_by_kind"].values()) == report["posts"]

    tagged = json.loads(runner.invoke(main, ["report", "--db", db, "--json", "--tag",
                                             "#BREXIT"]).stdout)
    rows = json.loads(runner.invoke(main, ["hashtags", "--db", db, "--json"]).stdout)
    brexit = next(r for r in rows if r["tag"] == "brexit")
    # the tag's own posts, plus retweets of them whose truncated text lost the tag
    assert tagged["tags"] == ["brexit"] and tagged["posts"] >= brexit["posts"]
    from groundswell import Store

    with Store(db, read_only=True) as store:
        assert tagged["posts"] == store.report(["brexit"])["magnitude"]["posts"]
    assert set(rows[0]) == {"tag", "posts", "accounts"}

    result = runner.invoke(main, ["quarantine", "--db", db, "--json"])
    assert json.loads(result.stdout)["lines"][0]["line"] == 8


def test_human_output(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(main, ["ingest", "--db", db, str(corpus("twarc2", "counts.jsonl"))])
    assert result.exit_code == 0
    assert "0 posts added" in result.output and "tweet counts" in result.output
    assert "Magnitude" in runner.invoke(main, ["report", "--db", db]).output


def test_errors_are_one_line(runner, tmp_path):
    result = runner.invoke(main, ["ingest", "--db", str(tmp_path / "s.duckdb"),
                                  str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1
    assert "no such file" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["report", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no store" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "s.duckdb").exists()  # a failed ingest creates no store
    result = runner.invoke(main, ["ingest", "--db", str(tmp_path / "s.duckdb"),
                                  str(corpus("twarc2", "counts.jsonl"))])
    result = runner.invoke(main, ["report", "--db", str(tmp_path / "s.duckdb"),
                                  "--metric", "nope"])
    assert result.exit_code == 1 and "unknown metric" in result.output


def test_ingest_with_the_server_a_mastodon_timeline_came_from(runner, tmp_path):
    """--server names whose status ids the file holds: with it a reply's parent is known
    (the #IchBinHanna timeline has 11 replies to statuses in the same file). Without it only
    statuses naming a local account show their server (32 of 160), and one reply and its
    parent are both among them. A bad server fails before the store is created."""
    db = tmp_path / "s.duckdb"
    timeline = str(corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json"))
    result = runner.invoke(main, ["ingest", "--db", str(db), "--server", "not a host/",
                                  timeline])
    assert result.exit_code == 1 and "--server" in result.output and not db.exists()
    for server, resolved in ((None, 1), ("https://Mastodon.Social/", 11)):
        path = tmp_path / f"{resolved}.duckdb"
        args = ["--server", server] if server else []
        result = runner.invoke(main, ["ingest", "--db", str(path), "--json", *args, timeline])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["posts_added"] == 160
        from groundswell import Store

        with Store(path, read_only=True) as store:
            assert store.con.execute(
                "SELECT count(*) FROM posts p JOIN posts q ON p.reply_to_post_id = q.post_id"
            ).fetchall() == [(resolved,)]
