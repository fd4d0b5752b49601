"""Forgetting (issue 26, point 3): ``groundswell forget`` leaves nothing of an account in the
store's file, its tables or its exports, and no later ingest brings it back.

The decisive check reads the store's raw bytes: DuckDB is told to store strings uncompressed
(``force_compression``), so that a string that is in the file can be found there; as a control,
an account that was not forgotten is found."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from helpers import CORPORA, corpus, table_rows

from groundswell import keys
from groundswell.api import Store
from groundswell.cli import main
from groundswell.export import MANIFEST, export_parquet
from groundswell.ingest.batch import Batch
from groundswell.policy import Policy
from groundswell.privacy.forget import finish, forget, is_forgotten, parse_ids, pending
from groundswell.tombstones import MARK

REAL = ["twarc2/flat.jsonl", "twarc2/brexit.jsonl",
        "mastodon/rtoot/tag_ichbinhanna_mastodon.social.json",
        "mastodon/rtoot/context_mastodon.social.json", "bluesky/jetstream_events_v1.jsonl"]
#: Two accounts of the real corpora with several posts each, that nobody else's text names.
TWITTER = ("twitter", "1359750175183540224", "LauraisOmitted")
MASTODON = ("mastodon", "LenaOetzel@historians.social", "LenaOetzel")
#: The control: an account left alone, which the raw search must find.
KEPT = ("mastodon", "realscientists.de@bsky.brid.gy")


def _uncompressed(store: Store) -> None:
    store.con.execute("PRAGMA force_compression = 'uncompressed'")


def _raw(path: Path) -> bytes:
    assert not Path(f"{path}.wal").exists(), "everything must be in the file itself"
    return path.read_bytes()


def _strings(store: Store, platform: str, author: str) -> dict[str, set[str]]:
    """What identifies an account: its id, handles, post ids and texts (long enough to be
    searched without matching by chance)."""
    con = store.con
    handles = {h for h, in con.execute(
        "SELECT handle FROM accounts WHERE platform = ? AND author_id = ? UNION "
        "SELECT handle FROM handles WHERE platform = ? AND author_id = ?",
        [platform, author] * 2).fetchall() if h}
    posts = con.execute("SELECT post_id, text FROM posts WHERE platform = ? AND author_id = ?",
                        [platform, author]).fetchall()
    return {"id": {author}, "handle": handles, "post_id": {p for p, _ in posts},
            "text": {t for _, t in posts if t and len(t) >= 20}}


def _per_author(store: Store) -> dict[tuple, int]:
    return dict(((p, a), n) for p, a, n in store.con.execute(
        "SELECT platform, author_id, count(*) FROM posts GROUP BY ALL").fetchall())


def _found(data: bytes, strings: dict[str, set[str]]) -> dict[str, list[str]]:
    return {kind: sorted(s for s in values if s.encode() in data)
            for kind, values in strings.items() if any(s.encode() in data for s in values)}


def test_nothing_of_a_forgotten_account_remains_in_the_file(tmp_path):
    files = [corpus(*name.split("/")) for name in REAL]
    db = tmp_path / "real.duckdb"
    store = Store(db)
    _uncompressed(store)
    for path in files:
        store.ingest([path])
    gone = {who[:2]: _strings(store, *who[:2]) for who in (TWITTER, MASTODON)}
    for (platform, author), strings in gone.items():
        assert len(strings["post_id"]) >= 3 and strings["handle"], (platform, author)
        others = store.con.execute(
            "SELECT text FROM posts WHERE NOT (platform = ? AND author_id = ?) AND text IS NOT "
            "NULL", [platform, author]).fetchall()
        named = [s for s in strings["handle"] | strings["id"] | strings["text"]
                 if any(s.lower() in t.lower() for t, in others)]
        assert not named, f"precondition: other posts name {named}"
    kept = _strings(store, *KEPT)
    before = _per_author(store)
    expected_mentions = store.con.execute(
        "SELECT count(*) FROM mentions m WHERE (platform, post_id) IN (SELECT platform, post_id "
        "FROM posts WHERE (platform, author_id) IN (VALUES (?, ?), (?, ?))) "
        "OR (platform, mentioned_author_id) IN (VALUES (?, ?), (?, ?))",
        [*TWITTER[:2], *MASTODON[:2]] * 2).fetchall()[0][0]
    expected_tags = store.con.execute(
        "SELECT count(*) FROM post_hashtags WHERE (platform, post_id) IN (SELECT platform, "
        "post_id FROM posts WHERE (platform, author_id) IN (VALUES (?, ?), (?, ?)))",
        [*TWITTER[:2], *MASTODON[:2]]).fetchall()[0][0]
    store.close()
    data = _raw(db)
    for strings in gone.values():  # the search works: before, every kind of string is found
        assert set(_found(data, strings)) == {"id", "handle", "post_id", "text"}
    assert set(_found(data, kept)) >= {"id", "post_id", "text"}

    store = Store(db)
    _uncompressed(store)  # the rewritten file is written by this connection
    result = forget(store, accounts=[TWITTER[1]], handles=[f"@{MASTODON[1]}"])
    assert result["accounts_forgotten"] == 2 and result["compacted"]
    assert result["posts_removed"] == sum(len(s["post_id"]) for s in gone.values())
    assert result["accounts_removed"] == 2
    assert result["mentions_removed"] == expected_mentions
    assert result["hashtags_removed"] == expected_tags
    assert result["tombstones_added"] >= 2 + result["posts_removed"]
    after = _per_author(store)
    assert after == {k: n for k, n in before.items() if k not in gone}
    assert store.con.execute("SELECT pending FROM forget_state").fetchall() == [(False,)]
    store.close()

    data = _raw(db)
    for strings in gone.values():
        assert _found(data, strings) == {}
    assert set(_found(data, kept)) >= {"id", "post_id", "text"}  # the control still holds

    # reading the same files again brings nothing back
    store = Store(db)
    for path in files:
        assert store.ingest([path]).posts_added == 0
    assert _per_author(store) == after
    for platform, author in gone:
        assert is_forgotten(store, platform, account=author)
        assert store.con.execute("SELECT count(*) FROM accounts WHERE platform = ? AND "
                                 "author_id = ?", [platform, author]).fetchall()[0][0] == 0
    store.close()
    for strings in gone.values():
        assert _found(_raw(db), strings) == {}


# -- one account's whole neighbourhood, built with the ingest's own batches ----------------------
P = "bluesky"
T0 = datetime(2025, 5, 1, 12)
ALICE, BOB, CAROL, DAVE, EVE = (f"did:plc:{n}{'x' * 20}" for n in
                                ("alice", "bob", "carol", "dave", "eve"))


def uri(did: str, rkey: str, collection: str = "app.bsky.feed.post") -> str:
    return f"at://{did}/{collection}/{rkey}"


def _post(b: Batch, did: str, rkey: str, text: str = "", kind: str = "original",
          reply_to: tuple[str, str] | None = None, repost_of: str | None = None,
          quote_of: str | None = None, tags: tuple[str, ...] = ("MeToo",),
          mentions: tuple[tuple[str, str | None], ...] = ()) -> None:
    b.post(P, uri(did, rkey), did, T0, text or f"{rkey} by {did[8:13]} #MeToo", "en", kind,
           reply_to[0] if reply_to else None, reply_to[1] if reply_to else None, repost_of,
           quote_of, None, list(tags), list(mentions))


def _neighbourhood(b: Batch) -> None:
    """Alice's posts and everything around them."""
    b.account(P, ALICE, "alice.test", "Alice A.", 12, False, None, T0)
    b.handle(P, ALICE, "alice.test", T0)
    b.handle(P, ALICE, "alice-old.test", T0 - timedelta(days=9))
    _post(b, ALICE, "a1", "I was there too #MeToo")
    _post(b, ALICE, "a2", "It took me years to say it", mentions=(("bob.test", BOB),))
    _post(b, BOB, "b1", "believe her", kind="reply", reply_to=(uri(ALICE, "a1"), ALICE))
    _post(b, EVE, "e1", "me too", kind="reply", reply_to=(uri(ALICE, "a1"), ALICE))
    _post(b, EVE, "e2", "to an unseen post", kind="reply", reply_to=(uri(ALICE, "zz"), ALICE))
    _post(b, CAROL, "c1", kind="repost", repost_of=uri(ALICE, "a1"), tags=())
    _post(b, DAVE, "d1", "read this", kind="quote", quote_of=uri(ALICE, "a2"))
    _post(b, DAVE, "d2", "thinking of her", mentions=(("alice.test", ALICE),))
    _post(b, BOB, "b2", "nothing to do with it")
    b.delete(P, uri(ALICE, "a0"), T0, "deleted")  # a post she deleted earlier
    b.line = 7
    b.quarantine_line("broken", f'{{"did":"{ALICE}","kind":"commit",'.encode())
    b.line = 8
    b.quarantine_line("broken", f'{{"did":"{BOB}","kind":"commit",'.encode())


def _write(store: Store, fill, bulk: bool) -> None:
    batch = Batch()
    batch.file = "/data/events.jsonl"
    fill(batch)
    tables = batch.to_arrow().tables
    if bulk:
        with store.bulk_writes():
            store.write_batch(tables)
        store.sweep_deleted()
    else:
        store.write_batch(tables)


def _assert_gone(store: Store, *strings: str) -> None:
    """No cell of any table holds Alice's DID or handles (or ``strings``)."""
    text = _everything(store)
    for needle in (ALICE, "alice", *strings):
        assert needle not in text.lower(), needle


def _everything(store: Store) -> str:
    """Every cell of every table, as text."""
    con = store.con
    names = [t for t, in con.execute("SELECT table_name FROM duckdb_tables() WHERE "
                                     "database_name = current_database() AND NOT temporary"
                                     ).fetchall()]
    return "\n".join(repr(con.execute(f"SELECT * FROM {t}").fetchall()) for t in names)


@pytest.mark.parametrize("bulk", [False, True], ids=["live", "bulk"])
def test_what_goes_and_what_stays_around_a_forgotten_account(tmp_path, bulk):
    store = Store(tmp_path / "s.duckdb")
    _write(store, _neighbourhood, bulk)
    store.con.execute("INSERT INTO labels VALUES (?, ?, 'survivor', 'me', ?), "
                      "(?, ?, 'supporter', 'me', ?)", [P, uri(ALICE, "a1"), T0,
                                                       P, uri(BOB, "b1"), T0])
    result = forget(store, accounts=[ALICE])
    assert result["posts_removed"] == 2 and result["reposts_removed"] == 1
    assert result["accounts_removed"] == 1 and result["handles_removed"] == 2
    assert result["labels_removed"] == 1 and result["quarantine_removed"] == 1
    assert result["mentions_removed"] == 2  # her post's mention of Bob, Dave's of her
    assert result["rows_removed"]["deletions"] == 1
    assert result["pointers_masked"] == 4  # 3 replies, 1 quote
    _assert_gone(store)
    posts = dict(store.con.execute("SELECT post_id, coalesce(reply_to_post_id, "
                                   "quote_of_post_id) FROM posts").fetchall())
    assert set(posts) == {uri(BOB, "b1"), uri(EVE, "e1"), uri(EVE, "e2"), uri(DAVE, "d1"),
                          uri(DAVE, "d2"), uri(BOB, "b2")}
    # replies stay, pointing at a marker: the two replies to one post stay siblings
    assert posts[uri(BOB, "b1")] == posts[uri(EVE, "e1")] != posts[uri(EVE, "e2")]
    assert all(posts[uri(w, r)].startswith(MARK) for w, r in
               ((BOB, "b1"), (EVE, "e2"), (DAVE, "d1")))
    assert store.con.execute("SELECT count(*) FROM quarantine").fetchall() == [(1,)]
    assert store.con.execute("SELECT count(*) FROM labels").fetchall() == [(1,)]

    # everything read again, and more of hers later: nothing comes back, new pointers masked
    def later(b: Batch) -> None:
        _neighbourhood(b)
        _post(b, ALICE, "a3", "one more")
        _post(b, BOB, "b3", "again", kind="reply", reply_to=(uri(ALICE, "a3"), ALICE))
        _post(b, CAROL, "c2", "hi there", mentions=(("alice.test", None),))
        b.account_status(P, ALICE, True, None, T0)

    _write(store, later, bulk)
    _assert_gone(store)
    assert store.con.execute("SELECT count(*) FROM posts").fetchall() == [(8,)]
    assert store.con.execute(
        "SELECT reply_to_post_id LIKE 'forgotten:%' FROM posts WHERE post_id = ?",
        [uri(BOB, "b3")]).fetchall() == [(True,)]
    assert store.con.execute(  # a mention by handle alone is recognised by its tombstone
        "SELECT count(*) FROM mentions WHERE post_id = ?", [uri(CAROL, "c2")]
    ).fetchall() == [(0,)]
    store.close()


def test_tombstones_hold_salted_digests_only(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    _write(store, _neighbourhood, bulk=False)
    forget(store, accounts=[ALICE], compact=False)
    rows = store.con.execute("SELECT kind, platform, digest FROM forgotten").fetchall()
    assert {k for k, _, _ in rows} == {"account", "post", "handle"}
    assert all(len(d) == 64 and ALICE not in d for _, _, d in rows)
    assert is_forgotten(store, P, account=ALICE)
    assert is_forgotten(store, P, post=uri(ALICE, "a1"))
    assert is_forgotten(store, P, handle="@Alice-Old.test")
    assert not is_forgotten(store, P, account=BOB)
    assert pending(store)  # not compacted: the bytes are still due
    assert finish(store)["compacted"] and not pending(store)
    store.close()


def test_a_dry_run_counts_the_same_and_changes_nothing(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    _write(store, _neighbourhood, bulk=False)
    before = {t: table_rows(store, t) for t in ("posts", "mentions", "accounts", "quarantine")}
    dry = forget(store, handles=["alice-old.test"], dry_run=True)
    assert {t: table_rows(store, t) for t in before} == before
    assert store.con.execute("SELECT count(*) FROM forgotten").fetchall() == [(0,)]
    real = forget(store, handles=["alice-old.test"])
    assert {k: v for k, v in dry.items() if k not in ("dry_run", "compacted")} == {
        k: v for k, v in real.items() if k not in ("dry_run", "compacted")}
    store.close()


def test_ids_not_in_the_store_are_tombstoned_and_unknown_handles_reported(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    _write(store, _neighbourhood, bulk=False)
    result = forget(store, accounts=["did:plc:nobody"], handles=["ghost.test"],
                    posts=["1234567890123"], compact=False)
    assert result["not_in_store"] == ["account:did:plc:nobody", "post:1234567890123"]
    assert result["not_found"] == ["handle:ghost.test"]
    assert is_forgotten(store, "bluesky", account="did:plc:nobody")
    assert is_forgotten(store, "twitter", post="1234567890123")
    assert store.con.execute("SELECT count(*) FROM posts").fetchall() == [(9,)]
    nobody = forget(store, handles=["@ghost.test"])
    assert nobody["not_found"] == ["handle:ghost.test"] and not nobody["compacted"]
    assert nobody["tombstones_added"] == 0
    store.close()


# -- platforms' own deletions ------------------------------------------------------------------
def test_a_deleted_bluesky_account_is_forgotten_like_a_request(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    _write(store, _neighbourhood, bulk=True)
    _write(store, lambda b: b.account_status(P, ALICE, False, "deleted", T0), bulk=True)
    assert is_forgotten(store, P, account=ALICE)
    assert store.con.execute("SELECT count(*) FROM account_deletions").fetchall() == [(0,)]
    assert finish(store)["compacted"]
    _assert_gone(store)
    store.close()


def test_a_twitter_user_compliance_delete_forgets_the_account(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    flat = corpus("twarc2", "flat.jsonl")
    store.ingest([flat])
    platform, author, handle = TWITTER
    assert store.con.execute("SELECT count(*) FROM posts WHERE author_id = ?", [author]
                             ).fetchall()[0][0] >= 2
    compliance = tmp_path / "users_compliance.jsonl"
    compliance.write_text(json.dumps({"id": author, "action": "delete", "reason": "deactivated",
                                      "created_at": "2021-02-11T09:00:00+00:00"}) + "\n")
    summary = store.ingest([compliance])
    assert summary.deleted >= 2
    assert is_forgotten(store, platform, account=author) and not pending(store)
    text = _everything(store).lower()
    assert author not in text and handle.lower() not in text
    assert store.ingest([flat]).posts_added == 0
    store.close()


def test_an_account_forgotten_before_it_is_read_is_never_stored_by_any_ingest(tmp_path,
                                                                              small_v2,
                                                                              monkeypatch):
    """Tombstoned first (a request that came before the data), then read one line at a time
    or by parallel workers in chunks: the same posts stay out, its pointers are masked."""
    from groundswell.ingest.parallel import CHUNK_ENV

    scratch = Store(tmp_path / "scratch.duckdb")
    scratch.ingest([small_v2], workers=1)
    (author, posts), = scratch.con.execute(
        "SELECT author_id, count(*) FROM posts GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchall()
    forget(scratch, accounts=[author], compact=False)
    expected = _per_author(scratch)  # as if forgotten after: its posts and reposts of them
    scratch.close()
    monkeypatch.setenv(CHUNK_ENV, "40000")  # dozens of chunks: the parallel path
    seen = []
    for workers in (1, 2):
        store = Store(tmp_path / f"w{workers}.duckdb")
        assert forget(store, accounts=[author], compact=False)["not_in_store"] == [
            f"account:{author}"]
        summary = store.ingest([small_v2], workers=workers)
        assert summary.already_deleted >= posts
        assert _per_author(store) == expected
        text = _everything(store)
        assert author not in text
        seen.append(store.con.execute("SELECT count(*) FROM posts WHERE reply_to_author_id "
                                      "LIKE 'forgotten:%'").fetchall()[0][0])
        store.close()
    assert seen[0] == seen[1]


# -- exports -------------------------------------------------------------------------------------
def _parquet_text(folder: Path) -> str:
    con = duckdb.connect()
    out = []
    for file in sorted(folder.rglob("*.parquet")):
        out.append(repr(con.execute(f"SELECT * FROM read_parquet('{file}', "
                                    "hive_partitioning = false)").fetchall()))
    return "\n".join(out)


def _rows(folder: Path) -> dict[str, int]:
    con = duckdb.connect()
    manifest = json.loads((folder / MANIFEST).read_text())
    return {t: con.execute(f"SELECT count(*) FROM read_parquet('{folder}/{t}/**/*.parquet', "
                           "hive_partitioning = false)").fetchall()[0][0]
            for t in manifest["tables"]}


def test_exports_are_cleaned_and_those_under_an_earlier_key_reported(tmp_path, small_v2,
                                                                     monkeypatch):
    store = Store(tmp_path / "s.duckdb")
    store.ingest([small_v2])
    policy = Policy()
    private, public = (store.con.execute(
        f"SELECT a.author_id FROM accounts a JOIN posts p USING (platform, author_id) "
        f"WHERE coalesce(a.followers, 0) {op} ? GROUP BY ALL HAVING count(*) >= 2 "
        f"ORDER BY count(*) DESC, 1 LIMIT 1", [policy.min_followers]).fetchall()[0][0]
        for op in ("<", ">="))
    key = store.pseudonym_key
    folders = {"private": tmp_path / "private", "revealed": tmp_path / "revealed"}
    for name, folder in folders.items():
        export_parquet(store, folder, reveal=name == "revealed")
        store.record_export(folder, private=name == "private",
                            key_fingerprint=keys.fingerprint(key))
    posts = {a: [p for p, in store.con.execute("SELECT post_id FROM posts WHERE author_id = ?",
                                               [a]).fetchall()] for a in (private, public)}
    needles = {private, public, keys.pseudonym(key, "twitter", private),
               *(p for ps in posts.values() for p in ps),
               *(keys.post_pseudonym(key, "twitter", p) for p in posts[private])}
    before = {name: _rows(folder) for name, folder in folders.items()}
    for folder in folders.values():
        assert any(n in _parquet_text(folder) for n in needles)

    result = forget(store, accounts=[private, public], platform="twitter")
    assert sorted(result["exports_cleaned"]) == sorted(str(f.resolve())
                                                       for f in folders.values())
    for name, folder in folders.items():
        text = _parquet_text(folder)
        assert not [n for n in needles if n in text], name
        rows = _rows(folder)
        manifest = json.loads((folder / MANIFEST).read_text())
        assert {t: i["rows"] for t, i in manifest["tables"].items()} == rows
        assert rows["posts"] < before[name]["posts"] and rows["meta"] == before[name]["meta"]
    assert result["export_rows_removed"] > 0

    # an export that cannot be rewritten is reported, and the forgetting stays due
    real_replace = os.replace

    def read_only_revealed(source, target):
        if str(folders["revealed"]) in str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(source, target)

    other = store.con.execute("SELECT author_id FROM posts WHERE author_id NOT IN (?, ?) "
                              "LIMIT 1", [private, public]).fetchall()[0][0]
    monkeypatch.setattr(os, "replace", read_only_revealed)
    stuck = forget(store, accounts=[other], platform="twitter")
    monkeypatch.undo()
    assert [r["path"] for r in stuck["exports_not_cleaned"]] == [
        str(folders["revealed"].resolve())]
    assert stuck["compacted"] and pending(store)
    assert finish(store)["exports_cleaned"] and not pending(store)

    # a new key: the private export's pseudonyms can no longer be matched, and it says so
    keys.rotate(store.store_id)
    another = store.con.execute("SELECT author_id FROM posts WHERE author_id NOT IN (?, ?, ?) "
                                "LIMIT 1", [private, public, other]).fetchall()[0][0]
    result = forget(store, accounts=[another], platform="twitter", compact=False)
    assert result["exports_cleaned"] == [str(folders["revealed"].resolve())]
    assert result["exports_not_cleaned"] == [{"path": str(folders["private"].resolve()),
                                              "reason": "could not clean: written under an "
                                                        "earlier key; delete or re-export it"}]
    store.close()


# -- the file --------------------------------------------------------------------------------------
def test_compaction_keeps_every_other_row_and_a_failed_one_changes_nothing(tmp_path, small_v2,
                                                                           monkeypatch):
    db = tmp_path / "s.duckdb"
    store = Store(db)
    store.ingest([small_v2])
    tables = ("posts", "accounts", "post_hashtags", "mentions", "deletions", "quarantine",
              "meta", "ingests")
    before = {t: table_rows(store, t, post_keys=True) for t in tables}
    store.compact()
    assert {t: table_rows(store, t, post_keys=True) for t in tables} == before
    assert store.report()["magnitude"]  # the store is still usable, Ibis included

    import groundswell.store as storage

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", refuse)
    with pytest.raises(storage.StoreFull):
        store.compact()
    monkeypatch.undo()
    assert {t: table_rows(store, t, post_keys=True) for t in tables} == before
    assert not list(tmp_path.glob(".s.duckdb.compact-*"))
    store.close()
    (tmp_path / ".s.duckdb.compact-abc").write_bytes(b"a killed copy")
    Store(db).close()  # opening to write removes what a killed compaction left
    assert not list(tmp_path.glob(".s.duckdb.compact-*"))


# -- the command -----------------------------------------------------------------------------------
def test_ids_files_say_what_each_line_names():
    found = parse_ids(["# withdrawn", "account:did:plc:abc", "", "handle:@ann",
                       "post:https://example.org/users/ann/statuses/1", "  123  "],
                      kind="account")
    assert found == {"account": ["did:plc:abc", "123"], "handle": ["@ann"],
                     "post": ["https://example.org/users/ann/statuses/1"]}
    with pytest.raises(ValueError, match="line 1"):
        parse_ids(["123"])


def test_the_command(tmp_path):
    db = tmp_path / "s.duckdb"
    store = Store(db)
    _write(store, _neighbourhood, bulk=False)
    store.close()
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# asked on 2025-05-02\naccount:{ALICE}\n")
    runner = CliRunner()
    dry = runner.invoke(main, ["forget", "--db", str(db), "--ids", str(ids), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would forget 1 account" in dry.output
    done = runner.invoke(main, ["forget", "--db", str(db), "--ids", str(ids), "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["posts_removed"] == 2 and result["compacted"]
    again = runner.invoke(main, ["forget", "--db", str(db), "--pending"])
    assert again.exit_code == 0 and "Nothing was due" in again.output
    missing = runner.invoke(main, ["forget", "--db", str(tmp_path / "none.duckdb"),
                                             "--account", "1"])
    assert missing.exit_code == 1 and "no store" in missing.output
    assert runner.invoke(main, ["forget", "--db", str(db)]).exit_code == 2


def test_real_corpora_are_where_the_tests_expect_them():
    if not CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA}")
    assert all((CORPORA / name).is_file() for name in REAL)


# -- the dashboard's per-campaign live state (groundswell.live) ----------------------------------
@pytest.mark.parametrize("compact", [True, False], ids=["compacted", "not-yet"])
def test_forgetting_leaves_nothing_in_a_campaigns_live_state(tmp_path, compact):
    """Issue 26: forgetting removes the per-campaign state too. Its rows naming the account or
    its posts go by the same rules as every table's, its totals (which count them without
    naming them) are emptied, and the state's next update recounts them from what is left, or
    rebuilds it when the file was rewritten."""
    from live_checks import assert_panels_match

    from groundswell.campaign import Campaign
    from groundswell.live import LiveState

    db = tmp_path / "s.duckdb"
    store = Store(db)
    _uncompressed(store)
    _write(store, _neighbourhood, bulk=False)
    states = [LiveState(Campaign.from_tags(["MeToo"])), LiveState(None)]
    for state in states:
        state.update(store)
    live = "\n".join(repr(store.con.execute(f"SELECT * FROM {t}").fetchall()) for t, in
                     store.con.execute("SELECT table_name FROM duckdb_tables() WHERE "
                                       "table_name LIKE 'live_%'").fetchall())
    assert ALICE in live and uri(ALICE, "a1") in live  # the state named her before
    forget(store, accounts=[ALICE], compact=compact)
    _assert_gone(store)
    for state in states:
        assert state.update(store).mode == ("rebuilt" if compact else "recounted")
        assert_panels_match(store, state)
    _assert_gone(store)
    store.close()
    if compact:
        assert ALICE.encode() not in _raw(db)


def test_an_account_deleted_on_its_platform_leaves_the_live_state_too(tmp_path):
    """A deleted Bluesky account is forgotten while its batch settles; the live writer's update
    right after recounts the state from its remaining rows."""
    from live_checks import assert_panels_match

    from groundswell.campaign import Campaign
    from groundswell.live import LiveState

    store = Store(tmp_path / "s.duckdb")
    state = LiveState(Campaign.from_tags(["MeToo"]))
    _write(store, _neighbourhood, bulk=False)
    state.update(store)
    _write(store, lambda b: b.account_status(P, ALICE, False, "deleted", T0), bulk=False)
    assert state.update(store).mode == "recounted"
    assert_panels_match(store, state)
    _assert_gone(store)
    store.close()
