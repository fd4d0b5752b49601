"""``groundswell network``: the files it writes, its summary, and its errors (always invoked
through ``groundswell.cli.main``: click caches a subcommand's help option)."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner
from helpers import corpus

from groundswell.cli import main
from groundswell.cli.common import REVEALED


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "s.duckdb"
    result = CliRunner().invoke(main, ["ingest", "--db", str(path), "--workers", "1",
                                       str(corpus("twarc2", "brexit.jsonl"))])
    assert result.exit_code == 0, result.output
    return str(path)


def _run(*args: str):
    return CliRunner().invoke(main, ["network", *args])


def test_json_summary_matches_the_file(db, tmp_path):
    out = tmp_path / "reposts.gexf"
    result = _run("--db", db, "--tag", "brexit", "--kind", "repost", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    graph = nx.read_gexf(out)
    assert summary["nodes"] == graph.number_of_nodes() > 10
    assert summary["edges"] == graph.number_of_edges()
    assert summary["files"] == [str(out)] and summary["format"] == "gexf"
    assert summary["private_accounts"] == sum(1 for _, d in graph.nodes(data=True)
                                              if not d["public"])
    assert summary["campaign"] == "#brexit" and summary["directed"]


def test_human_summary_says_what_to_do_next(db, tmp_path):
    out = tmp_path / "tags.csv"
    result = _run("--db", db, "--tag", "brexit", "--kind", "cotag", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "cotag network of #brexit" in result.stdout and "Gephi" in result.stdout
    assert out.is_file() and (tmp_path / "tags-nodes.csv").is_file()
    assert "tags of fewer than k accounts left out" in result.stdout


def test_format_overrides_the_extension(db, tmp_path):
    out = tmp_path / "mentions.xml"
    result = _run("--db", db, "--kind", "mention", "-o", str(out), "--format", "graphml",
                  "--min-weight", "2")
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    assert all(d["weight"] >= 2 for _, _, d in graph.edges(data=True))


def test_reveal_says_so(db, tmp_path):
    result = _run("--db", db, "--kind", "reply", "-o", str(tmp_path / "r.gexf"), "--reveal")
    assert result.exit_code == 0, result.output
    assert REVEALED in result.stdout


def test_unknown_extension_is_a_usage_error(db, tmp_path):
    result = _run("--db", db, "--kind", "repost", "-o", str(tmp_path / "x.dot"))
    assert result.exit_code == 2
    assert "use .gexf, .graphml or .csv" in result.output
    assert not (tmp_path / "x.dot").exists()


def test_no_campaign_post_is_an_error_and_writes_nothing(db, tmp_path):
    out = tmp_path / "x.gexf"
    result = _run("--db", db, "--tag", "nosuchtagatall", "--kind", "repost", "-o", str(out))
    assert result.exit_code == 1
    assert "no post matches the campaign" in result.stderr
    assert not out.exists()


def test_no_edge_writes_an_empty_network_with_a_warning(db, tmp_path):
    out = tmp_path / "q.graphml"
    result = _run("--db", db, "--kind", "quote", "--min-weight", "1000", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "empty network" in result.stderr
    assert nx.read_graphml(out).number_of_nodes() == 0


def test_missing_store_is_an_error_and_creates_none(tmp_path):
    db = tmp_path / "none.duckdb"
    result = _run("--db", str(db), "--kind", "repost", "-o", str(tmp_path / "x.gexf"))
    assert result.exit_code == 1
    assert "no store at" in result.stderr
    assert not db.exists()


def test_kind_is_required(db, tmp_path):
    result = _run("--db", db, "-o", str(tmp_path / "x.gexf"))
    assert result.exit_code == 2 and "--kind" in result.output
