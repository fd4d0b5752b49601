"""The writer's rules for what happens to a post after it is stored (schema 5): edits, the
author's account status (hidden, shown again, deleted), and deletes or replies that name a
post by a server's local id. Each rule must give the same store whatever order and batches
the events arrive in, live or in a bulk ingest, and a second delivery must change nothing.

Batches are built with the ingest's own :class:`~groundswell.ingest.batch.Batch` (what every
source emits into), so these tests hold for every platform."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell import Store
from groundswell.ingest.batch import Batch
from groundswell.privacy.forget import is_forgotten

T0 = datetime(2025, 5, 1, 12)
P = "mastodon"


def _post(batch: Batch, post_id: str, author: str = "ann@example.org", text: str = "v0",
          tags: tuple[str, ...] = ("IchBinHanna",), **refs) -> None:
    batch.post(P, post_id, author, T0, text, "de", refs.pop("kind", "original"),
               refs.get("reply_to"), None, None, refs.get("quote_of"), None,
               list(tags), [], claimed_at=None)


def _write(store: Store, events: list, bulk: bool, split: list[int] | None = None) -> None:
    """Apply ``events`` (callables taking a Batch) in batches cut at ``split`` (one batch per
    event by default), live or inside one bulk ingest (whose end sweeps as an ingest does)."""
    cuts = sorted(set(split if split is not None else range(len(events) + 1)) |
                  {0, len(events)})
    batches = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        batch = Batch(server="example.org")
        for event in events[start:end]:
            event(batch)
        batches.append(batch.to_arrow().tables)
    if bulk:
        with store.bulk_writes():
            for tables in batches:
                store.write_batch(tables)
        store.sweep_deleted()
    else:
        for tables in batches:
            store.write_batch(tables)


def _state(store: Store) -> dict:
    con = store.con
    return {
        "posts": sorted(con.execute("SELECT post_id, text, reply_to_post_id, quote_of_post_id "
                                    "FROM posts").fetchall()),
        "hidden": sorted(con.execute("SELECT post_id FROM hidden_posts").fetchall()),
        "tags": sorted(con.execute("SELECT post_id, tag FROM post_hashtags").fetchall()),
        "versions": sorted(con.execute("SELECT post_id, version FROM post_versions").fetchall()),
    }


VERSIONS = [(f"v{n}", T0 + timedelta(hours=n), f"text {n}", (f"tag{n}",)) for n in (1, 2, 3)]


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(4)), split=st.lists(st.integers(0, 4), max_size=3),
       bulk=st.booleans())
def test_the_newest_edit_wins_whatever_order_the_versions_arrive_in(tmp_path_factory, order,
                                                                       split, bulk):
    """A post as first written and as three edits left it, read in any order and batching
    (files are often read out of order: an old timeline export after a newer stream): the
    post shows the newest version's text and tags, each version is counted once, and reading
    everything again changes nothing. A source sends each version with the post as it then
    was (a Mastodon status carries both), so the first copy read is the one stored."""
    def edited(version, at, text, tags):
        return lambda b: (_post(b, "p1", text=text, tags=tags),
                          b.edit(P, "p1", version, at, text, list(tags), []))

    events = [lambda b: _post(b, "p1"), *(edited(*v) for v in VERSIONS)]
    events = [events[i] for i in order]
    with Store(tmp_path_factory.mktemp("e") / "s.duckdb") as store:
        _write(store, events, bulk, split)
        first = _state(store)
        _write(store, events, bulk)
        assert _state(store) == first
    assert first["posts"] == [("p1", "text 3", None, None)]
    assert first["tags"] == [("p1", "tag3")]
    assert first["versions"] == [("p1", "v1"), ("p1", "v2"), ("p1", "v3")]


def test_an_edit_of_a_post_not_stored_changes_nothing(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        _write(store, [lambda b: b.edit(P, "p9", "v1", T0, "text", ["tag"], [])], bulk=False)
        assert _state(store) == {"posts": [], "hidden": [], "tags": [], "versions": []}


def _status(active: bool, status: str | None, hours: int, author: str = "ann@example.org"):
    return lambda b: b.account_status(P, author, active, status, T0 + timedelta(hours=hours))


def test_a_suspended_account_leaves_every_metric_until_it_is_active_again(tmp_path):
    """Suspended: its posts (stored and later) move to ``hidden_posts``; an older status read
    afterwards changes nothing; active again: they are back, with their tags."""
    with Store(tmp_path / "s.duckdb") as store:
        _write(store, [lambda b: _post(b, "p1"), lambda b: _post(b, "bob1", "bob@example.org"),
                       _status(False, "suspended", 2)], bulk=False)
        assert _state(store)["posts"] == [("bob1", "v0", None, None)]
        assert _state(store)["hidden"] == [("p1",)]
        _write(store, [lambda b: _post(b, "p2"), _status(True, None, 1)], bulk=False)
        assert _state(store)["hidden"] == [("p1",), ("p2",)], "an older status must not show"
        _write(store, [_status(True, None, 3)], bulk=False)
        state = _state(store)
    assert [p[0] for p in state["posts"]] == ["bob1", "p1", "p2"] and state["hidden"] == []
    assert [t[0] for t in state["tags"]] == ["bob1", "p1", "p2"]


def test_within_one_batch_the_newest_status_wins(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        _write(store, [lambda b: _post(b, "p1"), _status(False, "takendown", 5),
                       _status(True, None, 4)], bulk=False, split=[])
        assert _state(store)["hidden"] == [("p1",)]


@settings(max_examples=20, deadline=None)
@given(bulk=st.booleans(), deleted_first=st.booleans())
def test_a_deleted_accounts_posts_are_removed_for_good(tmp_path_factory, bulk, deleted_first):
    """Deleted: every post of the account goes, with its tags, whether read before or after
    the deletion, in a live or a bulk ingest, and no later ingest brings one back."""
    posts = [lambda b: _post(b, "p1"), lambda b: _post(b, "p2"),
             lambda b: _post(b, "bob1", "bob@example.org")]
    deleted = _status(False, "deleted", 1)
    events = [deleted, *posts] if deleted_first else [*posts, deleted]
    with Store(tmp_path_factory.mktemp("d") / "s.duckdb") as store:
        _write(store, events, bulk)
        _write(store, posts, bulk)
        state = _state(store)
        # a deleted account is forgotten: a salted tombstone, not its id in clear text
        assert is_forgotten(store, P, account="ann@example.org")
        assert store.count("account_deletions") == 0
    assert state["posts"] == [("bob1", "v0", None, None)]
    assert state["tags"] == [("bob1", "ichbinhanna")] and state["hidden"] == []


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(range(4)), bulk=st.booleans())
def test_local_ids_reach_their_post_in_any_order(tmp_path_factory, order, bulk):
    """On Mastodon a delete, a reply and a quote may name a post by the id one server gave it.
    Read before or after the post (and its local id), they reach it; the same number from
    another server reaches nothing."""
    uri = "https://example.org/users/ann/statuses/1"
    events = [
        lambda b: (_post(b, uri), b.local_id(P, "example.org", "109", uri)),
        lambda b: b.delete_local(P, "example.org", "109", T0, "deleted"),
        lambda b: _post(b, "reply", "bob@example.org", kind="reply",
                        reply_to="local:example.org/109"),
        lambda b: _post(b, "quote", "eve@example.org", kind="quote",
                        quote_of="local:example.org/109"),
    ]
    with Store(tmp_path_factory.mktemp("l") / "s.duckdb") as store:
        _write(store, [events[i] for i in order], bulk)
        _write(store, [lambda b: b.delete_local(P, "other.social", "109", T0, "deleted")], bulk)
        state = _state(store)
    assert state["posts"] == [("quote", "v0", None, uri), ("reply", "v0", uri, None)]
