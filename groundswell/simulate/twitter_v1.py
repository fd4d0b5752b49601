"""Writer for Twitter API v1.1 statuses as the streaming API delivered them.

One status per line in time order, serialised as Twitter did: compact JSON, non-ASCII as
``\\uXXXX`` escapes (surrogate pairs for emoji) and ``/`` escaped as ``\\/``; ids as exact
integers next to their ``id_str``. Each status carries its author's full ``user`` object;
a retweet embeds the whole original in ``retweeted_status`` (its text is "RT @handle: …",
cut at 140 with "…"), a quote embeds ``quoted_status``. A post longer than 140 code points
comes in compatibility mode: ``truncated: true``, ``text`` cut to fit 140 with "… " and a
t.co link to the post, and the real post in ``extended_tweet`` (``full_text``, ``entities``,
``display_text_range``). Delete notices (``{"delete": {"status": ...}}``) arrive at the
moment of deletion, always after the deleted status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import orjson

from groundswell.simulate.accounts import SOURCES, Accounts
from groundswell.simulate.clock import v1_dates
from groundswell.simulate.derived import Derived
from groundswell.simulate.model import QUOTE, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered, display_url, tco
from groundswell.simulate.sink import Malformer, Sink

LIMIT = 140
_KEEP = 115  # characters kept before "… https://t.co/xxxxxxxxxx" (1 + 1 + 23 = 25 more)
_SLOTS = tuple(f"\x00U{k}" for k in range(6))  # a repost of a repost of a quote: 5
_SLOT_JSON = tuple(json.dumps(s) for s in _SLOTS)
_LANGS = ("en", "fr", "es", "it")
_COLORS = ("1DA1F2", "E81C4F", "19CF86", "ABB8C2", "3B94D9", "F58EA8")


_NOT_ASCII = re.compile("[^\x00-\x7e]")
_ESCAPES: dict[str, str] = {}


def _escape(m: re.Match) -> str:
    c = m.group()
    e = _ESCAPES.get(c)
    if e is None:
        o = ord(c)
        if o > 0xFFFF:  # astral: a UTF-16 surrogate pair, as JSON encoders write it
            o -= 0x10000
            e = f"\\u{0xD800 | (o >> 10):04x}\\u{0xDC00 | (o & 0x3FF):04x}"
        else:
            e = f"\\u{o:04x}"
        _ESCAPES[c] = e
    return e


def _dumps(obj: dict) -> str:
    """Twitter's own serialisation: compact, ASCII-only, slashes escaped.

    Byte-identical to ``json.dumps(obj, separators=(",", ":")).replace("/", "\\/")`` (a test
    checks it) but built on orjson: only the few non-ASCII characters of a line go
    through Python.
    """
    s = orjson.dumps(obj).decode()
    if not s.isascii() or "\x7f" in s:
        s = _NOT_ASCII.sub(_escape, s)
    return s.replace("/", "\\/")


def _user_json(acc: Accounts, a: int, date: str) -> str:
    uid = int(acc.ids[a])
    loc = acc.LOCATIONS[int(acc.location[a])]
    bio = acc.BIOS[int(acc.bio[a])]
    default = a % 7 == 3
    img = ("http://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
           if default else
           f"http://pbs.twimg.com/profile_images/{900000000000000000 + a * 7919}/p{a:x}"
           "_normal.jpg")
    color = _COLORS[a % len(_COLORS)]
    u = {"id": uid, "id_str": str(uid), "name": acc.names[a], "screen_name": acc.handles[a],
         "location": loc or None, "url": None, "description": bio or None,
         "translator_type": "none", "protected": False, "verified": bool(acc.verified[a]),
         "followers_count": int(acc.followers[a]), "friends_count": int(acc.following[a]),
         "listed_count": int(acc.listed[a]), "favourites_count": int(acc.favourites[a]),
         "statuses_count": int(acc.statuses[a]), "created_at": date, "utc_offset": None,
         "time_zone": None, "geo_enabled": False, "lang": _LANGS[int(acc.lang[a])],
         "contributors_enabled": False, "is_translator": False,
         "profile_background_color": "F5F8FA", "profile_background_image_url": "",
         "profile_background_image_url_https": "", "profile_background_tile": False,
         "profile_link_color": color, "profile_sidebar_border_color": "C0DEED",
         "profile_sidebar_fill_color": "DDEEF6", "profile_text_color": "333333",
         "profile_use_background_image": True, "profile_image_url": img,
         "profile_image_url_https": img.replace("http://", "https://"),
         "default_profile": a % 3 == 0, "default_profile_image": default, "following": None,
         "follow_request_sent": None, "notifications": None}
    return _dumps(u)


def _appearances(camp: Campaign, n_accounts: int) -> list[int]:
    """How many user objects each account contributes to the file (for cache eviction)."""
    kind, parent, author = camp.kind, camp.parent, camp.author
    count = np.bincount(author, minlength=n_accounts)
    linked = parent[(kind == REPOST) | (kind == QUOTE)]
    count += np.bincount(author[linked], minlength=n_accounts)
    rt_of_quote = parent[(kind == REPOST)]
    rt_of_quote = rt_of_quote[kind[rt_of_quote] == QUOTE]
    count += 2 * np.bincount(author[parent[rt_of_quote]], minlength=n_accounts)
    rt_of_rt = parent[(kind == REPOST)]  # a repost of a repost embeds the original too
    rt_of_rt = rt_of_rt[kind[rt_of_rt] == REPOST]
    count += np.bincount(author[parent[rt_of_rt]], minlength=n_accounts)
    return count.tolist()


def write(sink: Sink, camp: Campaign, acc: Accounts, rendered: Rendered, d: Derived,
          rng: np.random.Generator, progress: Callable[[int], None] | None) -> int:
    """Write every status and delete notice in time order; returns malformed-line count."""
    n = camp.size
    recs = rendered.records
    kind = camp.kind.tolist()
    parent = camp.parent.tolist()
    author = camp.author.tolist()
    deleted = camp.deleted.tolist()
    ms = camp.ms.tolist()
    ids = camp.ids.tolist()
    ids_s, uids_s = d.id_str, d.user_id_str
    uids = acc.ids.tolist()
    handles, names = acc.handles, acc.names
    created = v1_dates(camp.ms)
    acc_dates = v1_dates(acc.created_ms)
    running = d.running
    src = [f'<a href="{url}" rel="nofollow">{name}</a>' for name, url in SOURCES]
    acc_src = acc.source.tolist()
    # A user object is ~1 KB; keep it only while the account still has lines to come.
    left = _appearances(camp, acc.size)
    user_cache: dict[int, str] = {}

    def user(a: int) -> str:
        u = user_cache.get(a)
        if u is None:
            u = _user_json(acc, a, acc_dates[a])
        left[a] -= 1
        if left[a] > 0:
            user_cache[a] = u
        else:
            user_cache.pop(a, None)
        return u

    def entities(tags: tuple, ments: tuple, urls: tuple, limit: int | None = None) -> dict:
        if limit is not None:
            tags = tuple(t for t in tags if t[1] <= limit)
            ments = tuple(m for m in ments if m[1] <= limit)
            urls = tuple(u for u in urls if u[1] <= limit)
        return {"hashtags": [{"text": g, "indices": [s, e]} for s, e, g in tags],
                "urls": [{"url": u, "expanded_url": x, "display_url": y, "indices": [s, e]}
                         for s, e, u, x, y in urls],
                "user_mentions": [{"screen_name": handles[a], "name": names[a], "id": uids[a],
                                   "id_str": uids_s[a], "indices": [s, e]}
                                  for s, e, a in ments],
                "symbols": []}

    def status(i: int, users: list[int], top: bool, embed_quote: bool, rt_count: int = 0,
               q_count: int = 0) -> dict:
        """Status ``i``; its author's object is a placeholder spliced in after dumping.

        ``users`` collects the authors in placeholder order. Embedded statuses show the
        counts as they stood when the embedding retweet/quote was made.
        """
        text, tags, ments, urls, lang, dstart, dend = recs[i]
        k = kind[i]
        slot = len(users)
        users.append(author[i])
        st: dict = {"created_at": created[i], "id": ids[i], "id_str": ids_s[i]}
        extended = None
        if k != REPOST and len(text) > LIMIT:
            visible = text[:_KEEP].rstrip()
            link = tco(ids[i], 0x77)
            expanded = f"https://twitter.com/i/web/status/{ids[i]}"
            cut = len(visible) + 2
            short = visible + "\u2026 " + link
            ents = entities(tags, ments, urls, len(visible))
            ents["urls"].append({"url": link, "expanded_url": expanded,
                                 "display_url": display_url(expanded),
                                 "indices": [cut, cut + len(link)]})
            extended = {"full_text": text, "display_text_range": [dstart, dend],
                        "entities": entities(tags, ments, urls)}
            st["text"] = short
            if k in (REPLY, QUOTE):
                st["display_text_range"] = [dstart, len(short)]
        else:
            ents = entities(tags, ments, urls)
            st["text"] = text
            if k in (REPLY, QUOTE):
                st["display_text_range"] = [dstart, dend]
        st["source"] = src[acc_src[author[i]]]
        st["truncated"] = extended is not None
        if k == REPLY:
            q = parent[i]
            st["in_reply_to_status_id"] = ids[q]
            st["in_reply_to_status_id_str"] = ids_s[q]
            st["in_reply_to_user_id"] = uids[author[q]]
            st["in_reply_to_user_id_str"] = uids_s[author[q]]
            st["in_reply_to_screen_name"] = handles[author[q]]
        else:
            st["in_reply_to_status_id"] = None
            st["in_reply_to_status_id_str"] = None
            st["in_reply_to_user_id"] = None
            st["in_reply_to_user_id_str"] = None
            st["in_reply_to_screen_name"] = None
        st["user"] = _SLOTS[slot]
        st["geo"] = None
        st["coordinates"] = None
        st["place"] = None
        st["contributors"] = None
        quoted = parent[i] if k == QUOTE else -1
        if k == REPOST:
            c = parent[i]
            st["retweeted_status"] = status(c, users, False, True, rt_count=running[i])
            if kind[c] == QUOTE:
                quoted = parent[c]
        if quoted >= 0:
            st["quoted_status_id"] = ids[quoted]
            st["quoted_status_id_str"] = ids_s[quoted]
            if embed_quote:
                st["quoted_status"] = status(quoted, users, False, False,
                                             q_count=running[i] if k == QUOTE else 0)
        st["is_quote_status"] = quoted >= 0
        if extended is not None:
            st["extended_tweet"] = extended
        st["quote_count"] = q_count
        st["reply_count"] = 0
        st["retweet_count"] = rt_count
        st["favorite_count"] = 0
        st["entities"] = ents
        st["favorited"] = False
        st["retweeted"] = False
        if urls or extended is not None:
            st["possibly_sensitive"] = False
        st["filter_level"] = "low"
        st["lang"] = lang
        if top:
            st["timestamp_ms"] = str(ms[i])
        return st

    del_rows = np.flatnonzero(camp.deleted)
    del_order = del_rows[np.argsort(camp.delete_ms[del_rows], kind="stable")].tolist()
    del_ms = camp.delete_ms.tolist()
    di = 0
    malformer = Malformer(rng, n, n - len(del_order))
    pending = 0
    for i in range(n):
        while di < len(del_order) and del_ms[del_order[di]] <= ms[i]:
            r = del_order[di]
            sink.line(_dumps({"delete": {"status": {
                "id": ids[r], "id_str": ids_s[r], "user_id": uids[author[r]],
                "user_id_str": uids_s[author[r]]}, "timestamp_ms": str(del_ms[r])}}))
            di += 1
        users: list[int] = []
        line = _dumps(status(i, users, True, True))
        for slot, a in enumerate(users):
            line = line.replace(_SLOT_JSON[slot], user(a), 1)
        sink.line(line)
        malformer.after(i, line, sink)
        if not deleted[i]:
            pending += 1
        if progress is not None and pending >= 20_000:
            progress(pending)
            pending = 0
    for r in del_order[di:]:
        sink.line(_dumps({"delete": {"status": {
            "id": ids[r], "id_str": ids_s[r], "user_id": uids[author[r]],
            "user_id_str": uids_s[author[r]]}, "timestamp_ms": str(del_ms[r])}}))
    if progress is not None and pending:
        progress(pending)
    # ``status`` is recursive, so its closure is a reference cycle holding every cache here;
    # break it so the memory goes now rather than at the next (disabled) GC pass.
    user_cache.clear()
    status = None  # noqa: F841
    return malformer.count
