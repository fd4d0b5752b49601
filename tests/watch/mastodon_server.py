"""A Mastodon server on 127.0.0.1 that replays events: the hashtag stream as server-sent
events and the tag timeline with ``min_id`` paging, for the watch's tests.

Why a real server (``http.server`` in threads, real sockets, chunked transfer) rather than a
mocked transport: the client's behaviour under a dropped connection, a refusal or a server
sending faster than it writes is what is tested, and only real sockets do that.

The model: ``frames`` are the events of one tag, in arrival order. A frame is *published*
(in the timeline) once a stream connection sent it, or once a later connection started
after it (missed while nobody listened). Each stream connection follows its
:class:`Connection` plan: it sends ``frames[start:end]``, then holds the connection open with
heartbeats, drops it mid-stream (no end of the chunked body), or ends it properly. Without a
plan a connection sends what is left and holds.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson

from groundswell import Store


@dataclass(frozen=True)
class Frame:
    """One server-sent event as the server writes it."""

    event: str
    data: bytes

    def wire(self) -> bytes:
        """``event: E`` and one ``data:`` line per line of the data, then a blank line."""
        lines = b"".join(b"data: " + part + b"\n" for part in self.data.split(b"\n"))
        return b"event: " + self.event.encode() + b"\n" + lines + b"\n"

    @property
    def status(self) -> dict | None:
        """The status it carries (update, edit), if its data is one."""
        if self.event not in ("update", "status.update"):
            return None
        try:
            obj = orjson.loads(self.data)
        except orjson.JSONDecodeError:
            return None
        return obj if type(obj) is dict and type(obj.get("id")) is str else None


def status_frames(statuses: list[dict]) -> list[Frame]:
    """Statuses as ``update`` events, oldest id first (the order they reach a server)."""
    ordered = sorted(statuses, key=lambda s: (len(s["id"]), s["id"]))
    return [Frame("update", orjson.dumps(s)) for s in ordered]


def message_frames(path: Path) -> list[Frame]:
    """WebSocket messages (``groundswell simulate --format mastodon``) as server-sent events:
    ``event`` the message's, ``data`` its payload; a line that is no message (the
    simulator's malformed lines) is sent as an ``update`` with that line as data."""
    frames = []
    for line in path.read_bytes().splitlines():
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            message = None
        if type(message) is dict and type(message.get("payload")) is str:
            frames.append(Frame(message["event"], message["payload"].encode()))
        elif line.strip():
            frames.append(Frame("update", line))
    return frames


@dataclass
class Connection:
    """One stream connection's plan: send ``frames[start:end]``, then ``then``:
    ``hold`` (heartbeats until closed), ``drop`` (cut mid-stream) or ``end`` (a proper end)."""

    start: int
    end: int | None = None
    then: str = "hold"


@dataclass
class Replay:
    """What the server serves and how (see the module)."""

    frames: list[Frame]
    tag: str = "ichbinhanna"
    connections: list[Connection] = field(default_factory=list)
    #: requests without ``Authorization: Bearer <token>`` are refused (401)
    token: str | None = None
    #: the stream answers this status (401: streaming closed to visitors, 404: none)
    refuse_stream: int | None = None
    #: each timeline request first publishes this many more frames (a tag that grows)
    timeline_step: int | None = None
    #: the first timeline request is answered 429 (Retry-After: 0)
    rate_limit_first: bool = False
    #: what /api/v2/instance names as the streaming API's address (None: 404)
    streaming_url: str | None = None
    #: the stream's bytes are cut in pieces of this size (events straddle chunks)
    chunk_size: int | None = None


class ReplayServer:
    """``with ReplayServer(Replay(...)) as server:`` → ``server.url``, ``server.host``."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.published = 0
        self.timeline: dict[str, dict] = {}
        self.requests: list[tuple[str, dict[str, str], str | None]] = []
        self.stream_connections = 0
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._rate_limited = False
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def publish_until(self, end: int) -> None:
        """Frames before ``end`` are in the timeline (edits replace, deletes remove)."""
        with self._lock:
            for frame in self.replay.frames[self.published:end]:
                status = frame.status
                if status is not None:
                    self.timeline[status["id"]] = status
                elif frame.event == "delete":
                    self.timeline.pop(frame.data.decode(), None)
            self.published = max(self.published, min(end, len(self.replay.frames)))

    def page(self, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        """The timeline as Mastodon pages it: newest first, ``limit`` ≤ 40, ``max_id``,
        ``since_id``, ``min_id`` (the statuses right after it), and a ``Link`` header."""
        key = lambda s: (len(s["id"]), s["id"])  # noqa: E731
        with self._lock:
            items = sorted(self.timeline.values(), key=key, reverse=True)
        limit = min(int(query.get("limit", 20)), 40)
        for name, keep in (("max_id", lambda s, b: key(s) < b), ("since_id", lambda s, b:
                           key(s) > b), ("min_id", lambda s, b: key(s) > b)):
            if name in query:
                bound = (len(query[name]), query[name])
                items = [s for s in items if keep(s, bound)]
        page = sorted(items, key=key)[:limit][::-1] if "min_id" in query else items[:limit]
        if not page:
            return page, {}
        base = f"{self.url}/api/v1/timelines/tag/{self.replay.tag}"
        link = (f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; '
                f'rel="next", <{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; '
                'rel="prev"')
        return page, {"Link": link}


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    replay = server.replay

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            auth = self.headers.get("Authorization")
            server.requests.append((parts.path, query, auth))
            if parts.path == "/api/v2/instance":
                if replay.streaming_url is None:
                    return self.answer(404, {"error": "Not found"})
                return self.answer(200, {"configuration": {"urls": {
                    "streaming": replay.streaming_url}}})
            if replay.token is not None and auth != f"Bearer {replay.token}":
                return self.answer(401, {"error": "The access token is invalid"})
            if parts.path == "/api/v1/streaming/hashtag":
                return self.stream(query.get("tag", "").lower() == replay.tag)
            if parts.path.startswith("/api/v1/timelines/tag/"):
                return self.timeline(parts.path.rsplit("/", 1)[1].lower() == replay.tag, query)
            return self.answer(404, {"error": "Not found"})

        def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def timeline(self, ours: bool, query: dict[str, str]) -> None:
            if replay.rate_limit_first and not server._rate_limited:
                server._rate_limited = True
                return self.answer(429, {"error": "Too many requests"}, {"Retry-After": "0"})
            if ours and replay.timeline_step:
                server.publish_until(server.published + replay.timeline_step)
            page, headers = server.page(query) if ours else ([], {})
            self.answer(200, page, headers)

        def stream(self, ours: bool) -> None:
            if replay.refuse_stream is not None:
                return self.answer(replay.refuse_stream, {"error": "Streaming refused"})
            number = server.stream_connections
            server.stream_connections += 1
            frames = replay.frames if ours else []
            plan = (replay.connections[number] if ours and number < len(replay.connections)
                    else Connection(server.published if ours else 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                if ours:
                    server.publish_until(plan.start)
                end = len(frames) if plan.end is None else plan.end
                self.send_frames(frames, plan.start, end, ours)
                if plan.then == "drop":
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                elif plan.then == "end":
                    self.wfile.write(b"0\r\n\r\n")
                    self.close_connection = True
                else:
                    while not server.closing.wait(0.05):
                        self.chunk(b":thump\n")
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError, OSError):
                self.close_connection = True

        def send_frames(self, frames: list[Frame], start: int, end: int, ours: bool) -> None:
            if replay.chunk_size:
                if ours:
                    server.publish_until(end)
                blob = b"".join(f.wire() for f in frames[start:end])
                for i in range(0, len(blob), replay.chunk_size):
                    self.chunk(blob[i:i + replay.chunk_size])
                return
            for i in range(start, end):
                server.publish_until(i + 1)
                self.chunk(frames[i].wire())

        def chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


# -- what the tests compare ------------------------------------------------------------------
#: The canonical content of a store, without provenance (a stream is not a file).
CONTENT = {
    "posts": "SELECT platform, post_id, author_id, created_at, text, lang, kind, "
             "reply_to_post_id, repost_of_post_id, quote_of_post_id FROM posts",
    "post_hashtags": "SELECT platform, post_id, tag FROM post_hashtags",
    "mentions": "SELECT platform, post_id, handle, mentioned_author_id FROM mentions",
    "deletions": "SELECT platform, post_id FROM deletions",
    "accounts": "SELECT platform, author_id, handle, status FROM accounts",
    "handles": "SELECT platform, author_id, handle FROM handles",
    "local_ids": "SELECT * FROM local_ids",
    "post_versions": "SELECT platform, post_id, version, edited_at FROM post_versions",
    "quarantine": "SELECT reason, raw_excerpt FROM quarantine",
}


def content(db: Path, quarantine: bool = True) -> dict[str, list[str]]:
    """The store's rows per table, sorted; ``quarantine=False`` leaves the quarantine out
    (when the compared file holds the malformed events in another form)."""
    tables = {t: q for t, q in CONTENT.items() if quarantine or t != "quarantine"}
    with Store(db, read_only=True) as store:
        return {t: sorted(map(repr, store.con.execute(q).fetchall())) for t, q in tables.items()}


def straight(path: Path, paths: list[tuple[Path, str]],
             quarantine: bool = True) -> dict[str, list[str]]:
    """The content of a one-shot ingest of ``(file, server)`` pairs into a new store."""
    with Store(path) as store:
        for file, host in paths:
            store.ingest([file], server=host)
    return content(path, quarantine)


def campaign_file(folder: Path, *tags: str) -> Path:
    """A campaign following ``tags`` (the first one main)."""
    path = folder / "campaign.toml"
    variants = "".join(f'\n[[tags.variants]]\ntag = "{t}"\n' for t in tags[1:])
    path.write_text(f'name = "test"\n\n[tags]\nmain = "{tags[0]}"\n{variants}',
                    encoding="utf-8")
    return path
