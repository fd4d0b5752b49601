"""``watch bluesky`` against a real WebSocket server on 127.0.0.1 replaying real and simulated
Jetstream events: whatever happens to the connection or the client, the store equals a
straight ingest of the same events (all of them with --all; with a campaign, those the filter
keeps, and the campaign's report equals the report on a straight ingest of everything)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import orjson
import pytest
from watch.jetstream_replay import (
    EVENTS,
    Frame,
    ReplayServer,
    content,
    real_lines,
    straight,
    wanted,
)

from groundswell import api
from groundswell.api import Store
from groundswell.campaign import Campaign
from groundswell.keys import load_key, write_key
from groundswell.simulate import simulate
from groundswell.store import StoreError
from groundswell.watch import cursors
from groundswell.watch.backoff import Backoff
from groundswell.watch.jetstream import REWIND, STREAM, watch_bluesky
from groundswell.watch.keep import Keep

pytestmark = pytest.mark.skipif(not EVENTS.is_file(), reason=f"no real events at {EVENTS}")
REWIND_US = int(REWIND * 1_000_000)


def quick() -> Backoff:
    """Reconnect at once in tests (the waits themselves are Backoff's business)."""
    return Backoff(first=0.01, longest=0.02)


def watch(db, server: ReplayServer, campaign=None, **options):
    options.setdefault("keep_all", campaign is None)
    return watch_bluesky(db, campaign, endpoint=server.url, exit_when_closed=True,
                         backoff=quick(), **options)


def times(lines: list[bytes]) -> list[int]:
    """The ``time_us`` of each line that has one (the simulator plants a few broken lines)."""
    return [frame.time_us for frame in map(Frame, lines) if frame.time_us is not None]


def stored_cursor(db) -> tuple[str, int] | None:
    with Store(db, read_only=True) as store:
        return cursors.load(store, STREAM)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A simulated campaign's stream (time-ordered; ~25 % of it background posts), its
    campaign file, and the store of a straight ingest of all of it."""
    tmp = tmp_path_factory.mktemp("simulated")
    simulate(2000, fmt="bluesky-jetstream", seed=7, out=tmp / "s.jsonl")
    lines = [line for line in (tmp / "s.jsonl").read_bytes().splitlines() if line.strip()]
    return lines, tmp / "s.campaign.toml", straight(tmp, "everything", lines)


def kept_by_filter(lines: list[bytes], campaign) -> list[bytes]:
    """What the filter keeps of ``lines``, in order (held events where it puts them)."""
    keep = Keep(Campaign.load(campaign))
    out = []
    for line in lines:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            event = None
        out += [raw for raw, _ in keep.take(event, line, 0)]
    return out


def report(db, campaign, key_of=None) -> dict:
    """The campaign's report, under the pseudonym key of ``key_of`` (so that two stores name
    accounts alike), without the response tags' lift (which compares the campaign with every
    stored post: a watch stores only what the campaign needs)."""
    with Store(db) as store:
        if key_of is not None:
            with Store(key_of, read_only=True) as other:
                write_key(store.store_id, load_key(other.store_id))
        found = json.loads(json.dumps(api.report(store, campaign=campaign), default=str))
    for row in found.get("response_tags", []):
        row.pop("lift")
    return found


def test_a_replay_of_the_real_stream_is_stored_as_a_straight_ingest(tmp_path):
    lines = wanted(real_lines())
    with ReplayServer(lines) as server:
        summary = watch(tmp_path / "w.duckdb", server)
    assert [c.collections for c in server.connections] == [
        ["app.bsky.feed.post", "app.bsky.feed.repost"]]
    assert server.connections[0].cursor is None  # a new store starts live
    assert summary.events == summary.kept == len(lines) and summary.reconnects == 0
    assert content(tmp_path / "w.duckdb") == content(straight(tmp_path, "ref", lines))
    assert stored_cursor(tmp_path / "w.duckdb") == (str(max(times(lines))), len(lines))


def test_a_campaign_keeps_what_its_report_needs(tmp_path, simulated):
    lines, campaign, everything = simulated
    with ReplayServer(lines) as server:
        summary = watch(tmp_path / "w.duckdb", server, campaign)
    kept = kept_by_filter(lines, campaign)
    assert summary.events == len(lines) and summary.kept == len(kept) < len(lines) * 0.9
    assert content(tmp_path / "w.duckdb") == content(straight(tmp_path, "kept", kept))
    assert report(tmp_path / "w.duckdb", campaign, everything) == report(everything, campaign)


def test_dropped_connections_resume_from_the_cursor_without_loss(tmp_path, simulated):
    lines = simulated[0]
    with ReplayServer(lines, drops=[700, 300]) as server:
        summary = watch(tmp_path / "w.duckdb", server)
    assert summary.reconnects == 2 and len(server.connections) == 3
    first, second, third = server.connections
    assert second.cursor == max(times(lines[:700])) - REWIND_US
    assert third.cursor is not None and third.cursor > second.cursor
    assert third.sent < len(lines) - 900  # resumed, not replayed from the start
    assert content(tmp_path / "w.duckdb") == content(simulated[2])


def test_a_server_restart_mid_stream(tmp_path, simulated):
    """The server goes away (1001) mid-stream and comes back on the same port."""
    lines = simulated[0]
    first = ReplayServer(lines, pauses=[500], end="hold").__enter__()
    results = []
    thread = threading.Thread(target=lambda: results.append(
        watch(tmp_path / "w.duckdb", first)))
    thread.start()
    assert first.paused.wait(30)
    first.stop()
    with ReplayServer(lines, port=first.port) as second:
        thread.join(60)
    assert results and results[0].reconnects >= 1
    assert second.connections[0].cursor == max(times(lines[:500])) - REWIND_US
    assert content(tmp_path / "w.duckdb") == content(simulated[2])


def test_a_killed_client_restarts_from_the_stored_cursor(tmp_path, simulated):
    """A client killed (SIGKILL: no last commit) mid-stream; the next run resumes from what
    the store says, and nothing is lost or doubled."""
    lines = simulated[0]
    db = tmp_path / "w.duckdb"
    with ReplayServer(lines, pauses=[1200]) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "groundswell.cli", "watch", "bluesky", "--db", str(db),
             "--all", "--endpoint", server.url, "--commit-every", "0.05"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert server.paused.wait(60)
            deadline = time.monotonic() + 60
            while (found := _cursor_when_free(db)) is None or found[1] < 1200:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        server.resume.set()
        summary = watch(db, server)
    assert server.connections[1].cursor == int(found[0]) - REWIND_US
    assert summary.kept_before == found[1] and server.connections[1].sent < len(lines) - 1000
    assert content(db) == content(simulated[2])


def _cursor_when_free(db) -> tuple[str, int] | None:
    if not db.exists():
        return None
    try:
        return stored_cursor(db)
    except Exception:  # noqa: BLE001 (the writer holds the store for a moment: look again)
        return None


def test_a_restarted_campaign_watch_remembers_what_it_kept(tmp_path, simulated):
    """Stopped halfway, then run again: reposts and replies of posts kept by the first run
    are kept by the second (it loads the kept posts from the store)."""
    lines, campaign, everything = simulated
    db = tmp_path / "w.duckdb"
    with ReplayServer(lines[: len(lines) // 2]) as server:
        watch(db, server, campaign)
    half = stored_cursor(db)
    with ReplayServer(lines) as server:
        watch(db, server, campaign)
    assert server.connections[0].cursor == int(half[0]) - REWIND_US
    assert report(db, campaign, everything) == report(everything, campaign)


def test_a_server_faster_than_the_writer_loses_nothing(tmp_path, simulated):
    """Frames sent as fast as the server can while the client commits every 10 ms, and at
    every 100 posts: many short commits, each interrupting the reading, none losing a frame."""
    lines = simulated[0][:1200]
    with ReplayServer(lines) as server:
        summary = watch(tmp_path / "w.duckdb", server, commit_every=0.01, batch_posts=100)
    assert summary.commits > 10 and summary.events == len(lines)
    assert content(tmp_path / "w.duckdb") == content(straight(tmp_path, "ref", lines))


def malformed(lines: list[bytes]) -> list[Frame]:
    """The real stream with bad frames among its events."""
    did = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
    last = max(times(lines))
    future = orjson.dumps({"did": did, "time_us": last + 10**15, "kind": "identity",
                           "identity": {"did": did, "handle": "future.example"}})
    bad = [
        Frame(b"not json at all"), Frame(lines[3][: len(lines[3]) // 2]), Frame(b"[1, 2]"),
        Frame(lines[5], binary=True), Frame(b"\x00\xff\xfe garbage", binary=True),
        Frame(b'{"did":"\xff\xfe"}', binary=True), Frame(b'{"kind":"commit"}'),
        Frame(orjson.dumps({"did": did, "time_us": last - 5, "kind": "sync", "sync": {}})),
        Frame(orjson.dumps({"did": did, "time_us": last - 4, "kind": "commit", "commit": {
            "operation": "create", "collection": "app.bsky.feed.post", "record": {}}})),
        Frame(orjson.dumps({"did": did, "time_us": "soon", "kind": "account",
                            "account": {"active": True}})),
        Frame(b'{"did":"' + did.encode() + b'","time_us":1' + b"0" * 30 + b',"kind":"x"}'),
        Frame(future), Frame(b"   "),
    ]
    frames = [Frame(line) for line in lines]
    for i, frame in enumerate(bad):
        frames.insert(2 + 3 * i, frame)
    return frames


def test_malformed_frames_are_quarantined_or_skipped_as_an_ingest_would(tmp_path):
    lines = wanted(real_lines())
    frames = malformed(lines)
    with ReplayServer(frames, drops=[20]) as server:
        summary = watch(tmp_path / "w.duckdb", server)
    assert summary.reconnects == 1 and summary.quarantined >= 6
    as_lines = [frame.data for frame in frames if frame.data.strip()]
    assert content(tmp_path / "w.duckdb") == content(straight(tmp_path, "ref", as_lines))
    # the event dated far in the future is stored, but the cursor never moves there
    assert stored_cursor(tmp_path / "w.duckdb")[0] == str(max(times(lines)))
    with ReplayServer(frames) as server:  # a campaign's watch reads them without failing
        campaign = Campaign(name="x", main_tag="metoo")
        summary = watch(tmp_path / "c.duckdb", server, campaign)
    assert summary.events == len(as_lines) and summary.quarantined >= 6


@pytest.mark.parametrize("how", ["stop", "interrupt"])
def test_stopping_commits_everything_received(tmp_path, how):
    """``stop`` (the CLI's first Ctrl-C) or KeyboardInterrupt after 20 events: those 20 are
    in the store, with their cursor."""
    lines = wanted(real_lines())
    stop = threading.Event()

    def status(summary) -> None:
        if summary.events == 20:
            if how == "interrupt":
                raise KeyboardInterrupt
            stop.set()

    with ReplayServer(lines, end="hold") as server:
        summary = watch_bluesky(tmp_path / "w.duckdb", keep_all=True, endpoint=server.url,
                                stop=stop, status=status, commit_every=3600)
    assert summary.events == 20
    assert content(tmp_path / "w.duckdb") == content(straight(tmp_path, "ref", lines[:20]))
    assert stored_cursor(tmp_path / "w.duckdb") == (str(max(times(lines[:20]))), 20)


def test_what_it_refuses(tmp_path):
    with pytest.raises(ValueError, match="campaign"):
        watch_bluesky(tmp_path / "w.duckdb")
    with pytest.raises(ValueError, match="endpoint"):
        watch_bluesky(tmp_path / "w.duckdb", keep_all=True, endpoint="ftp://example.org")
    with pytest.raises(StoreError, match="folder"):
        watch_bluesky(tmp_path / "no" / "w.duckdb", keep_all=True)
    assert not os.listdir(tmp_path)


def test_stop_is_noticed_while_a_server_does_not_answer(tmp_path):
    """A server that accepts the connection and never answers the handshake: ``stop`` ends
    the watch anyway (not after the opening timeout), and nothing is stored."""
    silent = socket.create_server(("127.0.0.1", 0))
    stop, results = threading.Event(), []
    messages: list[str] = []

    def status(summary) -> None:
        stop.set()  # called while the connection is being opened

    thread = threading.Thread(target=lambda: results.append(watch_bluesky(
        tmp_path / "w.duckdb", keep_all=True, stop=stop, status=status, log=messages.append,
        endpoint=f"ws://127.0.0.1:{silent.getsockname()[1]}/subscribe")))
    thread.start()
    thread.join(60)
    silent.close()
    assert not thread.is_alive() and results[0].events == 0 and messages == []


def test_the_api_keeps_the_campaigns_live_state_for_the_dashboard(tmp_path, simulated):
    """``api.watch_bluesky`` updates the campaign's live state in every commit: the dashboard's
    panels read from it equal the full computation over the same store."""
    from live_checks import assert_panels_match

    from groundswell import api
    from groundswell.api import Store
    from groundswell.live import LiveState

    lines, campaign, _everything = simulated
    db = tmp_path / "w.duckdb"
    with ReplayServer(lines) as server:
        summary = api.watch_bluesky(db, campaign, endpoint=server.url, exit_when_closed=True,
                                    backoff=quick(), batch_posts=50)
    assert summary.commits > 1
    with Store(db, read_only=True) as store:
        assert_panels_match(store, LiveState(campaign))
