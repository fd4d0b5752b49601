"""Labelling: a stratified sample, labels asked in the terminal or through a sheet, stored
with who and when, removed with their post, and a model trained from them."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from click.testing import CliRunner

from groundswell import api
from groundswell.cli import main
from groundswell.roles.rules import classify
from groundswell.roles.sampling import stratified
from groundswell.simulate import simulate


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("label")
    simulate(5000, seed=3, out=tmp / "l.jsonl")
    with api.Store(tmp / "l.duckdb") as store:
        store.ingest([tmp / "l.jsonl"])
    (tmp / "c.toml").write_text((tmp / "l.campaign.toml").read_text())
    return tmp


def test_stratified_sampling_keeps_small_strata():
    rows = [{"k": "big"}] * 90 + [{"k": "mid"}] * 9 + [{"k": "tiny"}]
    sample = stratified(rows, 10, lambda r: r["k"], seed=1)
    assert Counter(r["k"] for r in sample) == {"big": 8, "mid": 1, "tiny": 1}
    assert stratified(rows, 10, lambda r: r["k"], seed=1) == sample  # deterministic
    assert len(stratified(rows, 500, lambda r: r["k"])) == 100


def test_a_sheet_out_and_back_then_a_model_from_the_store(store_path, tmp_path):
    db, campaign = str(store_path / "l.duckdb"), str(store_path / "c.toml")
    sheet = tmp_path / "sheet.csv"
    runner = CliRunner()
    made = runner.invoke(main, ["label", "--db", db, "--campaign", campaign, "-n", "120",
                                "--sheet", str(sheet), "--labeller", "ana"])
    assert made.exit_code == 0, made.output
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert len(rows) == 120 and {r["kind"] for r in rows} <= {"original", "reply", "quote"}
    assert len({r["created_at"][:10] for r in rows}) >= 4  # spread over days
    for row, role in zip(rows, classify([r["text"] for r in rows]), strict=True):
        row["role"] = role.upper() if role == "support" else role  # any case
    with sheet.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    back = runner.invoke(main, ["label", "--db", db, "--campaign", campaign, "--import",
                                str(sheet), "--labeller", "ana"])
    assert back.exit_code == 0 and "Stored 120 labels by ana" in back.output
    again = runner.invoke(main, ["label", "--db", db, "--campaign", campaign, "-n", "5000",
                                 "--sheet", str(tmp_path / "rest.csv"), "--labeller", "ana"])
    assert again.exit_code == 0  # what ana labelled is not offered to her again
    rest = {r["post_id"] for r in csv.DictReader((tmp_path / "rest.csv").open())}
    assert not rest & {r["post_id"] for r in rows}
    model = tmp_path / "m.model"
    trained = runner.invoke(main, ["roles", "train", "--db", db, "-o", str(model), "--json"])
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.output)["labels"] >= 110


def test_a_bad_sheet_stores_nothing(store_path, tmp_path):
    db = str(store_path / "l.duckdb")
    sheet = tmp_path / "bad.csv"
    sheet.write_text("platform,post_id,role\ntwitter,1,disclosure\ntwitter,2,gossip\n")
    result = CliRunner().invoke(main, ["label", "--db", db, "--import", str(sheet),
                                       "--labeller", "bo"])
    assert result.exit_code == 1 and "line 3: 'gossip'" in result.output
    with api.Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM labels WHERE labeller = 'bo'"
                                 ).fetchall()[0][0] == 0


def test_asking_in_the_terminal(store_path):
    db, campaign = str(store_path / "l.duckdb"), str(store_path / "c.toml")
    result = CliRunner().invoke(main, ["label", "--db", db, "--campaign", campaign, "-n", "3",
                                       "--labeller", "cy"], input="1\ns\nq\n")
    assert result.exit_code == 0, result.output
    assert "1 disclosure" in result.output and "Stored 1 labels by cy" in result.output
    with api.Store(db) as store:
        (role, at), = store.con.execute("SELECT role, labelled_at FROM labels "
                                        "WHERE labeller = 'cy'").fetchall()
        assert role == "disclosure" and at is not None


def test_a_deleted_post_takes_its_label_with_it(tmp_path):
    simulate(300, seed=5, out=tmp_path / "d.jsonl")
    with api.Store(tmp_path / "d.duckdb") as store:
        store.ingest([tmp_path / "d.jsonl"])
        platform, post_id = store.con.execute("SELECT platform, post_id FROM posts LIMIT 1"
                                              ).fetchall()[0]
        api.save_labels(store, [(platform, post_id, "support")], "dee")
    (tmp_path / "del.jsonl").write_text(json.dumps(  # as twarc2's compliance jobs write
        {"id": post_id, "action": "delete", "created_at": "2026-01-01T00:00:00.000Z",
         "reason": "deleted"}) + "\n")
    with api.Store(tmp_path / "d.duckdb") as store:
        summary = store.ingest([tmp_path / "del.jsonl"])
        assert summary.deleted == 1, summary
        assert store.count("labels") == 0
