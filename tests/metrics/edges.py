"""Small real-shaped twarc2 files for the rules the data never exercises.

A page here is a real twarc2 response page (``../shared/corpora/twarc2/two_tweets.jsonl``,
every field as the API wrote it) with its tweets and users replaced by copies of the page's
own first tweet and user, changed only where a case needs it: ids, authors, times, texts and
their hashtag entities, reply/repost/quote links, follower counts and verified badges. So the
files are what twarc2 writes, and a test states in a few lines which case it builds.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from helpers import corpus

TAG = re.compile(r"#(\w+)")


@dataclass
class Tweet:
    """One post of a case: who, when, what it says, what it points at."""

    id: str
    author: str
    at: datetime
    text: str = "#MeToo"
    lang: str | None = "en"  # None: no language, as Twitter leaves some
    replied_to: str | None = None
    retweeted: str | None = None
    quoted: str | None = None


@dataclass
class Account:
    id: str
    handle: str
    followers: int = 10
    verified: bool = False


@dataclass
class Case:
    """Accounts and tweets, written as one twarc2 page per ``per_page`` tweets."""

    accounts: list[Account]
    tweets: list[Tweet] = field(default_factory=list)
    per_page: int = 100

    def write(self, path: Path) -> Path:
        template = json.loads(corpus("twarc2", "two_tweets.jsonl").read_text().splitlines()[0])
        users = {a.id: _user(template["includes"]["users"][0], a) for a in self.accounts}
        lines = []
        for start in range(0, len(self.tweets), self.per_page):
            chunk = self.tweets[start:start + self.per_page]
            page = copy.deepcopy(template)
            page["data"] = [_tweet(template["data"][0], t, self.tweets) for t in chunk]
            page["includes"] = {"users": [users[a] for a in dict.fromkeys(t.author
                                                                           for t in chunk)]}
            page["meta"] = {"result_count": len(chunk)}
            lines.append(json.dumps(page))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _tweet(template: dict, t: Tweet, everyone: list[Tweet]) -> dict:
    out = copy.deepcopy(template)
    out.update(id=t.id, author_id=t.author, created_at=_stamp(t.at), text=t.text, lang=t.lang,
               conversation_id=t.id)
    if t.lang is None:
        del out["lang"]
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in TAG.finditer(t.text)]
    out["entities"] = {"hashtags": tags} if tags else {}
    if not tags:
        del out["entities"]
    refs = [{"type": kind, "id": target} for kind, target in (
        ("replied_to", t.replied_to), ("retweeted", t.retweeted), ("quoted", t.quoted)) if target]
    if refs:
        out["referenced_tweets"] = refs
    else:
        out.pop("referenced_tweets", None)
    if t.replied_to:
        parent = next((p for p in everyone if p.id == t.replied_to), None)
        out["in_reply_to_user_id"] = parent.author if parent else "1"
        out["conversation_id"] = parent.id if parent else t.replied_to
    return out


def _user(template: dict, a: Account) -> dict:
    out = copy.deepcopy(template)
    out.update(id=a.id, username=a.handle, name=f"{a.handle} (test)", verified=a.verified)
    out["public_metrics"] = {**out["public_metrics"], "followers_count": a.followers}
    return out


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
