"""``groundswell watch bluesky``: Bluesky's firehose, through Jetstream, into the store.

Jetstream (github.com/bluesky-social/jetstream) serves the network's commits as JSON over a
WebSocket; the client asks for posts and reposts (``wantedCollections``; identity and account
events always come too), keeps what the campaign needs (:mod:`.keep`) and hands it to the
:class:`~groundswell.watch.writer.LiveWriter`, which commits at least every second together
with the stream's cursor.

Resuming: Jetstream's cursor is ``time_us``, the microsecond at which Jetstream saw an event.
The client remembers the newest one (never one more than :data:`FUTURE` ahead of this
machine's clock: a bad frame must not move the cursor into the future and skip everything)
and reconnects, after a drop or a restart, from that cursor minus a rewind (``rewind``, 5 s):
the events in between come twice, and a second copy changes nothing in the store. Each event
is stored with ``source_line`` = its ``time_us``, so a replayed one keeps its provenance.

Frames (decided per case):

* empty or blank: ignored (an ingest skips blank lines too);
* not JSON, truncated, not an object, or a Jetstream event the filter cannot read (no DID,
  no rkey...): counted as an event and handed to the writer, which quarantines it with its
  reason, as an ingest of the same line would; numbered after the last event with a time
  (its ``time_us`` + 1, + 2...), which a replay numbers alike;
* binary: read like text (Jetstream sends text; its own zstd compression is not asked for);
* an unknown kind or another collection: an event, not kept (with ``--all``, stored as an
  ingest stores it: skipped, counted by reason).

Connection: one thread runs the asyncio client (websockets' own); a frame received is handled
at once, and every :data:`TICK` seconds a quiet stream still commits what is due and notices
``stop``. (The threaded client cost four times the CPU a frame: its reader thread and the
loop handed every frame over under the GIL.) A drop, a refused connection or a handshake
error reconnects after a :class:`~groundswell.watch.backoff.Backoff` wait (reset once a
connection delivered events), committing meanwhile. Ctrl-C (``KeyboardInterrupt``) or
``stop`` ends the run with everything received committed.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, WebSocketException

from groundswell.campaign import Campaign
from groundswell.store import Store
from groundswell.watch import known
from groundswell.watch.backoff import Backoff
from groundswell.watch.endpoints import DEFAULT_ENDPOINT, subscribe_url
from groundswell.watch.keep import Keep, KeepAll
from groundswell.watch.writer import COMMIT_EVERY, LiveWriter, WatchSummary

#: The stream's name: its row in ``watch_cursors`` and the ``source_file`` of what it stores.
STREAM = "bluesky jetstream"
#: Seconds the resumed cursor is moved back (Jetstream's README advises a few seconds).
REWIND = 5.0
#: How often (seconds) a quiet stream commits what is due and looks at ``stop``.
TICK = 0.25
#: A ``time_us`` further ahead of this machine's clock is not believed as a cursor.
FUTURE = 600 * 1_000_000
#: A ``time_us`` is a positive integer below 2^53 (year 2255): a line number and a cursor.
_LARGEST = 1 << 53
#: The largest frame accepted (Jetstream's are a few kB; a record is at most 1 MB).
MAX_FRAME = 16 * 2**20

Log = Callable[[str], None]


class JetstreamClient:
    """One watch: :meth:`run` until ``stop`` is set or Ctrl-C; see the module."""

    def __init__(self, writer: LiveWriter, keep: Keep | KeepAll, endpoint: str = DEFAULT_ENDPOINT,
                 rewind: float = REWIND, stop: threading.Event | None = None,
                 status: Callable[[WatchSummary], None] | None = None, log: Log | None = None,
                 exit_when_closed: bool = False, backoff: Backoff | None = None,
                 open_timeout: float = 10.0) -> None:
        if rewind < 0:
            raise ValueError("rewind must be 0 or more seconds")
        subscribe_url(endpoint, None)  # a bad endpoint fails now, not at each reconnect
        self.writer, self.keep, self.endpoint = writer, keep, endpoint
        self.rewind_us = int(rewind * 1_000_000)
        self.stop = stop or threading.Event()
        self.status, self.log = status, log
        self.exit_when_closed = exit_when_closed
        self.backoff = backoff or Backoff()
        self.open_timeout = open_timeout
        self.summary = writer.summary
        #: the newest believable ``time_us`` seen (or stored): where a reconnect resumes
        self.cursor: int | None = None
        self._last = 0  # the last frame's time_us (the next unreadable frame is numbered after)
        self._unreadable = 0  # frames without a time since then

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> WatchSummary:
        stored = self.writer.stored_cursor()
        self.cursor = int(stored) if stored is not None and stored.isdigit() else None
        try:
            _run(self._main(), self.stop)
        except KeyboardInterrupt:
            self._say("interrupted: committing what was received")
        return self.writer.close()

    def resume_from(self) -> int | None:
        """The ``cursor`` to connect with: the newest time seen, rewound (None: live)."""
        return None if self.cursor is None else max(0, self.cursor - self.rewind_us)

    async def _main(self) -> None:
        while not self.stop.is_set():
            url = subscribe_url(self.endpoint, self.resume_from())
            finished = await self._session(url)
            if self.stop.is_set() or (finished and self.exit_when_closed):
                return
            self.summary.reconnects += 1
            if not await self._wait(self.backoff.delay()):
                return

    async def _session(self, url: str) -> bool:
        """One connection, read until it ends or ``stop``; True if the server closed it
        normally (close code 1000)."""
        try:
            ws = await self._connect(url)
            if ws is None:
                return False
            async with ws:
                self._say(f"connected to {_shown(url)}")
                ticking = asyncio.create_task(self._tick(ws))
                try:
                    return await self._read(ws)
                finally:
                    ticking.cancel()
        except ConnectionClosedOK as exc:
            return exc.rcvd is not None and exc.rcvd.code == 1000
        except (OSError, TimeoutError, WebSocketException) as exc:
            self._say(f"connection failed: {type(exc).__name__}: {exc}")
            return False

    async def _connect(self, url: str) -> ClientConnection | None:
        """Open a connection (None if ``stop`` was set meanwhile: a server that does not
        answer must not hold up a stop for ``open_timeout``)."""
        opening = asyncio.ensure_future(connect(
            url, compression=None, max_size=MAX_FRAME, max_queue=1024,
            open_timeout=self.open_timeout, close_timeout=2, user_agent_header="groundswell"))
        while not opening.done():
            await asyncio.wait({opening}, timeout=TICK)
            if self.stop.is_set() and not opening.done():
                opening.cancel()
                return None
            if self.status is not None:
                self.status(self.summary)
        return opening.result()

    async def _read(self, ws: ClientConnection) -> bool:
        """Frames as they come. A frame already received is handed over without a turn of
        the event loop, so this loop itself commits what is due and looks at ``stop``."""
        recv, handle, commit_if_due = ws.recv, self._frame, self.writer.commit_if_due
        stop, status = self.stop, self.status
        try:
            raw = await recv(False)
            self.backoff.success()  # the connection delivered: the next drop waits little
            while True:
                handle(raw if type(raw) is bytes else bytes(raw))
                commit_if_due()
                if status is not None:
                    status(self.summary)
                if stop.is_set():
                    return False
                raw = await recv(False)
        except ConnectionClosedOK as exc:
            return exc.rcvd is not None and exc.rcvd.code == 1000
        except ConnectionClosed as exc:
            self._say(f"connection lost: {exc}")
        return False

    async def _tick(self, ws: ClientConnection) -> None:
        """While the stream is quiet: commit what is due, show the status, notice ``stop``."""
        while True:
            await asyncio.sleep(TICK)
            self.writer.commit_if_due()
            if self.status is not None:
                self.status(self.summary)
            if self.stop.is_set():
                await ws.close()
                return

    def _frame(self, raw: bytes) -> None:
        """One frame: count it, move the cursor, keep what the filter keeps."""
        try:
            event: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            if not raw.strip():
                return  # a blank frame: nothing, as a blank line is nothing to an ingest
            event = None
        time_us = event.get("time_us") if type(event) is dict else None
        if type(time_us) is int and 0 < time_us < _LARGEST:
            line = self._last = time_us
            self._unreadable = 0
            if (self.cursor is None or time_us > self.cursor) \
                    and time_us <= time.time_ns() // 1000 + FUTURE:
                self.cursor = time_us
            self.writer.seen(str(self.cursor) if self.cursor is not None else None,
                             time_us / 1e6)
        else:
            self._unreadable += 1
            line = self._last + self._unreadable
            self.writer.seen()
        for kept, number in self.keep.take(event, raw, line):
            self.writer.add(kept, number)

    async def _wait(self, seconds: float) -> bool:
        """Wait before reconnecting, committing what is due meanwhile; False if stopped."""
        self._say(f"reconnecting in {seconds:.1f} s")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, TICK))
            if self.stop.is_set():
                return False
            self.writer.commit_if_due()
            if self.status is not None:
                self.status(self.summary)
        return not self.stop.is_set()

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def watch_bluesky(db_path: str | os.PathLike[str],
                  campaign: Campaign | str | os.PathLike[str] | None = None, *,
                  endpoint: str = DEFAULT_ENDPOINT, keep_all: bool = False,
                  rewind: float = REWIND, stop: threading.Event | None = None,
                  commit_every: float = COMMIT_EVERY, batch_posts: int | None = None,
                  after_commit: Callable[[Store], Any] | None = None,
                  status: Callable[[WatchSummary], None] | None = None, log: Log | None = None,
                  exit_when_closed: bool = False, backoff: Backoff | None = None,
                  busy_timeout: float | None = None) -> WatchSummary:
    """Watch Bluesky through Jetstream into the store at ``db_path`` until ``stop`` is set
    (or Ctrl-C, or with ``exit_when_closed`` the server closing the stream normally), keeping
    what ``campaign`` (a :class:`Campaign` or a campaign file) needs, or everything with
    ``keep_all``. Returns the run's summary, everything received committed.

    ``after_commit(store)`` runs inside each commit (the dashboard's state); ``status(summary)``
    after each event and while the stream is quiet (the status line); ``log(message)`` on
    connecting, dropping and reconnecting."""
    if campaign is None and not keep_all:
        raise ValueError("watch bluesky needs a campaign (or keep_all: every event)")
    if campaign is not None and not isinstance(campaign, Campaign):
        campaign = Campaign.load(campaign)
    subscribe_url(endpoint, None)
    writer = LiveWriter(db_path, STREAM, commit_every=commit_every, batch_posts=batch_posts,
                        busy_timeout=busy_timeout, after_commit=after_commit)
    if keep_all:
        keep: Keep | KeepAll = KeepAll()
    else:
        assert isinstance(campaign, Campaign)
        posts, dids = known.load(db_path, busy_timeout)
        keep = Keep(campaign, posts, dids)
    client = JetstreamClient(writer, keep, endpoint=endpoint, rewind=rewind, stop=stop,
                             status=status, log=log, exit_when_closed=exit_when_closed,
                             backoff=backoff)
    return client.run()


def _run(main: Coroutine[Any, Any, None], stop: threading.Event) -> None:
    """``asyncio.run(main)``; in a thread of its own where this one runs an event loop
    already (a notebook): the watch is a blocking call either way, and an interrupt of the
    caller stops it (``stop``) before the writer is closed."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main)
        return
    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main)
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            failed.append(exc)

    thread = threading.Thread(target=run, name="watch bluesky")
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        stop.set()
        thread.join()
        raise
    if failed:
        raise failed[0]


def _shown(url: str) -> str:
    """The URL without its repeated query (the collections are always the same two)."""
    base, _, query = url.partition("?")
    cursor = [part for part in query.split("&") if part.startswith("cursor=")]
    return base + (f" ({cursor[0]})" if cursor else " (live)")
