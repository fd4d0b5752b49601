"""Real-shaped twarc2 corpora: real response pages replicated with fresh ids to any size.

The pages are those of ``../shared/corpora/twarc2``, replicated to any number of tweets.

Usage:  .venv/bin/python bench/real_shaped.py --tweets N -o FILE [--corpus DIR]

Why: the simulator's pages are lighter than real ones (no context annotations, users without
entities, location or pinned tweet), and a peer that spends per field runs much faster on them
(twarc2 csv: ≈ 6k tweets/s on simulated pages, ≈ 2.5k/s on real ones). Benchmarks run on
both (``bench/run.py --formats twitter-v2-real``).

**The material** is every line of the corpus folder that is a twarc2 response page: an object
with ``data``, ``includes`` and ``__twarc`` (search pages, lookups, streaming lines; not the
flattened file, nor counts, lists, users or compliance files). Each page is a template: its
bytes as twarc2 wrote them (``json.dumps`` of the page reproduces them exactly; checked when
the templates are built), with a slot at every id and time.

**A replica** is every page once, in the order of their tweets' times, with:

* fresh ids. Every tweet id (``id``, ``conversation_id``, ``referenced_tweets``,
  ``edit_history_tweet_ids``, ``pinned_tweet_id``, ``meta.newest_id``/``oldest_id``, and
  status links in URL fields), user id (``author_id``, ``in_reply_to_user_id``,
  ``entities.mentions``, ``includes.users``), media key (``attachments``, ``includes.media``,
  ``entities.urls``) and poll id maps to one fresh id wherever it appears in the replica,
  and no two replicas share one. A fresh id is a snowflake of the object's shifted time (its
  time in milliseconds above bit 22, as Twitter's are) with the object's rank in the material
  in the low 22 bits, so ids grow with time and cannot collide: one object has one rank, and
  its time moves on with each replica.
  Ids that are not snowflakes (accounts older than about 2013) get sequential ten-digit ones.
* shifted times. Pages whose tweets follow each other within an hour form a group; a replica
  lays the groups end to end a minute apart, each keeping its own timing, and replica r + 1
  starts where replica r ends (``Material.period`` seconds later). An object moves with the
  earliest-shifted page it appears in, so a tweet or account found on two pages has one
  time, and one id, everywhere in its replica. ``__twarc.retrieved_at`` moves with its page.
* every other byte as the real page has it: field order, nesting, text, entities, metrics,
  ``__twarc`` metadata. Shared by every replica, as in a real archive: place ids,
  context-annotation ids, matching-rule ids, links to tweets outside the material.

**N counts distinct tweets in ``data``**: the rows ``twarc2 csv`` writes (it drops a tweet id
it has already written). The last replica stops at the N-th one; its last page then keeps a
prefix of its ``data`` (``meta``'s count and ids follow) and its whole ``includes``. The store
holds more posts than N: the tweets of ``includes.tweets`` too. ``write`` returns both counts.

Streaming, memory bounded by the templates (≈ 1 MB) and one replica; deterministic (the same
N gives the same bytes, and a smaller N a prefix up to its last page). Speed: see
docs/benchmarks.md ("The real-shaped corpus").
"""

from __future__ import annotations

import argparse
import calendar
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "twarc2"

TWEPOCH_MS = 1288834974657
#: Ids below this were minted before snowflakes (or in their first day): not time-based.
SNOWFLAKE_MIN = 86_400_000 << 22
SMALL_BASE = 1_000_000_000  # fresh ids for pre-snowflake ones: ten digits, like 2009's accounts
RANK_BITS = 22
GROUP_GAP = 3600  # pages within an hour of each other keep their relative timing
STEP = 60  # seconds between groups, and between replicas
_HOLE = "\x00{}\x00"  # a slot while templating; json.dumps writes it as \u0000<n>\u0000
_SLOT = re.compile(rb"\\u0000(\d+)\\u0000")
_DIGITS = re.compile(r"(?<!\d)\d{15,20}(?!\d)")  # a snowflake inside a string (a status link)
_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+Z|Z|\+00:00)")


@dataclass
class Page:
    """One real page as a template: literal bytes between slots."""

    source: str  # "brexit.jsonl:1"
    number: int  # in reading order (file name, line)
    obj: Any  # the parsed page, for marking; dropped once templated
    data_ids: list[str]  # original ids in data, in order
    post_ids: list[str]  # and then those of includes.tweets
    first: int = 0  # its data tweets' first and last time (epoch seconds)
    last: int = 0
    base: int = 0  # seconds its times move by in replica 0
    segments: list[bytes] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)  # the value number of each slot


class Material:
    """The templates of a corpus folder, and the values that fill their slots."""

    def __init__(self, folder: Path = CORPUS):
        self.pages = read_pages(folder)
        #: every slot's value: ("id", kind, original) or ("time", owner, original text),
        #: the owner being ("tweet" | "user" | "poll", original id) or ("page", number)
        self.values: list[tuple] = []
        self._numbers: dict[tuple, int] = {}
        self._pages_of: dict[tuple, set[int]] = {}  # ("id", kind, orig) → page numbers
        for page in self.pages:
            _mark_page(page.obj, lambda kind, orig, n=page.number: self._id(kind, orig, n),
                       lambda owner, text, n=page.number: self._time(owner, text, n))
        tweet_ids = {v[2] for v in self.values if v[:2] == ("id", "tweet")}
        for page in self.pages:
            _mark_links(page.obj, tweet_ids,
                        lambda orig, n=page.number: self._id("tweet", orig, n))
        self._lay_out()
        self._template()
        self.tweets_per_replica = len({t for p in self.pages for t in p.data_ids})
        self.posts_per_replica = len({t for p in self.pages for t in p.post_ids})

    def _slot(self, key: tuple) -> str:
        if key not in self._numbers:
            self._numbers[key] = len(self.values)
            self.values.append(key)
        return _HOLE.format(self._numbers[key])

    def _id(self, kind: str, orig: str, page: int) -> str:
        if not orig.isdigit():
            raise ValueError(f"real_shaped: {kind} id {orig!r} is not a number")
        self._pages_of.setdefault(("id", kind, orig), set()).add(page)
        return self._slot(("id", kind, orig))

    def _time(self, owner: tuple, text: str, page: int) -> str:
        _seconds(text)  # a format we can shift, or an error
        return self._slot(("time", ("page", page) if owner[0] == "page" else owner, text))

    def _lay_out(self) -> None:
        """Groups of pages end to end, each keeping its own timing. Every shift is ≥ 0 and
        in whole seconds, so fractions and the ids' milliseconds stay as they were."""
        self.pages.sort(key=lambda p: (p.first, p.number))
        groups: list[list[Page]] = []
        for page in self.pages:
            if groups and page.first <= max(p.last for p in groups[-1]) + GROUP_GAP:
                groups[-1].append(page)
            else:
                groups.append([page])
        offsets, cursor = [], 0
        for group in groups:
            offsets.append(cursor)
            cursor += max(p.last for p in group) - group[0].first + STEP
        #: seconds from one replica to the next
        self.period = cursor
        start = max(g[0].first - o for g, o in zip(groups, offsets, strict=True))
        #: replica 0's first tweet: on the hour, late enough that nothing moves back
        self.start = -(-start // 3600) * 3600
        for group, offset in zip(groups, offsets, strict=True):
            for page in group:
                page.base = self.start + offset - group[0].first
        self.groups = len(groups)

    def _template(self) -> None:
        """Split each page's bytes at its slots; give each value its shift in replica 0 (the
        smallest of the pages its object appears on) and what it is made from."""
        if len(self.values) >= 1 << RANK_BITS:
            raise ValueError("real_shaped: more objects than 22 bits of rank")
        base = {p.number: p.base for p in self.pages}
        self._shift: list[int] = []
        self._orig: list[int] = []  # an id, or a time's epoch seconds
        self._suffix: list[bytes | None] = []  # a time's fraction and zone; None for ids
        for value in self.values:
            if value[0] == "id":
                pages = self._pages_of[value]
                self._orig.append(int(value[2]))
                self._suffix.append(None)
            else:
                owner = value[1]
                pages = {owner[1]} if owner[0] == "page" else self._pages_of[("id", *owner)]
                self._orig.append(_seconds(value[2]))
                self._suffix.append(_TIME.fullmatch(value[2]).group(2).encode())  # type: ignore[union-attr]
            self._shift.append(min(base[p] for p in pages))
        for page in self.pages:
            parts = _SLOT.split(json.dumps(page.obj).encode())
            page.segments = parts[0::2]
            page.slots = [int(n) for n in parts[1::2]]
            page.obj = None

    def replica_values(self, r: int) -> list[bytes]:
        """Every value's bytes in replica ``r``: ``r × period`` seconds later than replica 0,
        fresh ids from the shifted times."""
        moved = r * self.period
        small = SMALL_BASE + r * len(self.values)
        out: list[bytes] = []
        for rank, (orig, shift, suffix) in enumerate(
                zip(self._orig, self._shift, self._suffix, strict=True)):
            shift += moved
            if suffix is not None:
                out.append(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(orig + shift))
                           .encode() + suffix)
            elif orig >= SNOWFLAKE_MIN:
                fresh = (((orig >> RANK_BITS) + shift * 1000) << RANK_BITS) | rank
                if fresh >> 63:
                    raise ValueError("real_shaped: ids beyond 63 bits (too many replicas)")
                out.append(str(fresh).encode())
            else:
                out.append(str(small + rank).encode())
        return out


def _seconds(text: str) -> int:
    stamp = _TIME.fullmatch(text)
    if not stamp:
        raise ValueError(f"real_shaped: unexpected time {text!r}")
    return calendar.timegm(time.strptime(stamp.group(1), "%Y-%m-%dT%H:%M:%S"))


def _is_page(obj: Any) -> bool:
    return (isinstance(obj, dict) and "data" in obj and "includes" in obj
            and "__twarc" in obj and isinstance(obj["data"], list | dict))


def _data(page: dict) -> list[dict]:
    return page["data"] if isinstance(page["data"], list) else [page["data"]]


def _tweets(page: dict) -> list[dict]:
    return _data(page) + page["includes"].get("tweets", [])


def read_pages(folder: Path = CORPUS) -> list[Page]:
    """The response pages of a twarc2 corpus folder, parsed, in file and line order."""
    if not folder.is_dir():
        raise SystemExit(f"real_shaped: no twarc2 corpus at {folder}")
    pages: list[Page] = []
    for path in sorted(folder.glob("*.json*")):
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue  # the corpus's broken streaming line
                if not _is_page(obj):
                    continue
                if json.dumps(obj).encode() != line.rstrip(b"\r\n"):
                    raise ValueError(f"real_shaped: {path.name}:{number} is not json.dumps "
                                     "output, so its bytes could not be kept")
                if b"\\u0000" in line:
                    raise ValueError(f"real_shaped: {path.name}:{number} holds \\u0000")
                times = [_seconds(t["created_at"]) for t in _data(obj)]
                pages.append(Page(f"{path.name}:{number}", len(pages), obj,
                                  [t["id"] for t in _data(obj)],
                                  [t["id"] for t in _tweets(obj)], min(times), max(times)))
    if not pages:
        raise SystemExit(f"real_shaped: no twarc2 response pages in {folder}")
    return pages


def _mark_page(obj: dict, mark_id, mark_time) -> None:
    """Replace every id and time of one page by a slot (see the module's docstring)."""

    def ids(holder: dict, key: str, kind: str) -> None:
        if isinstance(holder.get(key), str):
            holder[key] = mark_id(kind, holder[key])
        elif isinstance(holder.get(key), list):
            holder[key] = [mark_id(kind, v) for v in holder[key]]

    for tweet in _tweets(obj):
        owner = ("tweet", tweet["id"])
        if "created_at" in tweet:
            tweet["created_at"] = mark_time(owner, tweet["created_at"])
        controls = tweet.get("edit_controls")
        if isinstance(controls, dict) and "editable_until" in controls:
            controls["editable_until"] = mark_time(owner, controls["editable_until"])
        for key in ("id", "conversation_id", "edit_history_tweet_ids"):
            ids(tweet, key, "tweet")
        for key in ("author_id", "in_reply_to_user_id"):
            ids(tweet, key, "user")
        for ref in tweet.get("referenced_tweets", ()):
            ids(ref, "id", "tweet")
        entities = tweet.get("entities") or {}
        for mention in entities.get("mentions", ()):
            ids(mention, "id", "user")
        for url in entities.get("urls", ()):  # a link to the tweet's own photo or video
            if "media_key" in url:
                url["media_key"] = _media_key(url["media_key"], mark_id)
        attachments = tweet.get("attachments") or {}
        if "media_keys" in attachments:
            attachments["media_keys"] = [_media_key(k, mark_id)
                                         for k in attachments["media_keys"]]
        ids(attachments, "poll_ids", "poll")
    includes = obj["includes"]
    for user in includes.get("users", ()):
        if "created_at" in user:
            user["created_at"] = mark_time(("user", user["id"]), user["created_at"])
        ids(user, "id", "user")
        ids(user, "pinned_tweet_id", "tweet")
    for media in includes.get("media", ()):
        if "media_key" in media:
            media["media_key"] = _media_key(media["media_key"], mark_id)
    for poll in includes.get("polls", ()):
        if "end_datetime" in poll:
            poll["end_datetime"] = mark_time(("poll", poll["id"]), poll["end_datetime"])
        ids(poll, "id", "poll")
    meta = obj.get("meta") or {}
    for key in ("newest_id", "oldest_id"):
        ids(meta, key, "tweet")
    for error in obj.get("errors", ()):
        kind = error.get("resource_type")
        orig = error.get("resource_id")
        if kind in ("tweet", "user") and isinstance(orig, str) and orig.isdigit():
            fresh = mark_id(kind, orig)
            for key in ("resource_id", "value", "detail"):
                if isinstance(error.get(key), str):
                    error[key] = error[key].replace(orig, fresh)
    twarc = obj["__twarc"]
    if "retrieved_at" in twarc:
        twarc["retrieved_at"] = mark_time(("page", None), twarc["retrieved_at"])


def _media_key(key: str, mark_id) -> str:
    kind, _, number = key.partition("_")
    return f"{kind}_{mark_id('media', number)}"


def _mark_links(node: Any, tweet_ids: set[str], mark) -> None:
    """Status links to the material's tweets (``…/status/<id>`` in ``expanded_url``,
    ``__twarc.url``'s ``ids=``) follow their tweet."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key.endswith("url"):
                node[key] = _DIGITS.sub(
                    lambda m: mark(m.group()) if m.group() in tweet_ids else m.group(), value)
            elif key != "context_annotations":
                _mark_links(value, tweet_ids, mark)
    elif isinstance(node, list):
        for item in node:
            _mark_links(item, tweet_ids, mark)


@dataclass
class Written:
    """What ``write`` planted: ``tweets`` (distinct ids in data: twarc2 csv's rows),
    ``posts`` (distinct ids in data and includes.tweets: what the store holds)."""

    tweets: int
    posts: int
    pages: int
    replicas: int
    bytes: int
    seconds: float


def write(n: int, out: IO[bytes], material: Material | None = None) -> Written:
    """Write replicas of the material to ``out`` until it holds ``n`` distinct data tweets."""
    if n < 1:
        raise ValueError("real_shaped: --tweets must be at least 1")
    started = time.perf_counter()
    material = material or Material()
    tweets = posts = pages = size = r = 0
    while tweets < n:
        values = material.replica_values(r)
        seen_data: set[str] = set()
        seen_posts: set[str] = set()
        for page in material.pages:
            new = [t for t in dict.fromkeys(page.data_ids) if t not in seen_data]
            parts: list[bytes] = [b""] * (2 * len(page.slots) + 1)
            parts[0::2] = page.segments
            parts[1::2] = [values[s] for s in page.slots]
            line = b"".join(parts)
            post_ids = page.post_ids
            if tweets + len(new) > n:  # the last page: a prefix of its data
                line, kept = _cut(line, n - tweets, seen_data, page.data_ids)
                post_ids = kept + page.post_ids[len(page.data_ids):]
                new = [t for t in dict.fromkeys(kept) if t not in seen_data]
            seen_data.update(new)
            seen_posts.update(post_ids)
            out.write(line + b"\n")
            tweets += len(new)
            pages += 1
            size += len(line) + 1
            if tweets == n:
                break
        posts += len(seen_posts)
        r += 1
    return Written(tweets, posts, pages, r, size, round(time.perf_counter() - started, 2))


def _cut(line: bytes, wanted: int, seen: set[str],
         orig_ids: list[str]) -> tuple[bytes, list[str]]:
    """The page keeping the shortest prefix of ``data`` that holds ``wanted`` new tweets;
    the original ids of that prefix."""
    page = json.loads(line)
    new: set[str] = set()
    count = 0
    while len(new) < wanted:
        if orig_ids[count] not in seen:
            new.add(orig_ids[count])
        count += 1
    page["data"] = page["data"][:count]
    meta = page.get("meta")
    if isinstance(meta, dict):
        if "result_count" in meta:
            meta["result_count"] = count
        if "newest_id" in meta:
            meta["newest_id"] = page["data"][0]["id"]
        if "oldest_id" in meta:
            meta["oldest_id"] = page["data"][-1]["id"]
    return json.dumps(page).encode(), orig_ids[:count]


def hashtag_counts(folder: Path = CORPUS) -> Counter[str]:
    """Tags of the material's distinct tweets (data and includes.tweets), normalised as the
    store does (NFKC, casefold), each counted once per tweet."""
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for page in read_pages(folder):
        for tweet in _tweets(page.obj):
            if tweet["id"] in seen:
                continue
            seen.add(tweet["id"])
            tags = {unicodedata.normalize("NFKC", h["tag"]).casefold()
                    for h in (tweet.get("entities") or {}).get("hashtags", ()) if h.get("tag")}
            counts.update(tags)
    return counts


def top_hashtags(k: int = 5, folder: Path = CORPUS) -> list[str]:
    """The ``k`` most frequent tags (ties by name): the bench's campaign on this corpus."""
    return [t for t, _ in sorted(hashtag_counts(folder).items(),
                                 key=lambda kv: (-kv[1], kv[0]))[:k]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Example: .venv/bin/python bench/real_shaped.py --tweets 100000 -o real.jsonl "
        "(a summary goes to stderr as JSON: tweets, posts for the store, pages, replicas, "
        "bytes, seconds)")
    parser.add_argument("--tweets", type=int, required=True, metavar="N",
                        help="distinct tweets in data (the rows twarc2 csv writes)")
    parser.add_argument("-o", "--output", required=True, help="file to write, or - for stdout")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help=f"folder of real twarc2 output (default: {CORPUS})")
    args = parser.parse_args(argv)
    if args.tweets < 1:
        parser.error("--tweets must be at least 1")
    material = Material(args.corpus)
    if args.output == "-":
        written = write(args.tweets, sys.stdout.buffer, material)
    else:
        with open(args.output, "wb", buffering=4 * 2**20) as out:
            written = write(args.tweets, out, material)
    summary = {**written.__dict__, "pages_per_replica": len(material.pages),
               "tweets_per_replica": material.tweets_per_replica,
               "posts_per_replica": material.posts_per_replica,
               "replica_seconds": material.period,
               "tweets_per_second": round(written.tweets / max(written.seconds, 1e-9))}
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
