"""``watch mastodon`` against a replay server on 127.0.0.1 (tests/watch/mastodon_server.py)
replaying real statuses (../shared/corpora/mastodon) and simulated streams: plain, dropped,
restarted, refused, malformed, too fast, on two servers, behind a token. After each, the
store equals a straight ingest of the same statuses. Nothing here waits on a clock: each
run stops when the client has read what the server holds."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from helpers import corpus
from watch.mastodon_server import (
    Connection,
    Frame,
    Replay,
    ReplayServer,
    campaign_file,
    content,
    message_frames,
    status_frames,
    straight,
)

from groundswell import Store
from groundswell.simulate import simulate
from groundswell.watch import cursors
from groundswell.watch.mastodon import WatchError, watch_mastodon
from groundswell.watch.mastodon_writers import MastodonSummary


@pytest.fixture(scope="module")
def hanna() -> Path:
    """A real tag timeline: 160 statuses of #IchBinHanna on mastodon.social."""
    path = corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json")
    if not path.is_file():
        pytest.skip(f"no real tag timeline at {path}")
    return path


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """A simulated server's stream (WebSocket messages): statuses, edits, deletes, and two
    malformed lines."""
    path = tmp_path_factory.mktemp("simulated") / "stream.jsonl"
    simulate(1_000, fmt="mastodon", seed=3, out=path)
    return path


def statuses(path: Path) -> list[dict]:
    return json.loads(path.read_bytes())


def newest(frames: list[Frame]) -> str:
    return max((f.status["id"] for f in frames if f.status), key=lambda i: (len(i), i))


def until(stop: threading.Event, done: Callable[[MastodonSummary], bool]):
    """A status callback that sets ``stop`` once ``done(summary)``."""
    def status(summary: MastodonSummary) -> None:
        if done(summary):
            stop.set()
    return status


def at(server: ReplayServer, position: str):
    """Done once the server's tag stream stands at ``position``. Sound only where the
    timeline is read forward from a position (a first look reads the newest page, which may
    hold statuses the stream has yet to deliver: then count what was streamed instead)."""
    key = f"{server.host} #{server.replay.tag}"
    return lambda s: s.positions.get(key) == position


def watch(db: Path, campaign: Path, urls: list[str], done, **options) -> MastodonSummary:
    stop = threading.Event()
    options.setdefault("reconnect_wait", 0.01)
    options.setdefault("poll_every", 0.01)
    return watch_mastodon(db, campaign, urls, stop=stop, status=until(stop, done), **options)


def test_a_stream_is_stored_as_a_straight_ingest(tmp_path, hanna):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    with ReplayServer(Replay(frames, chunk_size=777)) as server:  # events straddle chunks
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: s.streamed >= len(frames))
    assert summary.posts_added == 160 and summary.reconnects == 0 and not summary.polling
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])
    with Store(tmp_path / "live.duckdb", read_only=True) as store:
        cursor, kept = cursors.load(store, f"mastodon {server.host}")
        posts = store.con.execute("SELECT DISTINCT source_file FROM posts").fetchall()
    assert json.loads(cursor) == {"ichbinhanna": newest(frames)} and kept == summary.kept
    assert posts == [(f"mastodon {server.host}",)]


@pytest.mark.parametrize("then", ["drop", "end"])
def test_a_dropped_stream_reconnects_and_the_timeline_fills_the_gap(tmp_path, hanna, then):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    # 50 streamed, 70 missed while disconnected (two timeline pages), 40 streamed again
    replay = Replay(frames, connections=[Connection(0, 50, then), Connection(120)])
    with ReplayServer(replay) as server:
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        at(server, newest(frames)))
    assert summary.reconnects >= 1 and server.stream_connections >= 2
    gap = [q for path, q, _ in server.requests if q.get("min_id") == frames[49].status["id"]]
    assert gap, "after the drop, the timeline is read from the last status streamed"
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])


def test_a_restarted_watch_resumes_from_the_stored_cursor(tmp_path, hanna):
    frames = status_frames(statuses(hanna))
    camp, db = campaign_file(tmp_path, "ichbinhanna"), tmp_path / "live.duckdb"
    replay = Replay(frames, connections=[Connection(0, 60), Connection(100)])
    with ReplayServer(replay) as server:
        first = watch(db, camp, [server.url], lambda s: s.streamed >= 60)
        asked = len(server.requests)
        # restarted: frames 60-99 went out while it was down
        second = watch(db, camp, [server.url], at(server, newest(frames)))
    resumed = [q for path, q, _ in server.requests[asked:] if "timelines" in path]
    assert resumed[0]["min_id"] == frames[59].status["id"]
    assert second.kept_before == first.kept
    assert content(db) == straight(tmp_path / "straight.duckdb", [(hanna, server.host)])


@pytest.mark.parametrize("refuse, stream", [(401, True), (404, True), (None, False)])
def test_without_streaming_the_timeline_is_polled(tmp_path, hanna, refuse, stream):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    # the tag grows by 25 statuses between two reads; the first read is rate limited
    replay = Replay(frames, refuse_stream=refuse, timeline_step=25, rate_limit_first=True)
    with ReplayServer(replay) as server:
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        at(server, newest(frames)), stream=stream)
    streams = [path for path, _, _ in server.requests if "streaming" in path]
    assert len(streams) == (1 if stream else 0)
    assert list(summary.polling) == ([f"{server.host} #ichbinhanna"] if stream else [])
    assert summary.rate_limited == 1 and summary.streamed == 0
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])


def test_a_stream_that_keeps_failing_falls_back_to_polling(tmp_path, hanna):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    replay = Replay(frames, connections=[Connection(0, 0, "drop")] * 5, timeline_step=40)
    with ReplayServer(replay) as server:
        read_all = at(server, newest(frames))
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: bool(s.polling) and read_all(s))
    assert "failed 5 times in a row" in summary.polling[f"{server.host} #ichbinhanna"]
    assert server.stream_connections == 5 and summary.reconnects == 4
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])


def malformed(real: list[dict]) -> list[Frame]:
    """Real statuses among frames a store must quarantine, skip or apply."""
    broken_html = dict(real[1], id="900000000000000001", uri=real[1]["uri"] + "#html",
                       content='<p>unclosed <a href="https://x/tags/ichbinhanna">#<span>Ich'
                               'BinHanna</a></div><<>>&&amp;&#xZZ; <br')
    edited = dict(real[2], edited_at="2025-10-16T10:00:00.000Z",
                  content=real[2]["content"] + "<p>edited #Wissenschaft</p>")
    frames = status_frames(real)
    return [
        *frames[:10],
        Frame("update", b"not json at all"),
        Frame("update", b'{"id": "900000000000000002", "uri": '),  # cut short
        Frame("update", b"\xff\xfe\x00 invalid utf-8"),
        Frame("update", orjson.dumps({k: v for k, v in real[3].items() if k != "uri"})),
        Frame("update", orjson.dumps({k: v for k, v in real[4].items() if k != "account"})),
        Frame("update", orjson.dumps(dict(real[5], content=42))),
        Frame("update", orjson.dumps(broken_html)),
        Frame("update", b"[1, 2, 3]"),
        Frame("update", b"{}"),
        Frame("status.update", orjson.dumps(edited)),
        Frame("delete", real[6]["id"].encode()),
        Frame("delete", b"not an id!"),
        Frame("filters_changed", b"undefined"),
        Frame("announcement", b'{"id": "7", "content": "<p>hi</p>", "all_day": false, '
                              b'"published_at": "2025-10-16T10:00:00.000Z"}'),
        *frames[10:],
    ]


def test_malformed_frames_are_quarantined_as_a_straight_ingest_would(tmp_path):
    real = [json.loads(line) for line in corpus(
        "mastodon", "rtoot", "stream_mastodonsocial.jsonl").read_bytes().splitlines()]
    frames = malformed(real)
    camp = campaign_file(tmp_path, "ichbinhanna")
    saved = tmp_path / "saved_stream.txt"  # what `curl` of the stream would have saved
    saved.write_bytes(b"".join(f.wire() for f in frames))
    with ReplayServer(Replay(frames, chunk_size=101)) as server:
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: s.streamed >= len(frames))
    expected = straight(tmp_path / "straight.duckdb", [(saved, server.host)])
    assert summary.quarantined == len(expected["quarantine"]) >= 8
    assert summary.deleted == 1
    assert content(tmp_path / "live.duckdb") == expected


def test_a_server_faster_than_the_client_commits(tmp_path, simulated):
    frames = message_frames(simulated)
    assert {f.event for f in frames} >= {"update", "status.update", "delete"}
    camp = campaign_file(tmp_path, "ichbinhanna")
    with ReplayServer(Replay(frames)) as server:  # everything at once, as fast as it can
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: s.streamed >= len(frames), batch_posts=100)
    assert summary.commits >= len(frames) // 100
    expected = straight(tmp_path / "straight.duckdb", [(simulated, server.host)],
                        quarantine=False)  # malformed lines: the same, in another form
    assert content(tmp_path / "live.duckdb", quarantine=False) == expected
    with Store(tmp_path / "straight.duckdb", read_only=True) as store:
        quarantined, = store.con.execute("SELECT count(*) FROM quarantine").fetchone()
    assert summary.quarantined == quarantined == 2 and summary.deleted == 1


def renumbered(statuses: list[dict], shift: int) -> list[dict]:
    """The same statuses as another server shows them: other local ids, the same uris."""
    def local(value):
        return None if value is None else str(int(value) + shift)
    return [dict(s, id=local(s["id"]), in_reply_to_id=local(s["in_reply_to_id"]))
            for s in statuses]


def test_posts_seen_on_two_servers_are_stored_once(tmp_path, hanna):
    first, second = statuses(hanna), renumbered(statuses(hanna), 7_777)
    other = tmp_path / "other_server.jsonl"
    other.write_bytes(b"\n".join(orjson.dumps(s) for s in second) + b"\n")
    camp = campaign_file(tmp_path, "ichbinhanna")
    with ReplayServer(Replay(status_frames(first))) as a, \
            ReplayServer(Replay(status_frames(second))) as b:
        summary = watch(tmp_path / "live.duckdb", camp, [a.url, b.url, a.url + "/"],
                        lambda s: s.streamed >= 2 * len(first))
    assert summary.instances == [a.host, b.host]
    live = content(tmp_path / "live.duckdb")
    assert live == straight(tmp_path / "straight.duckdb", [(hanna, a.host), (other, b.host)])
    assert len(live["posts"]) == 160 and len(live["local_ids"]) == 320


@pytest.mark.parametrize("per_server", [False, True])
def test_a_server_that_requires_a_token(tmp_path, hanna, monkeypatch, per_server):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    monkeypatch.delenv("GROUNDSWELL_MASTODON_TOKEN", raising=False)
    with ReplayServer(Replay(frames, token="s3cret")) as server:
        with pytest.raises(WatchError, match="401.*set GROUNDSWELL_MASTODON_TOKEN"):
            watch(tmp_path / "live.duckdb", camp, [server.url], lambda s: False)
        name = "GROUNDSWELL_MASTODON_TOKEN" + (
            "_127_0_0_1_" + server.host.rsplit(":", 1)[1] if per_server else "")
        monkeypatch.setenv(name, "s3cret")
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: s.streamed >= len(frames))
    assert not summary.polling
    sent = [auth for path, _, auth in server.requests if path != "/api/v2/instance"]
    assert sent[:2] == [None, None] and set(sent[2:]) == {"Bearer s3cret"}
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])


def test_the_streaming_api_on_a_host_of_its_own(tmp_path, hanna):
    frames = status_frames(statuses(hanna))
    camp = campaign_file(tmp_path, "ichbinhanna")
    with ReplayServer(Replay(frames)) as streaming, \
            ReplayServer(Replay(frames, refuse_stream=404,
                                streaming_url=f"ws://{streaming.host}")) as server:
        summary = watch(tmp_path / "live.duckdb", camp, [server.url],
                        lambda s: s.streamed >= len(frames))
    assert not summary.polling and streaming.stream_connections == 1
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(hanna, server.host)])


def test_ctrl_c_stops_with_everything_received_committed(tmp_path, hanna):
    real = statuses(hanna)
    frames = status_frames(real)
    camp = campaign_file(tmp_path, "ichbinhanna")
    received = tmp_path / "received.jsonl"
    received.write_bytes(b"\n".join(f.data for f in frames[:80]) + b"\n")

    def interrupt(summary: MastodonSummary) -> None:
        if summary.streamed >= 80:
            raise KeyboardInterrupt

    with ReplayServer(Replay(frames, connections=[Connection(0, 80)])) as server:
        with pytest.raises(KeyboardInterrupt):
            watch_mastodon(tmp_path / "live.duckdb", camp, [server.url], status=interrupt,
                           commit_every=3600)
    assert content(tmp_path / "live.duckdb") == straight(tmp_path / "straight.duckdb",
                                                         [(received, server.host)])
