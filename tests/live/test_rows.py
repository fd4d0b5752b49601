"""The state's rows through the events that make a live store hard: reposts before their
originals, originals deleted under their reposts, edits that add or remove a campaign tag,
accounts deactivated and back, deleted accounts (forgotten as the store settles the batch),
posts without time or author, one id on two platforms, the window's edges. Hand-made with
the ingest's own batches; after every batch the panels are the metrics' own and, at the end,
the state is the one a rebuild makes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_checks import (
    CAMPAIGN,
    T0,
    assert_panels_match,
    assert_same_as_rebuilt,
    batch,
    post,
)

from groundswell import Store
from groundswell.live import LiveState
from groundswell.live import tables as live_tables

TRENDING = {"trending": {"min_accounts": 2, "min_score": 1.0}}


def step(store: Store, state: LiveState, fill) -> str:
    b = batch()
    fill(b)
    store.write_batch(b.to_arrow().tables)
    mode = state.update(store).mode
    assert_panels_match(store, state)
    return mode


def matched(store: Store, state: LiveState) -> set[str]:
    return {p for p, in store.con.execute(
        f"SELECT post_id FROM {live_tables.name(state.state, 'posts')} WHERE matched"
    ).fetchall()}


def test_an_original_after_its_reposts_makes_them_match_and_its_delete_undoes_it(tmp_path):
    state = LiveState(CAMPAIGN, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        step(store, state, lambda b: (post(b, "r1", "bob", 2, "repost", parent="o1"),
                                      post(b, "r2", "carol", 3, "repost", parent="o1"),
                                      post(b, "x", "dan", 1, tags=("nba",))))
        assert matched(store, state) == set()
        step(store, state, lambda b: post(b, "o1", "alice", 1, tags=("MeToo",)))
        assert matched(store, state) == {"o1", "r1", "r2"}
        step(store, state, lambda b: post(b, "r3", "erin", 4, "repost", parent="o1"))
        assert matched(store, state) == {"o1", "r1", "r2", "r3"}
        step(store, state, lambda b: b.delete("twitter", "o1", T0, "deleted"))
        assert matched(store, state) == set()  # the reposts stay, matching nothing
        assert_same_as_rebuilt(store, state)


def test_edits_that_add_or_remove_a_campaign_tag(tmp_path):
    state = LiveState(CAMPAIGN, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        step(store, state, lambda b: (post(b, "p", "alice", 1, tags=("nba",)),
                                      post(b, "rp", "bob", 2, "repost", parent="p")))
        assert matched(store, state) == set()
        step(store, state, lambda b: b.edit("twitter", "p", "v2", T0, "now #MeToo",
                                            ["MeToo"], []))
        assert matched(store, state) == {"p", "rp"}
        step(store, state, lambda b: b.edit("twitter", "p", "v3", T0, "plain", [], []))
        assert matched(store, state) == set()
        assert_same_as_rebuilt(store, state)


def test_accounts_deactivated_come_back_and_deleted_ones_are_forgotten(tmp_path):
    state = LiveState(CAMPAIGN, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        def many(b):
            for i, who in enumerate(("alice", "bob", "carol", "dan")):
                post(b, f"{who}1", who, i, tags=("MeToo", "ibelieveyou"))
                post(b, f"{who}2", who, i + 30, "repost", parent="alice1")
        step(store, state, many)
        step(store, state, lambda b: b.account_status("twitter", "alice", False,
                                                      "deactivated", T0))
        assert "alice1" not in matched(store, state)
        assert "bob2" not in matched(store, state)  # her post gone, its reposts match nothing
        step(store, state, lambda b: b.account_status("twitter", "alice", True, None, T0))
        assert {"alice1", "bob2"} <= matched(store, state)
        mode = step(store, state, lambda b: b.account_status("twitter", "carol", False,
                                                             "deleted", T0))
        assert mode == "recounted"  # forgotten as the batch settled: rows removed, recounted
        for part in live_tables.PARTS:
            rows = store.con.execute(f"SELECT * FROM {live_tables.name(state.state, part)}")
            assert "carol" not in repr(rows.fetchall()), part
        assert_same_as_rebuilt(store, state)


def test_posts_without_time_or_author_one_id_on_two_platforms_and_the_windows_edges(tmp_path):
    state = LiveState(CAMPAIGN, TRENDING)
    everything = LiveState(None, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        def odd(b):
            post(b, "a", "same", 1, tags=("MeToo",))
            post(b, "a", "same", 2, "reply", tags=("MeToo",), platform="mastodon")
            post(b, "b", "same", 3, "repost", parent="a", platform="mastodon")
            post(b, "c", None, 4, tags=("MeToo",))
            post(b, "d", "nobody", None, tags=("MeToo",))
            post(b, "e", "early", -30, tags=("MeToo",))  # the window's first instant
            post(b, "f", "late", 72, tags=("MeToo",))  # its end: outside
            post(b, "g", "fan", 5, "reply", text="Me  TOO.", parent="origin")
            post(b, "h", "fan2", 5, "reply", text="me tool", parent="origin")
        b = batch()
        odd(b)
        store.write_batch(b.to_arrow().tables)
        for s in (state, everything):
            s.update(store)
            assert_panels_match(store, s)
        assert matched(store, state) == {"a", "b", "c", "e", "g"}
        step(store, state, lambda b: b.delete("mastodon", "a", T0, "deleted"))
        everything.update(store)
        assert_panels_match(store, everything)
        for s in (state, everything):
            assert_same_as_rebuilt(store, s)


# -- any sequence of such events ---------------------------------------------------------------
AUTHORS = ("alice", "bob", "carol", "dan", None)
IDS = tuple(f"p{i}" for i in range(12))
TAGS = ("MeToo", "YoTambien", "nba", "ibelieveyou")

events = st.one_of(
    st.tuples(st.just("post"), st.sampled_from(IDS), st.sampled_from(AUTHORS),
              st.one_of(st.none(), st.integers(-40, 80)),
              st.sampled_from(("original", "reply", "quote", "repost")),
              st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
              st.sampled_from(IDS + ("origin",)), st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from(IDS)),
    st.tuples(st.just("edit"), st.sampled_from(IDS), st.integers(1, 9),
              st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
    st.tuples(st.just("status"), st.sampled_from(AUTHORS[:-1]),
              st.sampled_from(("deactivated", "active", "deleted"))),
)


def apply(b, event) -> None:
    kind = event[0]
    if kind == "post":
        _, pid, author, hours, form, tags, parent, says = event
        post(b, pid, author, hours, form, tuple(tags), "me too" if says else "", parent)
    elif kind == "delete":
        b.delete("twitter", event[1], T0, "deleted")
    elif kind == "edit":
        _, pid, version, tags = event
        b.edit("twitter", pid, f"v{version}", T0, " ".join(f"#{t}" for t in tags), tags, [])
    else:
        _, author, status = event
        b.account_status("twitter", author, status == "active",
                         None if status == "active" else status, T0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=st.lists(st.lists(events, min_size=1, max_size=8), min_size=1, max_size=5),
       scoped=st.booleans())
def test_any_sequence_of_events(tmp_path_factory, batches, scoped):
    state = LiveState(CAMPAIGN if scoped else None, TRENDING)
    with Store(tmp_path_factory.mktemp("db") / "s.duckdb") as store:
        for events_of_batch in batches:
            step(store, state, lambda b, evs=events_of_batch: [apply(b, e) for e in evs])
        assert_same_as_rebuilt(store, state)


def test_an_edit_in_the_batch_that_deletes_another_edited_post(tmp_path):
    """Found by the test above: the delete takes one version out of the store as the edit
    brings another in, so the store's count of versions does not change; the edit must be
    read all the same."""
    batches = [[("post", "p7", "alice", None, "reply", ["ibelieveyou"], "p10", False),
                ("edit", "p7", 6, [])],
               [("post", "p9", None, -13, "reply", ["ibelieveyou", "MeToo"], "p5", True),
                ("delete", "p7"), ("edit", "p9", 9, ["YoTambien", "nba"])]]
    for campaign in (None, CAMPAIGN):
        state = LiveState(campaign, TRENDING)
        with Store(tmp_path / f"{campaign is None}.duckdb") as store:
            for events_of_batch in batches:
                step(store, state, lambda b, evs=events_of_batch: [apply(b, e) for e in evs])
            assert_same_as_rebuilt(store, state)


def test_another_writer_between_two_updates_is_caught_up(tmp_path):
    """The marks are exact for a writer that updates after each batch. Another writer's batches
    in between (a plain ingest) are caught up too: when the newest post was deleted and a later
    batch numbered its posts below the mark, the rows no longer number the store's posts, and
    the state is rebuilt; otherwise it goes on from its marks. Each batch in a store opened
    for it, as live writers do (a writer numbers after the highest key present)."""
    db = tmp_path / "s.duckdb"
    state = LiveState(CAMPAIGN, TRENDING)

    def write(fill):
        b = batch()
        fill(b)
        with Store(db) as store:
            store.write_batch(b.to_arrow().tables)

    def update() -> object:
        with Store(db) as store:
            stats = state.update(store)
            assert_panels_match(store, state)
        return stats

    write(lambda b: [post(b, f"p{i}", "alice", i, tags=("MeToo",)) for i in range(5)])
    update()
    write(lambda b: b.account_status("twitter", "alice", False, "deactivated", T0))
    write(lambda b: post(b, "q1", "bob", 9, tags=("MeToo",)))
    write(lambda b: b.account_status("twitter", "alice", True, None, T0))
    assert update().mode in ("updated", "rebuilt")
    write(lambda b: post(b, "q2", "carol", 10, tags=("MeToo",)))
    assert update().mode == "updated"
    write(lambda b: b.delete("twitter", "q2", T0, "deleted"))
    write(lambda b: post(b, "q3", "dan", 11, tags=("MeToo",)))  # q2's number, again
    stats = update()
    assert stats.mode == "rebuilt" and "number" in stats.reason
    with Store(db) as store:
        assert_same_as_rebuilt(store, state)
