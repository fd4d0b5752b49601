"""``groundswell watch mastodon``: follow a campaign's hashtags on Mastodon servers, live.

For each server and each of the campaign's tags (main tag, variants and response tags: the
report measures posts with any of them) one follower:

1. opens the hashtag stream, ``GET /api/v1/streaming/hashtag?tag=T`` (server-sent events);
2. once it is open, reads the tag's timeline after the tag's position
   (``GET /api/v1/timelines/tag/T?min_id=…``, :mod:`~groundswell.watch.mastodon_poll`):
   streaming has no resume, so this is how a reconnect or a restart fills the gap (read in
   that order, nothing falls between the two: what arrives meanwhile waits in the stream);
   with no position yet, the newest page (or, with ``since``, everything since that date);
3. reads the stream until it ends, then reconnects after a growing wait
   (:class:`~groundswell.watch.backoff.Backoff`), and 2. again.

When streaming is refused (401, 403, 404, an answer that is not an event stream) or fails
:data:`STREAM_FAILURES` times in a row without an event, the follower polls the timeline every
``poll_every`` seconds instead, for the rest of the run (a restart tries streaming again).

Why asyncio: every follower waits on the network nearly all the time, and one event loop
drives the store's writers (:mod:`~groundswell.watch.mastodon_writers`, not thread-safe)
without a lock or a queue; a store commit briefly holds the loop, and whatever arrives
meanwhile waits in the sockets (the servers slow down, nothing is lost). ``stop`` (a
``threading.Event``) and Ctrl-C end it with everything received committed.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from groundswell.campaign import Campaign
from groundswell.store import Store
from groundswell.watch.backoff import Backoff
from groundswell.watch.mastodon_instances import (
    TOKEN_ENV,
    Instance,
    WatchError,
    discover_streaming,
    instances,
)
from groundswell.watch.mastodon_poll import (
    REFUSALS,
    Refused,
    Unavailable,
    newer,
    retry_after,
    snowflake,
)
from groundswell.watch.mastodon_sse import EventParser, StreamError
from groundswell.watch.mastodon_writers import MastodonSummary, Writers
from groundswell.watch.writer import COMMIT_EVERY

__all__ = ["watch_mastodon", "MastodonSummary", "WatchError", "TOKEN_ENV"]

STREAM = "/api/v1/streaming/hashtag"
#: Seconds between two reads of a timeline when polling.
POLL_EVERY = 30.0
#: Failed stream connections in a row (none delivered an event) before polling instead.
STREAM_FAILURES = 5
#: A stream silent this long is taken for dead (Mastodon sends a heartbeat every 15 s or so).
READ_TIMEOUT = 60.0
#: How often the loop looks at ``stop``, commits what is due and updates the status (seconds).
TICK = 0.1


class _Watch:
    """One run's settings and shared state (everything runs on one event loop)."""

    def __init__(self, writers: Writers, tags: list[str], stream: bool, poll_every: float,
                 since: str | None, reconnect_wait: float, timeout: float,
                 log: Callable[[str], None], status: Callable[[MastodonSummary], None] | None,
                 stop: threading.Event) -> None:
        self.writers, self.tags, self.stream, self.poll_every = writers, tags, stream, poll_every
        self.since, self.reconnect_wait, self.timeout = since, reconnect_wait, timeout
        self.log, self.status, self.stop = log, status, stop
        self.client: httpx.AsyncClient

    @property
    def summary(self) -> MastodonSummary:
        return self.writers.summary

    def rate_limited(self, seconds: float) -> None:
        self.summary.rate_limited += 1
        self.log(f"rate limited: waiting {seconds:.0f} s as the server asks")

    def updated(self) -> None:
        if self.status is not None:
            self.status(self.summary)

    async def catch_up(self, inst: Instance, tag: str) -> None:
        """Read the tag's timeline after its position (see the module, step 2)."""
        position = self.writers.position(inst.host, tag) or self.since
        async for page in newer(self.client, inst.base, tag, position, inst.headers,
                                self.rate_limited):
            inst.answered = True
            for status in page:
                self.writers.status(inst.host, tag, status)
                self.updated()
        inst.answered = True
        self.summary.catch_ups += 1

    async def follow(self, inst: Instance, tag: str) -> None:
        """Stream while the server lets us, then poll; returns only by raising."""
        backoff = Backoff(first=self.reconnect_wait, longest=max(60.0, self.reconnect_wait))
        failures, refused_timeline = 0, False
        while self.stream:
            received = [0]
            try:
                refused_timeline = await self.stream_once(inst, tag, received, refused_timeline)
                why = "the server ended the stream"
            except Refused as exc:
                self.fall_back(inst, tag, f"streaming refused ({exc})")
                break
            except (Unavailable, StreamError, httpx.HTTPError) as exc:
                why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            failures = 0 if received[0] else failures + 1
            if received[0]:
                backoff.success()
            if failures >= STREAM_FAILURES:
                self.fall_back(inst, tag, f"streaming failed {failures} times in a row ({why})")
                break
            self.writers.reconnected(inst.host)
            wait = backoff.delay()
            self.log(f"{inst.host} #{tag}: {why}; reconnecting in {wait:.1f} s")
            await asyncio.sleep(wait)
        await self.poll(inst, tag)

    async def stream_once(self, inst: Instance, tag: str, received: list[int],
                          refused_timeline: bool) -> bool:
        """One connection: open, catch up, read to its end. ``received[0]``: what it delivered
        (events and heartbeats: a quiet tag's connection that a proxy cuts now and then is
        no failure). Returns whether the timeline refused us (then gaps are not filled,
        which is said once)."""
        timeout = httpx.Timeout(self.timeout, read=max(READ_TIMEOUT, self.timeout))
        async with self.client.stream("GET", inst.streaming + STREAM, params={"tag": tag},
                                      headers=inst.headers, timeout=timeout) as response:
            if response.status_code in REFUSALS:
                raise Refused(response.status_code, f"#{tag}'s stream")
            if response.status_code == 429:
                seconds = retry_after(response, self.reconnect_wait)
                self.rate_limited(seconds)
                await asyncio.sleep(seconds)
            if response.status_code != 200:
                raise Unavailable(f"HTTP {response.status_code}")
            kind = response.headers.get("content-type", "")
            if not kind.startswith("text/event-stream"):
                raise Refused(response.status_code, f"#{tag}'s stream is {kind or 'untyped'}, "
                              "not text/event-stream")
            if not refused_timeline:
                try:
                    await self.catch_up(inst, tag)
                except Refused as exc:
                    self.log(f"{inst.host} #{tag}: cannot fill gaps from the timeline ({exc})")
                    refused_timeline = True
            parser, events = EventParser(), 0
            async for chunk in response.aiter_bytes():
                for event in parser.feed(chunk):
                    events += 1
                    self.writers.event(inst.host, tag, event)
                    self.updated()
                received[0] = events + parser.comments
        return refused_timeline

    def fall_back(self, inst: Instance, tag: str, why: str) -> None:
        self.summary.polling[f"{inst.host} #{tag}"] = why
        self.log(f"{inst.host} #{tag}: {why}; polling the timeline every "
                 f"{self.poll_every:g} s instead")

    async def poll(self, inst: Instance, tag: str) -> None:
        """Read the timeline after the tag's position every ``poll_every`` seconds."""
        backoff = Backoff(first=self.reconnect_wait, longest=max(60.0, self.reconnect_wait))
        while True:
            try:
                await self.catch_up(inst, tag)
                backoff.success()
                wait = self.poll_every
            except Refused as exc:
                if not inst.answered:
                    hint = f": {inst.token_hint()}" if exc.status in (401, 403) else ""
                    raise WatchError(f"{inst.host} refuses {exc}{hint}") from None
                wait = backoff.delay()
                self.log(f"{inst.host} #{tag}: {exc}; trying again in {wait:.1f} s")
            except Unavailable as exc:
                wait = backoff.delay()
                self.log(f"{inst.host} #{tag}: {exc}; trying again in {wait:.1f} s")
            await asyncio.sleep(wait)

    async def tick(self) -> None:
        """Until ``stop``: commit what is due, update the status."""
        while not self.stop.is_set():
            self.writers.commit_if_due()
            self.updated()
            await asyncio.sleep(TICK)

    async def run(self, servers: list[Instance]) -> None:
        headers = {"User-Agent": "groundswell (campaign measurement; watch mastodon)"}
        async with httpx.AsyncClient(headers=headers, follow_redirects=True,
                                     timeout=self.timeout) as self.client:
            if self.stream:
                await asyncio.gather(*(discover_streaming(self.client, s) for s in servers))
            tasks = [asyncio.create_task(self.follow(s, tag)) for s in servers
                     for tag in self.tags]
            ticker = asyncio.create_task(self.tick())
            try:
                done, _ = await asyncio.wait([ticker, *tasks],
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (ticker, *tasks):
                    task.cancel()
                await asyncio.gather(ticker, *tasks, return_exceptions=True)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()


def campaign_tags(campaign: Campaign) -> list[str]:
    """The tags a watch follows: main tag, variants and response tags, once each."""
    return list(dict.fromkeys(t for t in (*campaign.tags, *campaign.response_tags) if t))


def watch_mastodon(db_path: str | os.PathLike[str], campaign: Campaign | str | Path,
                   instance_urls: Sequence[str], *, token_env: str = TOKEN_ENV,
                   stop: threading.Event | None = None, stream: bool = True,
                   poll_every: float = POLL_EVERY, since: datetime | None = None,
                   after_commit: Callable[[Store], Any] | None = None,
                   status: Callable[[MastodonSummary], None] | None = None,
                   log: Callable[[str], None] | None = None,
                   commit_every: float = COMMIT_EVERY, batch_posts: int | None = None,
                   busy_timeout: float | None = None, reconnect_wait: float = 1.0,
                   timeout: float = 30.0) -> MastodonSummary:
    """Follow ``campaign``'s tags on the servers ``instance_urls`` into the store at
    ``db_path`` until ``stop`` is set (or Ctrl-C); see the module and docs/live.md.

    ``stream=False`` polls only; ``since`` reads what the servers still have since that date
    for tags without a stored position; ``after_commit(store)`` runs inside every commit;
    ``status(summary)`` hears every event and every tick; ``log(message)`` the reconnects and
    fallbacks. Raises :class:`WatchError` when a server refuses its timelines from the
    start (a missing token), after committing everything received.
    """
    if poll_every <= 0 or reconnect_wait <= 0 or timeout <= 0:
        raise ValueError("poll_every, reconnect_wait and timeout must be positive seconds")
    camp = campaign if isinstance(campaign, Campaign) else Campaign.load(campaign)
    servers = instances(list(instance_urls), token_env)
    writers = Writers(db_path, [s.host for s in servers], after_commit=after_commit,
                      commit_every=commit_every, batch_posts=batch_posts,
                      busy_timeout=busy_timeout)
    say = log or (lambda _: None)
    for note in writers.resume():
        say(note)
    watch = _Watch(writers, campaign_tags(camp), stream, poll_every,
                   snowflake(since) if since is not None else None, reconnect_wait, timeout,
                   say, status, stop or threading.Event())
    try:
        asyncio.run(watch.run(servers))
    finally:
        writers.close()
    return writers.summary
