"""The live state over simulated streams: after any sequence of batches the state's panels are
the metrics' own over the same store, and the state equals one rebuilt from scratch.

Streams are the simulator's (v1.1, Bluesky's Jetstream, a Mastodon server's stream with its
edits, deletes by local id and boosts), cut into batches at points hypothesis chooses, and
sometimes written in another order than they were collected: reposts then reach the store
before their originals, and deletes before or after their posts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_checks import assert_panels_match, assert_same_as_rebuilt, dump

from groundswell import Store
from groundswell.campaign import Campaign
from groundswell.ingest.batch import Batch
from groundswell.ingest.dispatch import handle_line
from groundswell.live import LiveState
from groundswell.live import tables as live_tables
from groundswell.simulate import simulate

FORMATS = ("twitter-v1", "bluesky-jetstream", "mastodon")
#: Low enough for tags to trend in a small stream (the same options both ways).
TRENDING = {"trending": {"min_accounts": 3, "min_score": 4.0}}


@pytest.fixture(scope="module")
def streams(tmp_path_factory) -> dict[str, tuple[list[bytes], Campaign, str | None]]:
    folder = tmp_path_factory.mktemp("streams")
    out = {}
    for fmt in FORMATS:
        path = folder / f"{fmt}.jsonl"
        truth = simulate(1_500, fmt=fmt, seed=11, out=path)
        campaign = Campaign.load(folder / f"{fmt}.campaign.toml")
        out[fmt] = (path.read_bytes().splitlines(), campaign, truth.get("server"))
    return out


def write(store: Store, lines: list[bytes], server: str | None) -> None:
    """One batch, as a live writer commits it (``watch``, the follower)."""
    batch = Batch(server)
    batch.file = "stream.jsonl"
    for number, line in enumerate(lines, 1):
        batch.line = number
        handle_line(batch, line)
    store.write_batch(batch.to_arrow().tables)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_after_any_batches_the_state_reads_as_the_metrics(streams, tmp_path_factory, data):
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    lines, campaign, server = streams[fmt]
    cuts = sorted(data.draw(st.lists(st.integers(1, len(lines) - 1), min_size=1, max_size=5,
                                     unique=True), label="cuts"))
    chunks = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
    if data.draw(st.booleans(), label="out of order"):
        chunks = data.draw(st.permutations(chunks), label="order")
    scoped = data.draw(st.booleans(), label="campaign")
    state = LiveState(campaign if scoped else None, TRENDING)
    with Store(tmp_path_factory.mktemp("db") / "s.duckdb") as store:
        for chunk in chunks:
            write(store, chunk, server)
            # "current": a batch that stored nothing the state reads (quarantined lines,
            # copies of stored posts, accounts' events)
            assert state.update(store).mode in ("rebuilt", "updated", "current")
            assert_panels_match(store, state)
        assert_same_as_rebuilt(store, state)


def test_an_update_is_idempotent_and_a_current_state_costs_the_check(streams, tmp_path):
    lines, campaign, server = streams["twitter-v1"]
    state = LiveState(campaign, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        write(store, lines[:700], server)
        assert state.update(store).mode == "rebuilt"
        write(store, lines[700:], server)
        assert state.update(store).mode == "updated"
        before = dump(store, state)
        again = state.update(store)
        assert again.mode == "current" and again.posts_in == again.posts_out == 0
        assert dump(store, state) == before


def test_a_store_filled_by_a_plain_ingest_is_caught_up_once(streams, tmp_path):
    lines, campaign, server = streams["mastodon"]
    file = tmp_path / "first.jsonl"
    file.write_bytes(b"\n".join(lines[:1000]) + b"\n")
    state = LiveState(campaign, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([file], server=server)
        assert state.read(store) is None  # nobody keeps it yet: the dashboard computes
        first = state.update(store)
        assert first.mode == "rebuilt" and first.reason == "no state yet"
        assert_panels_match(store, state)
        write(store, lines[1000:], server)
        assert state.update(store).mode == "updated"
        assert_panels_match(store, state)


def test_states_of_other_campaigns_or_windows_are_other_tables(streams, tmp_path):
    lines, campaign, server = streams["bluesky-jetstream"]
    hourly = LiveState(campaign)
    half = LiveState(campaign, {"trending": {"window_seconds": 1800}})
    everything = LiveState(None)
    renamed = LiveState(Campaign(**{**campaign.__dict__, "name": "Another name"}))
    assert len({hourly.state, half.state, everything.state}) == 3
    assert renamed.state == hourly.state  # the name counts nothing
    with Store(tmp_path / "s.duckdb") as store:
        write(store, lines, server)
        hourly.update(store)
        assert hourly.read(store) is not None and half.read(store) is None
        half.update(store)
        assert_panels_match(store, half)
        half.drop(store)
        assert not live_tables.exists(store.con, live_tables.name(half.state, "posts"))
        assert hourly.read(store) is not None


def test_reading_never_writes(streams, tmp_path):
    lines, campaign, server = streams["twitter-v1"]
    db = tmp_path / "s.duckdb"
    state = LiveState(campaign)
    with Store(db) as store:
        write(store, lines, server)
        state.update(store)
    size = Path(db).stat().st_size
    with Store(db, read_only=True) as store:
        assert state.current(store)
        assert set(state.read(store)) == {"summary", "cumulative", "platforms", "trending",
                                          "roles"}  # no [roles]: the roles panel is empty
    assert Path(db).stat().st_size == size and not Path(f"{db}.wal").exists()


def test_a_dropped_table_makes_the_reader_compute_and_the_writer_rebuild(streams, tmp_path):
    lines, campaign, server = streams["twitter-v1"]
    state = LiveState(campaign, TRENDING)
    with Store(tmp_path / "s.duckdb") as store:
        write(store, lines[:900], server)
        state.update(store)
        store.con.execute(f"DROP TABLE {live_tables.name(state.state, 'hourly')}")
        assert state.read(store) is None
        write(store, lines[900:], server)
        stats = state.update(store)
        assert stats.mode == "rebuilt" and stats.reason == "a table of the state is missing"
        assert_panels_match(store, state)
