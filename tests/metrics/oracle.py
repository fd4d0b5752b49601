"""A plain-Python recount of campaign metrics straight from raw platform files.

The oracle for ``test_campaign_metrics``: it reads the JSON lines itself (``json``/``gzip``,
no ``groundswell.sources``, no store, no Ibis) and applies the matching rule exactly as
``groundswell.scope.matching`` states it in words:

* a post is one tweet object anywhere in the file, keyed by id, counted once (first sighting
  wins); v2: ``data`` and ``includes.tweets`` and, in flattened lines, inlined referenced
  tweets; v1: the status and its embedded ``retweeted_status`` / ``quoted_status``;
* deleted posts are absent (v2 compliance lines, v1 delete notices), whenever the delete came;
* lines that are not JSON are skipped;
* kind is repost > reply > quote > original; hashtags are the post's own entities (v1:
  ``extended_tweet`` when present), normalised NFKC + casefold;
* inside the window a post matches if it carries a campaign tag, or says a phrase as whole
  words (in direct replies to the origin when the campaign says so), or reposts a non-repost
  post matching by those two rules.

Figures are computed the slow, obvious way (all-pairs BFS for structural virality) so that a
disagreement points at the metric, not at a clever shortcut shared by both.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

KINDS = ("original", "reply", "quote", "repost")


def norm_tag(tag: str) -> str:
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())
    return key.lstrip("#")


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _v2_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(
        tzinfo=None)


def _v1_time(value: str) -> datetime:
    return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC).replace(
        tzinfo=None)


@dataclass
class Post:
    id: str
    author: str
    created: datetime
    kind: str
    text: str
    tags: frozenset[str]
    reply_to: str | None
    repost_of: str | None
    lang: str | None = None


@dataclass
class User:
    handle: str
    followers: int
    verified: bool


class Raw:
    """Every post, user and delete in some raw files (v1 or v2 lines, any mix)."""

    def __init__(self, paths: list[Path]) -> None:
        self.posts: dict[str, Post] = {}
        self.deleted: set[str] = set()
        self.users: dict[str, User] = {}
        self.lines = 0
        self.malformed = 0
        for path in paths:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    self.lines += 1
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        self.malformed += 1
                        continue
                    self._line(obj)

    # -- reading ---------------------------------------------------------------------------
    def _line(self, obj: dict) -> None:
        if "delete" in obj:  # v1 delete notice
            self._delete(obj["delete"]["status"]["id_str"])
        elif obj.get("action") == "delete":  # v2 compliance event
            self._delete(obj["id"])
        elif "data" in obj:  # v2 response page or stream line
            data = obj["data"] if isinstance(obj["data"], list) else [obj["data"]]
            includes = obj.get("includes", {})
            for u in includes.get("users", []):
                self._v2_user(u)
            for t in data + includes.get("tweets", []):
                self._v2_tweet(t)
        elif "user" in obj:  # v1 status
            self._v1_status(obj)
        elif "id" in obj and "text" in obj:  # v2 flattened tweet
            self._v2_tweet(obj)

    def _delete(self, post_id: str) -> None:
        self.deleted.add(post_id)
        self.posts.pop(post_id, None)

    def _add(self, post: Post) -> None:
        if post.id not in self.deleted and post.id not in self.posts:
            self.posts[post.id] = post

    def _v2_user(self, u: dict) -> None:
        self.users.setdefault(u["id"], User(u.get("username"),
                                            u.get("public_metrics", {}).get("followers_count"),
                                            u.get("verified")))

    def _v2_tweet(self, t: dict) -> None:
        refs: dict[str, str] = {}
        for r in t.get("referenced_tweets", []):
            refs.setdefault(r["type"], r["id"])
        kind = ("repost" if "retweeted" in refs else "reply" if "replied_to" in refs
                else "quote" if "quoted" in refs else "original")
        tags = frozenset(norm_tag(h["tag"]) for h in t.get("entities", {}).get("hashtags", []))
        self._add(Post(t["id"], t["author_id"], _v2_time(t["created_at"]), kind, t["text"],
                       tags, refs.get("replied_to"), refs.get("retweeted"), t.get("lang")))
        for key in ("author", "in_reply_to_user"):
            if isinstance(t.get(key), dict):
                self._v2_user(t[key])
        for r in t.get("referenced_tweets", []):
            if "text" in r:  # twarc2 flatten inlines the referenced tweet
                self._v2_tweet(r)

    def _v1_status(self, st: dict) -> None:
        u = st["user"]
        self.users.setdefault(u["id_str"], User(u["screen_name"], u["followers_count"],
                                                u["verified"]))
        rt = st.get("retweeted_status")
        if rt:
            kind = "repost"
        elif st.get("in_reply_to_status_id_str"):
            kind = "reply"
        elif st.get("quoted_status_id_str") or st.get("quoted_status"):
            kind = "quote"
        else:
            kind = "original"
        ext = st.get("extended_tweet")
        ents = ext["entities"] if ext else st.get("entities", {})
        self._add(Post(st["id_str"], u["id_str"], _v1_time(st["created_at"]), kind,
                       ext["full_text"] if ext else st["text"],
                       frozenset(norm_tag(h["text"]) for h in ents.get("hashtags", [])),
                       st.get("in_reply_to_status_id_str"), rt["id_str"] if rt else None,
                       st.get("lang")))
        for key in ("retweeted_status", "quoted_status"):
            if st.get(key):
                self._v1_status(st[key])


@dataclass
class Spec:
    """The parts of a campaign the oracle needs (plain values, not groundswell objects)."""

    tags: frozenset[str]
    phrases: tuple[str, ...] = ()
    phrases_only_in_replies_to_origin: bool = True
    origin_ids: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    response_tags: tuple[str, ...] = ()
    min_followers: int = 100_000
    by_badge: bool = True

    @classmethod
    def of(cls, campaign) -> Spec:
        return cls(frozenset(campaign.tags), campaign.phrases,
                   campaign.phrases_only_in_replies_to_origin, campaign.origin_post_ids,
                   campaign.start, campaign.end, campaign.response_tags,
                   campaign.public_figure_followers, campaign.public_figure_verified)


def says(text: str, phrase: str) -> bool:
    """Whole words, any case, any whitespace between words."""
    words = phrase.lower().split()
    return re.search(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b", text.lower()) is not None


class Recount:
    """Campaign figures over a :class:`Raw`, by the rules in the module docstring."""

    def __init__(self, raw: Raw, spec: Spec) -> None:
        self.raw, self.spec = raw, spec
        self.window = {i: p for i, p in raw.posts.items()
                       if (spec.start is None or p.created >= spec.start)
                       and (spec.end is None or p.created < spec.end)}
        direct = {i for i, p in self.window.items() if self._direct(p)}
        self.matched = {i: p for i, p in self.window.items()
                        if i in direct or (p.kind == "repost" and p.repost_of in direct
                                           and self.window[p.repost_of].kind != "repost")}

    def _direct(self, p: Post) -> bool:
        if p.tags & self.spec.tags:
            return True
        if self.spec.phrases_only_in_replies_to_origin and p.reply_to not in self.spec.origin_ids:
            return False
        return any(says(p.text, ph) for ph in self.spec.phrases)

    # -- people ----------------------------------------------------------------------------
    def participants(self) -> set[str]:
        return {p.author for p in self.matched.values() if p.kind != "repost"}

    def amplifiers(self) -> set[str]:
        return {p.author for p in self.matched.values() if p.kind == "repost"} \
            - self.participants()

    def public(self, author: str) -> bool:
        u = self.raw.users[author]
        return (u.followers or 0) >= self.spec.min_followers or (self.spec.by_badge
                                                                 and bool(u.verified))

    def first_times(self, participants_only: bool) -> dict[str, datetime]:
        first: dict[str, datetime] = {}
        for p in self.matched.values():
            if participants_only and p.kind == "repost":
                continue
            if p.author not in first or p.created < first[p.author]:
                first[p.author] = p.created
        return first

    def notable_joiners(self) -> list[dict]:
        first = self.first_times(participants_only=False)
        order = sorted((t, a) for a, t in first.items() if self.public(a))
        return [{"author_id": a, "handle": self.raw.users[a].handle,
                 "followers": self.raw.users[a].followers, "first_post_at": iso(t)}
                for t, a in order]

    def origin_at(self) -> datetime | None:
        """The origin post's time if it is stored (anywhere), else the first matching post."""
        found = [self.raw.posts[i].created for i in self.spec.origin_ids if i in self.raw.posts]
        if found:
            return min(found)
        return min((p.created for p in self.matched.values()), default=None)

    @staticmethod
    def hours(later: datetime | None, earlier: datetime | None) -> float | None:
        if later is None or earlier is None:
            return None
        return round((later - earlier).total_seconds() / 3600, 2)

    def notable_joined(self, origin: datetime | None) -> list[dict]:
        """Public figures in order of their first matching post (then id), with hours since
        the origin and whether they joined as participants (spoke) or amplifiers."""
        first = self.first_times(participants_only=False)
        spoke = self.first_times(participants_only=True)
        order = sorted((t, a) for a, t in first.items() if self.public(a))
        return [{"author_id": a, "first_post_at": iso(t), "hours_since_origin":
                 self.hours(t, origin), "as": "participant" if a in spoke else "amplifier"}
                for t, a in order]

    def first_participants(self) -> list[tuple[str, datetime]]:
        first = self.first_times(participants_only=True)
        return [(a, t) for t, a in sorted((t, a) for a, t in first.items())]

    # -- magnitude -------------------------------------------------------------------------
    def by_kind(self) -> dict[str, int]:
        counts = Counter(p.kind for p in self.matched.values())
        return {k: counts.get(k, 0) for k in KINDS}

    def series(self, unit: str) -> list[dict]:
        """Matching posts and new participants per UTC hour (``"h"``) or day (``"D"``), with
        running totals, for every bucket with either."""
        def bucket(t: datetime) -> datetime:
            t = t.replace(minute=0, second=0, microsecond=0)
            return t.replace(hour=0) if unit == "D" else t

        posts = Counter(bucket(p.created) for p in self.matched.values())
        authors: dict[datetime, set[str]] = defaultdict(set)
        for p in self.matched.values():
            if p.author is not None:
                authors[bucket(p.created)].add(p.author)
        joined = Counter(bucket(t) for t in self.first_times(participants_only=True).values())
        out, total_posts, total_people = [], 0, 0
        for at in sorted(set(posts) | set(joined)):
            total_posts += posts[at]
            total_people += joined[at]
            out.append({"day" if unit == "D" else "hour":
                        at.date().isoformat() if unit == "D" else iso(at),
                        "posts": posts[at], "new_participants": joined[at],
                        "accounts": len(authors[at]),
                        "cumulative_posts": total_posts,
                        "cumulative_participants": total_people})
        return out

    def languages(self) -> list[dict]:
        """Matching posts per UTC day and language (``und`` when none), busiest first."""
        counts = Counter((p.created.date().isoformat(), p.lang or "und")
                         for p in self.matched.values())
        authors: dict[tuple[str, str], set[str]] = defaultdict(set)
        for p in self.matched.values():
            if p.author is not None:
                authors[(p.created.date().isoformat(), p.lang or "und")].add(p.author)
        return [{"day": day, "lang": lang, "posts": n, "accounts": len(authors[(day, lang)])}
                for (day, lang), n in
                sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))]

    def peak_hour(self) -> tuple[str, int]:
        hours = Counter(p.created.replace(minute=0, second=0, microsecond=0)
                        for p in self.matched.values())
        peak = min(hours, key=lambda h: (-hours[h], h))
        return iso(peak), hours[peak]

    # -- call to action and trees ----------------------------------------------------------
    def replies_to_origin(self) -> dict:
        replies = [p for p in self.window.values() if p.kind == "reply"
                   and p.reply_to in self.spec.origin_ids]
        phrase = [any(says(p.text, ph) for ph in self.spec.phrases) for p in replies]
        tagged = [bool(p.tags & self.spec.tags) for p in replies]
        either = [a or b for a, b in zip(phrase, tagged, strict=True)]

        def people(flags: list[bool]) -> int:
            return len({p.author for p, f in zip(replies, flags, strict=True)
                        if f and p.author is not None})

        return {"replies": len(replies), "replies_with_phrase": sum(phrase),
                "replies_with_tag": sum(tagged), "replies_matching": sum(either),
                "repliers": len({p.author for p in replies}),
                "repliers_with_phrase": people(phrase), "repliers_with_tag": people(tagged),
                "repliers_matching": people(either)}

    def reply_children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = defaultdict(list)
        for p in self.window.values():
            if p.reply_to is not None:
                children[p.reply_to].append(p.id)
        return children

    def largest_repost_cascade(self) -> int:
        roots = {i for i, p in self.matched.items() if p.kind != "repost"}
        counts = Counter(p.repost_of for p in self.matched.values()
                         if p.kind == "repost" and p.repost_of in roots)
        return 1 + max(counts.values()) if counts else 0

    # -- tags ------------------------------------------------------------------------------
    def response_tag(self, tag: str) -> dict:
        window = self.window.values()
        carrying = [p for p in window if tag in p.tags]
        # "campaign" is the scope's matching rule (rules 1-3), as for every other metric: a
        # retweet whose own text lost the campaign tag to the 140-character cut is still a
        # campaign post.
        both = [p for p in carrying if p.id in self.matched]
        n_campaign = len(self.matched)
        hours = Counter(p.created.replace(minute=0, second=0, microsecond=0) for p in carrying)
        peak = min(hours, key=lambda h: (-hours[h], h)) if hours else None
        in_peak = {p.author for p in carrying
                   if p.created.replace(minute=0, second=0, microsecond=0) == peak}
        lift = (len(both) * len(self.window) / (len(carrying) * n_campaign)
                if carrying and n_campaign else None)
        return {"tag": tag, "posts": len(carrying), "accounts": len({p.author for p in carrying}),
                "posts_with_campaign": len(both),
                "accounts_with_campaign": len({p.author for p in both}),
                "lift": None if lift is None else round(lift, 4),
                "first_post_at": iso(min((p.created for p in carrying), default=None)),
                "peak_hour": iso(peak), "peak_hour_posts": hours[peak] if peak else 0,
                "peak_hour_accounts": len(in_peak) if peak else 0}

    def cotags(self, top: int = 10) -> list[dict]:
        posts: Counter[str] = Counter()
        accounts: dict[str, set[str]] = defaultdict(set)
        for p in self.matched.values():
            for t in p.tags - self.spec.tags:
                posts[t] += 1
                accounts[t].add(p.author)
        ranked = sorted(posts, key=lambda t: (-posts[t], t))[:top]
        return [{"tag": t, "posts": posts[t], "accounts": len(accounts[t])} for t in ranked]


def subtree(children: dict[str, list[str]], root: str) -> tuple[list[str], int]:
    """Nodes under ``root`` (root included) and the tree's height, by BFS."""
    nodes, height = [root], 0
    queue = deque([(root, 0)])
    while queue:
        node, d = queue.popleft()
        height = max(height, d)
        for kid in children.get(node, ()):
            nodes.append(kid)
            queue.append((kid, d + 1))
    return nodes, height


def mean_pair_distance(nodes: list[str], edges: list[tuple[str, str]]) -> float | None:
    """Brute force: BFS from every node of an undirected tree, mean over unordered pairs."""
    if len(nodes) < 2:
        return None
    adjacent: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        adjacent[a].append(b)
        adjacent[b].append(a)
    total = 0
    for source in nodes:
        dist = {source: 0}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for nxt in adjacent[node]:
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        total += sum(dist[n] for n in nodes)
    n = len(nodes)
    return total / 2 / (n * (n - 1) / 2)
