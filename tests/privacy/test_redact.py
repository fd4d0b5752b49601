"""A private Parquet export (the default): no private account's handle, id or text; public
figures as they are; the same pseudonyms and totals as the store's own report."""

from __future__ import annotations

import duckdb
import pytest

from groundswell import api
from groundswell.api import Store
from groundswell.export import export_parquet, read_manifest
from groundswell.keys import fingerprint, pseudonym
from groundswell.policy import Policy
from groundswell.simulate import simulate


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redact")
    simulate(4000, fmt="twitter-v2", seed=3, out=folder / "c.jsonl")
    store = Store(folder / "s.duckdb")
    store.ingest([folder / "c.jsonl"])
    export_parquet(store, folder / "private")
    yield store, folder / "private"
    store.close()


def _public(store: Store) -> set[str]:
    policy = Policy()
    return {r[0] for r in store.con.execute(
        "SELECT author_id FROM accounts WHERE coalesce(followers, 0) >= ? "
        "OR coalesce(verified, false)", [policy.min_followers]).fetchall()}


def _parquet(folder, table: str) -> duckdb.DuckDBPyRelation:
    return duckdb.sql(f"SELECT * FROM read_parquet('{folder}/{table}/**/*.parquet', "
                      "hive_partitioning = false, union_by_name = true)")


def test_no_private_handle_id_or_text_in_the_files(exported):
    store, out = exported
    public = _public(store)
    private = store.con.execute(
        "SELECT p.author_id, a.handle, p.post_id, p.text FROM posts p LEFT JOIN accounts a "
        "USING (platform, author_id)").fetchall()
    private = [r for r in private if r[0] not in public]
    assert len(private) > 1000
    blob = b"".join(duckdb.sql(f"SELECT * FROM read_parquet('{f}')").fetchall().__repr__()
                    .encode() for f in out.rglob("*.parquet"))
    for author_id, handle, post_id, text in private[:300]:
        assert f"'{author_id}'".encode() not in blob
        assert not handle or f"'{handle}'".encode() not in blob
        assert f"'{post_id}'".encode() not in blob
        if text and len(text) > 40 and text.startswith("RT @") is False:
            assert repr(text).encode() not in blob


def test_public_figures_and_shape_are_kept(exported):
    store, out = exported
    posts = _parquet(out, "posts")
    assert posts.count("*").fetchall()[0][0] == store.count("posts")
    kept = {r[0] for r in posts.filter("author_id NOT LIKE 'acct-%'").select("author_id")
            .fetchall()}
    assert kept and kept <= _public(store)
    # threads keep their shape: every reply whose parent is stored points at a stored post
    pairs = duckdb.sql(f"""
        WITH p AS (SELECT * FROM read_parquet('{out}/posts/**/*.parquet'))
        SELECT count(*) FILTER (WHERE parent.post_id IS NOT NULL) FROM p child
        LEFT JOIN p parent ON parent.post_id = child.reply_to_post_id
        WHERE child.reply_to_post_id IS NOT NULL""").fetchall()[0][0]
    stored = store.con.execute("""
        SELECT count(*) FROM posts child JOIN posts parent
        ON parent.platform = child.platform AND parent.post_id = child.reply_to_post_id
        """).fetchall()[0][0]
    assert pairs == stored
    assert _parquet(out, "quarantine").count("*").fetchall()[0][0] == 0
    manifest = read_manifest(out)
    assert manifest["private"] is True
    assert manifest["key_fingerprint"] == fingerprint(store.pseudonym_key)


def test_a_report_on_the_private_export_names_the_same_pseudonyms(exported):
    store, out = exported
    mine = api.report(store, tags=["metoo"], metrics=["magnitude", "spread"])
    with api.open_engine("duckdb", input_dir=out) as engine:
        theirs = api.report(engine, tags=["metoo"], metrics=["magnitude", "spread"])
    for key in ("posts", "accounts", "participants", "amplifiers"):
        assert theirs["magnitude"][key] == mine["magnitude"][key]
    # times are truncated to the hour in the export, so the order of the first participants
    # can differ; each name is the store's own pseudonym (or a public handle)
    known = {pseudonym(store.pseudonym_key, p, a) for p, a in store.con.execute(
        "SELECT platform, author_id FROM accounts").fetchall()}
    known |= {f"@{h}" for (h,) in store.con.execute("SELECT handle FROM accounts").fetchall()}
    names = [r["account"] for r in theirs["spread"]["first_participants"]]
    assert names and set(names) <= known
    assert any(n.startswith("acct-") for n in names)


def test_a_public_figures_text_names_private_accounts_by_pseudonym(exported):
    store, out = exported
    key = store.pseudonym_key
    mentioned = store.con.execute("""
        SELECT m.platform, m.post_id, m.handle, m.mentioned_author_id FROM mentions m
        JOIN posts p USING (platform, post_id) JOIN accounts a ON a.platform = p.platform
         AND a.author_id = p.author_id
        WHERE a.followers >= ? AND p.kind <> 'repost' AND m.mentioned_author_id NOT IN (
              SELECT author_id FROM accounts WHERE followers >= ? OR verified)
        LIMIT 1""", [Policy().min_followers] * 2).fetchone()
    assert mentioned, "the simulation has a public figure answering a private account"
    platform, post_id, handle, author = mentioned
    (kept,) = _parquet(out, "posts").filter(f"post_id = '{post_id}'").select("text").fetchall()[0]
    assert f"@{handle}" not in kept
    assert f"@{pseudonym(key, platform, author)}" in kept


def test_scrub_mentions_keeps_public_handles_and_addresses():
    from groundswell.privacy.redact import UNKNOWN, scrub_mentions
    public, named = {"unwomen", "star@mastodon.social", "star"}, {"alice": "acct-1"}
    text = ("@UNWomen thanks @alice and @bob. Write to help@unwomen.org or @star, "
            "cc @alice@other.social")
    assert scrub_mentions(text, public, named) == (
        f"@UNWomen thanks @acct-1 and @{UNKNOWN}. Write to help@unwomen.org or @star, "
        f"cc @{UNKNOWN}")
    assert scrub_mentions(None, public, named) is None
