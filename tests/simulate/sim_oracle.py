"""An independent recount of a simulated file, used as the test oracle.

Deliberately plain and separate from the generator: it reads only the written lines, applies
the ingester's counting rules as stated in the brief, and derives every figure the truth file
claims. If the generator's bookkeeping and this recount agree, the truth is what a correct
ingester must find.

Per platform, the rules a store follows (docs/schema.md, the sources' docstrings):

* Bluesky (Jetstream): a post is named ``at://DID/COLLECTION/RKEY``; a repost has no tags
  and counts against its ``subject``; tags are the ``#tag`` facets, or, in a post without
  facets, ``#word`` after white space; ``createdAt`` orders the post unless it is before
  2023-02-01 or more than 10 minutes after ``time_us``, which then orders it; no follower
  counts, so no public figures.
* Mastodon (a server's stream): a status is named by its ``uri``, its author
  ``name@domain``; ``in_reply_to_id`` and deletes name statuses by the server's ids; a boost
  has no tags and counts against the boosted status; tags are the content's hashtag links;
  an edit (``status.update``, or a carried status with a newer ``edited_at``) replaces text
  and tags; public figures by followers only (no badge).
"""

from __future__ import annotations

import gzip
import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from groundswell.text import normalize_tag

PHRASE = re.compile(r"\bme too\b", re.IGNORECASE)
BLUESKY_OPEN = datetime(2023, 2, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A hashtag of a post without facets, as the brief states atproto's rule for our texts.
BARE_TAG = re.compile(r"(?:^|\s)[#\uff03](\S+)")
MASTODON_TAG = re.compile(r'<a href="[^"]*" class="mention hashtag"[^>]*>#<span>([^<]*)</span></a>')


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.read().split("\n")[:-1]


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Recount:
    def __init__(self, path: Path, fmt: str, truth: dict) -> None:
        self.fmt = fmt
        self.posts: dict[str, dict] = {}
        self.deleted: set[str] = set()
        self.users: dict[str, dict] = {}
        self.lines = 0
        self.malformed = 0
        self.handle_changes: list[dict] = []  # Bluesky identity events
        self.local_ids: dict[str, str] = {}  # Mastodon: the server's id → uri
        self.versions: set[tuple[str, str]] = set()  # Mastodon: (uri, edited_at)
        self.server = truth.get("server")
        camp = truth["campaign"]
        self.origin = camp["origin_post_ids"][0]
        self.campaign_tags = {camp["main_tag"], *camp["variants"]}
        self.response_tag = camp["response_tags"][0]
        self.start, self.end = (datetime.fromisoformat(camp["window"][k].replace("Z", "+00:00"))
                                for k in ("start", "end"))
        for line in read_lines(path):
            self.lines += 1
            try:
                obj = json.loads(line)
            except ValueError:
                self.malformed += 1
                continue
            if fmt == "twitter-v2":
                self._v2(obj)
            elif fmt == "twitter-v1":
                self._v1(obj)
            elif fmt == "bluesky-jetstream":
                self._jetstream(obj)
            else:
                self._mastodon(obj)

    # -- reading ------------------------------------------------------------------------
    def _delete(self, post_id: str) -> None:
        self.deleted.add(post_id)
        self.posts.pop(post_id, None)

    def _add(self, post_id: str, record: dict) -> None:
        if post_id in self.deleted or post_id in self.posts:
            return
        self.posts[post_id] = record

    def _v2(self, obj: dict) -> None:
        if obj.get("action") == "delete":
            self._delete(obj["id"])
            return
        for u in obj["includes"]["users"]:
            self.users[u["id"]] = {"handle": u["username"],
                                   "followers": u["public_metrics"]["followers_count"],
                                   "verified": u["verified"]}
        for t in obj["data"] + obj["includes"].get("tweets", []):
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
            if "retweeted" in refs:
                kind = "repost"
            elif "replied_to" in refs:
                kind = "reply"
            elif "quoted" in refs:
                kind = "quote"
            else:
                kind = "original"
            tags = {normalize_tag(h["tag"]) for h in t.get("entities", {}).get("hashtags", [])}
            self._add(t["id"], {
                "kind": kind, "author": t["author_id"], "tags": tags, "text": t["text"],
                "lang": t["lang"], "reply_to": refs.get("replied_to"),
                "repost_of": refs.get("retweeted"),
                "created": datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))})

    def _v1(self, obj: dict) -> None:
        if "delete" in obj:
            self._delete(obj["delete"]["status"]["id_str"])
            return
        self._status(obj)

    def _status(self, st: dict) -> None:
        u = st["user"]
        self.users[u["id_str"]] = {"handle": u["screen_name"], "followers": u["followers_count"],
                                   "verified": u["verified"]}
        if st.get("retweeted_status"):
            kind = "repost"
        elif st.get("in_reply_to_status_id_str") is not None:
            kind = "reply"
        elif st.get("quoted_status_id_str") or st.get("quoted_status"):
            kind = "quote"
        else:
            kind = "original"
        ext = st.get("extended_tweet")
        ents = ext["entities"] if ext else st["entities"]
        self._add(st["id_str"], {
            "kind": kind, "author": u["id_str"],
            "tags": {normalize_tag(h["text"]) for h in ents["hashtags"]},
            "text": ext["full_text"] if ext else st["text"], "lang": st["lang"],
            "reply_to": st.get("in_reply_to_status_id_str"),
            "repost_of": st["retweeted_status"]["id_str"] if st.get("retweeted_status") else None,
            "created": datetime.strptime(st["created_at"], "%a %b %d %H:%M:%S %z %Y")})
        for key in ("retweeted_status", "quoted_status"):
            if st.get(key):
                self._status(st[key])

    def _jetstream(self, obj: dict) -> None:
        seen = EPOCH + timedelta(microseconds=obj["time_us"])
        if obj["kind"] == "identity":
            self.handle_changes.append({"author_id": obj["did"],
                                        "handle": obj["identity"]["handle"],
                                        "at": seen.strftime("%Y-%m-%dT%H:%M:%S.%fZ")})
            return
        c = obj["commit"]
        uri = f"at://{obj['did']}/{c['collection']}/{c['rkey']}"
        if c["operation"] == "delete":
            self._delete(uri)
            return
        rec = c["record"]
        claimed = datetime.fromisoformat(rec["createdAt"].replace("Z", "+00:00"))
        created = claimed if BLUESKY_OPEN <= claimed <= seen + timedelta(minutes=10) else seen
        post = {"author": obj["did"], "created": created, "claimed": claimed, "seen": seen,
                "claimed_as": rec["createdAt"], "reply_to": None,
                "repost_of": None, "tags": set(), "text": "", "lang": None,
                "facetless": False}
        if c["collection"] == "app.bsky.feed.repost":
            post.update(kind="repost", repost_of=rec["subject"]["uri"], via=rec.get("via"))
            self._add(uri, post)
            return
        facets = rec.get("facets") or []
        tags = [f["tag"] for facet in facets for f in facet["features"]
                if f["$type"] == "app.bsky.richtext.facet#tag"]
        if not facets:
            tags = [t.rstrip(".,!?;:") for t in BARE_TAG.findall(rec["text"])]
        kind = ("reply" if "reply" in rec else
                "quote" if rec.get("embed", {}).get("$type") == "app.bsky.embed.record"
                else "original")
        post.update(kind=kind, tags={normalize_tag(t) for t in tags}, text=rec["text"],
                    lang=(rec.get("langs") or [None])[0], facetless="facets" not in rec
                    and bool(tags or "@" in rec["text"]),
                    reply_to=rec["reply"]["parent"]["uri"] if "reply" in rec else None)
        self._add(uri, post)

    def _mastodon(self, obj: dict) -> None:
        if obj["event"] == "delete":
            self._delete(self.local_ids[obj["payload"]])
        else:
            self._toot(json.loads(obj["payload"]))

    def _toot(self, st: dict) -> None:
        a = st["account"]
        key = a["acct"] if "@" in a["acct"] else f"{a['acct']}@{urlsplit(a['url']).hostname}"
        self.users[key] = {"handle": key, "followers": a["followers_count"], "verified": False}
        self.local_ids[st["id"]] = st["uri"]
        content = st["content"]
        text = re.sub(r"<br ?/?>", "\n", content.replace("</p><p", "</p>\n\n<p"))
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        tags = {normalize_tag(html.unescape(t)) for t in MASTODON_TAG.findall(content)}
        if st["edited_at"] is not None:
            self.versions.add((st["uri"], st["edited_at"]))
            old = self.posts.get(st["uri"])
            if old is not None and st["edited_at"] >= old["edited_at"]:
                old.update(text=text, tags=tags, edited_at=st["edited_at"])
        kind = ("repost" if st["reblog"] else "reply" if st["in_reply_to_id"] else
                "quote" if st.get("quote") else "original")
        self._add(st["uri"], {
            "kind": kind, "author": key, "tags": tags, "text": text, "lang": st["language"],
            "reply_to": self.local_ids[st["in_reply_to_id"]] if st["in_reply_to_id"] else None,
            "repost_of": st["reblog"]["uri"] if st["reblog"] else None,
            "edited_at": st["edited_at"] or "",
            "created": datetime.fromisoformat(st["created_at"].replace("Z", "+00:00"))})
        if st["reblog"]:
            self._toot(st["reblog"])
        if st.get("quote") and st["quote"].get("quoted_status"):
            self._toot(st["quote"]["quoted_status"])

    # -- figures ------------------------------------------------------------------------
    def inside(self, post_id: str) -> bool:
        """Stored, and inside the campaign's window [start, end)."""
        p = self.posts.get(post_id)
        return p is not None and self.start <= p["created"] < self.end

    def direct(self, post_id: str) -> bool:
        """Rules 1 and 2: a campaign tag, or the phrase in a reply to the origin."""
        p = self.posts[post_id]
        return self.inside(post_id) and (bool(p["tags"] & self.campaign_tags) or (
            p["kind"] == "reply" and p["reply_to"] == self.origin
            and PHRASE.search(p["text"]) is not None))

    def matched(self, post_id: str) -> bool:
        """Rules 1-3 (docs/metrics.md): rule 3 is a repost, in the window, of a stored post in
        the window that matches by rule 1 or 2 and is not itself a repost."""
        if self.direct(post_id):
            return True
        p = self.posts[post_id]
        parent = p["repost_of"]
        return (p["kind"] == "repost" and self.inside(post_id) and self.inside(parent)
                and self.posts[parent]["kind"] != "repost" and self.direct(parent))

    def figures(self) -> dict:
        posts = self.posts
        kinds = ("original", "reply", "repost", "quote")
        matched = [pid for pid in posts if self.matched(pid)]
        participants = {posts[p]["author"] for p in matched if posts[p]["kind"] != "repost"}
        amplifiers = {posts[p]["author"] for p in matched
                      if posts[p]["kind"] == "repost"} - participants
        tag_posts: dict[str, int] = {}
        tag_accounts: dict[str, set] = {}
        first_with: dict[str, datetime] = {}  # in the window
        for pid, p in posts.items():
            for t in p["tags"]:
                tag_posts[t] = tag_posts.get(t, 0) + 1
                tag_accounts.setdefault(t, set()).add(p["author"])
                if self.inside(pid) and (t not in first_with or p["created"] < first_with[t]):
                    first_with[t] = p["created"]
        response = [p for pid, p in posts.items()
                    if self.inside(pid) and self.response_tag in p["tags"]]
        to_origin = [p for pid, p in posts.items() if self.inside(pid)
                     and p["kind"] == "reply" and p["reply_to"] == self.origin]
        first: dict[str, datetime] = {}  # the store's order: first matching post, then id
        for pid in matched:
            a, at = posts[pid]["author"], posts[pid]["created"]
            first[a] = min(first.get(a, at), at)
        notable = []
        for a, at in sorted(first.items(), key=lambda item: (item[1], item[0])):
            u = self.users.get(a)  # Bluesky's stream has no profiles: nobody is known
            if u is not None and (u["followers"] >= 100_000 or u["verified"]):
                notable.append({"author_id": a, "handle": u["handle"],
                                "followers": u["followers"], "first_post_at": _iso(at)})
        created = [p["created"] for p in posts.values()]
        return self._platform_figures() | {
            "posts": len(posts),
            "posts_by_kind": {k: sum(p["kind"] == k for p in posts.values()) for k in kinds},
            "accounts": len({p["author"] for p in posts.values()}),
            "first_post": _iso(min(created)),
            "last_post": _iso(max(created)),
            "matched_posts": len(matched),
            "matched_posts_by_kind": {k: sum(posts[p]["kind"] == k for p in matched)
                                      for k in kinds},
            "participants": len(participants),
            "participant_ids": sorted(participants),
            "amplifiers": len(amplifiers),
            "amplifier_ids": sorted(amplifiers),
            "tag_posts": tag_posts,
            "tag_accounts": {t: len(s) for t, s in tag_accounts.items()},
            "replies_to_origin": len(to_origin),
            "replies_to_origin_with_phrase": sum(PHRASE.search(p["text"]) is not None
                                                 for p in to_origin),
            "notable_joiners": notable,
            "variant_starts": {t: _iso(first_with[t]) if t in first_with else None
                               for t in ("balancetonporc", "yotambien", "quellavoltache")},
            "response_tag_start": (_iso(first_with[self.response_tag])
                                   if self.response_tag in first_with else None),
            "response_tag_posts": len(response),
            "response_tag_accounts": len({p["author"] for p in response}),
            "deleted": len(self.deleted),
            "malformed_lines": self.malformed,
            "lines": self.lines,
        }

    def _platform_figures(self) -> dict:
        """The figures only one platform has (see the module docstring)."""
        posts = self.posts
        if self.fmt == "bluesky-jetstream":
            def listed(odd: bool) -> list[dict]:
                return [{"post_id": pid, "claimed": p["claimed_as"],
                         "created_at": p["created"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
                        for pid, p in sorted(posts.items())
                        if (p["claimed"] != p["created"] if odd
                            else p["claimed"] == p["created"] > p["seen"])]

            return {
                "absurd_created_at": listed(True),  # ordered by when seen: implausible
                "skewed_created_at": listed(False),  # ahead of when seen, yet believed
                "handle_changes": [{k: c[k] for k in ("author_id", "handle", "at")}
                                   for c in self.handle_changes],
                "facetless_posts": sum(p["facetless"] for p in posts.values()),
            }
        if self.fmt == "mastodon":
            authors = {p["author"] for p in posts.values()}
            return {
                "edits": len(self.versions),
                "edited_post_ids": sorted({uri for uri, _ in self.versions}),
                "null_language_posts": sum(p["lang"] is None for p in posts.values()),
                "remote_accounts": sum(not a.endswith("@" + self.server) for a in authors),
            }
        return {}
