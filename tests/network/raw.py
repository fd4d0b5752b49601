"""The networks counted straight from raw files: ``json`` over the lines, no groundswell.

Twitter API v2 pages as twarc2 writes them (the real brexit file and the simulator's output)
and Bluesky Jetstream events. Every count follows docs/network.md in words: an edge is a
campaign post by its source pointing at its target account; a target not tied to any known
account, and an account pointing at itself, are not drawn.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path


def norm_tag(tag: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold()
                                 ).lstrip("#")


@dataclass
class Post:
    platform: str
    id: str
    author: str
    kind: str
    tags: frozenset[str]
    repost_of: str | None = None
    reply_to: str | None = None
    reply_to_user: str | None = None
    quote_of: str | None = None
    mentions: tuple[str, ...] = ()  # account ids


@dataclass
class Raw:
    """Every post and user of some raw files (first sighting wins, deletes remove)."""

    posts: dict[tuple[str, str], Post] = field(default_factory=dict)
    users: dict[tuple[str, str], dict] = field(default_factory=dict)
    deleted: set[tuple[str, str]] = field(default_factory=set)

    def read(self, path: Path) -> Raw:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if "data" in obj:
                self._v2_page(obj)
            elif obj.get("action") == "delete":
                self._delete(("twitter", obj["id"]))
            elif obj.get("kind") == "commit":
                self._jetstream(obj)
        return self

    def _add(self, post: Post) -> None:
        key = (post.platform, post.id)
        if key not in self.deleted:
            self.posts.setdefault(key, post)

    def _delete(self, key: tuple[str, str]) -> None:
        self.deleted.add(key)
        self.posts.pop(key, None)

    def _v2_page(self, page: dict) -> None:
        data = page["data"] if isinstance(page["data"], list) else [page["data"]]
        includes = page.get("includes", {})
        for u in includes.get("users", []):
            self.users.setdefault(("twitter", u["id"]), u)
        for t in data + includes.get("tweets", []):
            refs = {}
            for r in t.get("referenced_tweets", []):
                refs.setdefault(r["type"], r["id"])
            kind = ("repost" if "retweeted" in refs else "reply" if "replied_to" in refs
                    else "quote" if "quoted" in refs else "original")
            entities = t.get("entities", {})
            self._add(Post("twitter", t["id"], t["author_id"], kind,
                           frozenset(norm_tag(h["tag"]) for h in entities.get("hashtags", [])),
                           refs.get("retweeted"), refs.get("replied_to"),
                           t.get("in_reply_to_user_id") if "replied_to" in refs else None,
                           refs.get("quoted"),
                           tuple(dict.fromkeys(m["id"] for m in entities.get("mentions", [])
                                               if m.get("id")))))

    def _jetstream(self, event: dict) -> None:
        commit, did = event["commit"], event["did"]
        uri = f"at://{did}/{commit['collection']}/{commit['rkey']}"
        if commit["operation"] == "delete":
            self._delete(("bluesky", uri))
            return
        if commit["operation"] != "create":
            return
        record = commit["record"]
        if commit["collection"] == "app.bsky.feed.repost":
            self._add(Post("bluesky", uri, did, "repost", frozenset(),
                           repost_of=record["subject"]["uri"]))
        elif commit["collection"] == "app.bsky.feed.post":
            parent = (record.get("reply") or {}).get("parent", {}).get("uri")
            embed = record.get("embed") or {}
            quoted = (embed.get("record") or {}).get("uri") \
                if embed.get("$type") == "app.bsky.embed.record" else None
            features = [f for facet in record.get("facets", []) for f in facet["features"]]
            tags = frozenset(norm_tag(f["tag"]) for f in features
                             if f["$type"] == "app.bsky.richtext.facet#tag")
            named = tuple(dict.fromkeys(f["did"] for f in features
                                        if f["$type"] == "app.bsky.richtext.facet#mention"))
            kind = "reply" if parent else "quote" if quoted else "original"
            self._add(Post("bluesky", uri, did, kind, tags, None, parent,
                           parent.split("/")[2] if parent else None, quoted, named))

    # -- the networks --------------------------------------------------------------------
    def matched(self, tags: set[str] | None) -> list[Post]:
        """The campaign's posts: carrying a campaign tag, or reposting a non-repost that
        does (no tags: every post)."""
        if tags is None:
            return list(self.posts.values())
        direct = {k for k, p in self.posts.items() if p.tags & tags}
        return [p for k, p in self.posts.items() if k in direct or (
            p.kind == "repost" and (p.platform, p.repost_of) in direct
            and self.posts[(p.platform, p.repost_of)].kind != "repost")]

    def _author(self, platform: str, post_id: str | None) -> str | None:
        found = self.posts.get((platform, post_id)) if post_id else None
        return found.author if found else None

    def interactions(self, kind: str, tags: set[str] | None) -> list[tuple]:
        """``(platform, source, target or None)`` per interaction."""
        out = []
        for p in self.matched(tags):
            if kind == "repost" and p.kind == "repost":
                out.append((p.platform, p.author, self._author(p.platform, p.repost_of)))
            elif kind == "reply" and p.kind == "reply":
                out.append((p.platform, p.author,
                            p.reply_to_user or self._author(p.platform, p.reply_to)))
            elif kind == "quote" and p.kind != "repost" and p.quote_of:
                out.append((p.platform, p.author, self._author(p.platform, p.quote_of)))
            elif kind == "mention" and p.kind != "repost":
                out.extend((p.platform, p.author, m) for m in p.mentions)
        return out

    def network(self, kind: str, tags: set[str] | None = None,
                min_weight: int = 1) -> Counter:
        """``{edge: weight}``: accounts ``(platform, id)`` for interactions, tag names for
        ``cotag`` (sorted pairs), ``((platform, id), tag)`` for ``author-tag``."""
        edges: Counter = Counter()
        if kind == "cotag":
            for p in self.matched(tags):
                ordered = sorted(p.tags)
                for i, a in enumerate(ordered):
                    for b in ordered[i + 1:]:
                        edges[(a, b)] += 1
        elif kind == "author-tag":
            for p in self.matched(tags):
                for t in p.tags:
                    edges[((p.platform, p.author), t)] += 1
        else:
            for platform, source, target in self.interactions(kind, tags):
                if target is not None and target != source:
                    edges[((platform, source), (platform, target))] += 1
        return Counter({e: w for e, w in edges.items() if w >= min_weight})

    def tag_accounts(self, tags: set[str] | None = None) -> dict[str, set]:
        """The accounts behind each tag among the campaign's posts."""
        found: dict[str, set] = defaultdict(set)
        for p in self.matched(tags):
            for t in p.tags:
                found[t].add((p.platform, p.author))
        return found


def nodes_of(edges: Counter) -> set:
    return {end for edge in edges for end in edge}
