"""A Jetstream stand-in for the tests: a real WebSocket server on 127.0.0.1 replaying frames.

It honours ``cursor`` as Jetstream does (every frame from that ``time_us`` on; a frame without
a time travels with the frame before it), records what each connection asked for, and can
misbehave on purpose: drop a connection abruptly after some frames (no close frame: a lost
network), pause mid-stream, send binary frames, and at the end close normally (code 1000), go
away (1001, a restart) or keep the connection open.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson
from helpers import CORPORA
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from groundswell.api import Store

EVENTS = CORPORA / "bluesky" / "jetstream_events_v1.jsonl"
WANTED = ("app.bsky.feed.post", "app.bsky.feed.repost")

#: The canonical content of a store, without provenance (a stream is not a file).
CONTENT = {
    "posts": "SELECT platform, post_id, author_id, created_at, text, kind, reply_to_post_id, "
             "repost_of_post_id, quote_of_post_id FROM posts",
    "hidden_posts": "SELECT platform, post_id, author_id FROM hidden_posts",
    "post_hashtags": "SELECT platform, post_id, tag FROM post_hashtags",
    "mentions": "SELECT platform, post_id, handle, mentioned_author_id FROM mentions",
    "deletions": "SELECT platform, post_id FROM deletions",
    "accounts": "SELECT platform, author_id, handle, status FROM accounts",
    "handles": "SELECT platform, author_id, handle FROM handles",
    "post_versions": "SELECT platform, post_id, version, edited_at FROM post_versions",
    "quarantine": "SELECT reason, raw_excerpt FROM quarantine",
}


def content(db: str | Path) -> dict[str, list]:
    with Store(db, read_only=True) as store:
        return {t: sorted(map(repr, store.con.execute(q).fetchall())) for t, q in CONTENT.items()}


def straight(tmp: Path, name: str, lines: Iterable[bytes]) -> Path:
    """A store made by a one-shot ingest of ``lines``, the reference a watch is held to."""
    path = tmp / f"{name}.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    db = tmp / f"{name}.duckdb"
    with Store(db) as store:
        store.ingest([path])
    return db


def real_lines() -> list[bytes]:
    return [raw for raw in EVENTS.read_bytes().splitlines() if raw.strip()]


def wanted(lines: Iterable[bytes]) -> list[bytes]:
    """What Jetstream sends for ``wantedCollections`` = posts and reposts: their commits, and
    every identity and account event."""
    out = []
    for raw in lines:
        event = orjson.loads(raw)
        if event.get("kind") != "commit" or event["commit"].get("collection") in WANTED:
            out.append(raw)
    return out


@dataclass
class Frame:
    data: bytes
    binary: bool = False

    @property
    def time_us(self) -> int | None:
        try:
            value = orjson.loads(self.data).get("time_us")
        except (orjson.JSONDecodeError, AttributeError):
            return None
        return value if type(value) is int else None


@dataclass
class Connection:
    """What one client connection asked for and got."""

    cursor: int | None
    collections: list[str]
    sent: int = 0


@dataclass
class ReplayServer:
    """``with ReplayServer(frames) as server: ... server.url``. ``drops[k]``: abort the k-th
    connection after that many frames; ``pauses[k]``: stop sending on the k-th after that
    many frames until :attr:`resume` is set; ``end``: ``"close"`` (1000), ``"going away"``
    (1001) or ``"hold"`` (open until the server stops) once every frame was sent."""

    frames: Sequence[Frame | bytes]
    drops: Sequence[int | None] = ()
    pauses: Sequence[int | None] = ()
    end: str = "close"
    port: int = 0
    connections: list[Connection] = field(default_factory=list)
    resume: threading.Event = field(default_factory=threading.Event)
    paused: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.frames = [f if isinstance(f, Frame) else Frame(f) for f in self.frames]
        self._times = [f.time_us for f in self.frames]
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    def __enter__(self) -> ReplayServer:
        self._server = serve(self._handle, "127.0.0.1", self.port, compression=None)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut down: open connections are closed with 1001 (going away), as on a restart."""
        self._stopping.set()
        self.resume.set()
        self._server.shutdown()
        self._thread.join(5)

    def _handle(self, conn: ServerConnection) -> None:
        query = parse_qs(urlsplit(conn.request.path).query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        index = len(self.connections)
        record = Connection(cursor, query.get("wantedCollections", []))
        self.connections.append(record)
        drop = self.drops[index] if index < len(self.drops) else None
        pause = self.pauses[index] if index < len(self.pauses) else None
        try:
            at = 0
            for frame, time_us in zip(self.frames, self._times, strict=True):
                at = time_us if time_us is not None else at
                if cursor is not None and at < cursor:
                    continue
                if record.sent == drop:
                    conn.socket.shutdown(socket.SHUT_RDWR)  # no close frame: a lost network
                    return
                if record.sent == pause and not self._pause(conn):
                    return
                conn.send(frame.data, text=not frame.binary)
                record.sent += 1
            if record.sent == pause and not self._pause(conn):
                return
            if self.end == "close":
                conn.close(1000)
            elif self.end == "going away":
                conn.close(1001)
            else:
                self._stopping.wait()
        except (ConnectionClosed, OSError):
            return

    def _pause(self, conn: ServerConnection) -> bool:
        """Wait for :attr:`resume`; False if the server stops meanwhile (then the connection
        is closed as a restart closes it)."""
        self.paused.set()
        self.resume.wait()
        if self._stopping.is_set():
            conn.close(1001)  # going away: the server restarts
            return False
        return True
