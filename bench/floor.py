"""The practical floor: parse every line with orjson and count posts and hashtags, nothing else.

What no ingester can beat by much in Python: one ``orjson.loads`` per line (two for a Mastodon
stream message, whose status is a JSON string inside the message), and a walk to the posts
and their tags. It keeps nothing, checks nothing, writes nothing. Every format of
``groundswell simulate`` and the real-shaped twarc2 corpus is read:

- Twitter v2 pages (``data`` + ``includes.tweets``) and v1.1 statuses: ``entities.hashtags``;
- Bluesky Jetstream: a ``create`` commit of a post (tags from its ``#tag`` facets and its
  ``tags`` array) or a repost;
- Mastodon stream messages (``update`` / ``status.update``, the status and its boosted
  status) and REST pages (a JSON array of statuses): the status's ``tags``.

``--workers N`` reads the file in N processes (N byte ranges cut at newlines), as the ingest
does with its workers: the floor with both cores, against which an ingest on both cores is
measured. Prints ``posts distinct_tags``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import orjson

BLOCK = 1 << 20
T = TypeVar("T")


def _tags_v2(obj: dict, tags: Counter[str]) -> int:
    if "user" in obj:  # v1.1 status
        items = [obj]
    else:
        data = obj.get("data")
        items = data if isinstance(data, list) else [data] if data else []
        items = items + obj.get("includes", {}).get("tweets", [])
    for tweet in items:
        ents = tweet.get("entities") or {}
        for h in ents.get("hashtags", ()):
            tags[(h.get("tag") or h.get("text") or "").lower()] += 1
    return len(items)


def _jetstream(obj: dict, tags: Counter[str]) -> int:
    commit = obj.get("commit")
    if obj.get("kind") != "commit" or not commit or commit.get("operation") == "delete":
        return 0
    collection = commit.get("collection")
    if collection == "app.bsky.feed.repost":
        return 1
    if collection != "app.bsky.feed.post":
        return 0
    record = commit.get("record") or {}
    for facet in record.get("facets") or ():
        for feature in facet.get("features") or ():
            if feature.get("$type") == "app.bsky.richtext.facet#tag":
                tags[feature.get("tag", "").lower()] += 1
    for tag in record.get("tags") or ():
        tags[tag.lower()] += 1
    return 1


def _statuses(statuses: list, tags: Counter[str]) -> int:
    n = 0
    for status in statuses:
        if isinstance(status, dict):
            n += 1
            for tag in status.get("tags") or ():
                tags[tag.get("name", "").lower()] += 1
            if isinstance(status.get("reblog"), dict):
                n += _statuses([status["reblog"]], tags)
    return n


def count(obj: object, tags: Counter[str]) -> int:
    """Posts in one decoded line (adding their tags to ``tags``)."""
    if isinstance(obj, list):  # a Mastodon REST page
        return _statuses(obj, tags)
    if not isinstance(obj, dict):
        return 0
    if "did" in obj and "kind" in obj:
        return _jetstream(obj, tags)
    event = obj.get("event")
    if isinstance(event, str):  # a Mastodon stream message: the status is a JSON string
        if event not in ("update", "status.update"):
            return 0
        try:
            return _statuses([orjson.loads(obj.get("payload") or b"")], tags)
        except orjson.JSONDecodeError:
            return 0
    if "uri" in obj and "account" in obj:
        return _statuses([obj], tags)
    return _tags_v2(obj, tags)


def read_range(path: str, start: int, end: int) -> tuple[int, Counter[str]]:
    """Posts and tags of the lines that start in ``[start, end)``."""
    tags: Counter[str] = Counter()
    return scan_range(path, start, end, count, tags), tags


def scan_range(path: str, start: int, end: int, visit: Callable[[object, T], int],
               state: T) -> int:
    """The sum of ``visit(obj, state)`` over the decoded lines that start in ``[start, end)``
    (lines that are not JSON skipped): the floor's loop, which other measurements reuse."""
    total = 0
    with open(path, "rb") as fh:
        if start:
            fh.seek(start - 1)
            fh.readline()  # the line that started before ``start`` belongs to the range before
        while fh.tell() < end:
            line = fh.readline()
            if not line:
                break
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            total += visit(obj, state)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    size = os.path.getsize(args.path)
    cuts = [size * i // args.workers for i in range(args.workers + 1)]
    if args.workers == 1:
        parts = [read_range(args.path, 0, size)]
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            parts = list(pool.map(read_range, [args.path] * args.workers, cuts[:-1], cuts[1:]))
    tags: Counter[str] = Counter()
    for _, part in parts:
        tags.update(part)
    print(sum(p for p, _ in parts), len(tags))


if __name__ == "__main__":
    sys.exit(main())
