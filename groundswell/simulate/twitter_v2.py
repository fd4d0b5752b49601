"""Writer for Twitter API v2 exactly as ``twarc2 search --archive`` saves it.

One line per API response page, newest tweets first (search returns reverse chronological
order), each ``{"data": [≤100 tweets], "includes": {"users": [...], "tweets": [...]},
"meta": {...}, "__twarc": {...}}`` serialised like twarc2 does (``json.dumps`` defaults:
``", "``/``": "`` separators, non-ASCII as ``\\uXXXX`` escapes, astral characters as surrogate
pairs). ``includes.tweets`` holds every tweet a page's tweets retweet, quote or reply to, so
popular tweets reappear on many pages; ``includes.users`` holds the authors, mentioned users
and referenced tweets' authors, in order of first appearance as the API lists them.

Compliance deletes are lines of their own, ``{"id", "action": "delete", "created_at",
"reason"}`` (compact, as the compliance endpoint returns them), written a few pages after the
page that carried the deleted tweet and dated after that page was retrieved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import numpy as np

from groundswell.simulate.accounts import SOURCES, Accounts
from groundswell.simulate.clock import DAY, iso_ms_z, iso_seconds
from groundswell.simulate.derived import Derived
from groundswell.simulate.model import ORIGINAL, QUOTE, REPLY, REPOST, Campaign
from groundswell.simulate.render import Rendered
from groundswell.simulate.sink import Malformer, Sink

TWARC_VERSION = "2.14.0"
PAGE_SIZE = 100
_REF_TYPE = {REPLY: "replied_to", REPOST: "retweeted", QUOTE: "quoted"}
_USERS_SLOT = "\x00USERS"
_USERS_JSON = json.dumps(_USERS_SLOT)
_TOKEN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"
_QUERY = ('#metoo OR "me too" OR #ibelieveyou OR #balancetonporc OR #yotambien OR '
          '#quellavoltache OR #mondaymotivation OR #nba OR #nowplaying OR #worldseries OR '
          '#photography OR #travel OR #amwriting OR #fitness OR #felizlunes OR #café')
_EXPANSIONS = ("author_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id,"
               "entities.mentions.username,edit_history_tweet_ids")
_TWEET_FIELDS = ("author_id,conversation_id,created_at,edit_history_tweet_ids,entities,id,"
                 "in_reply_to_user_id,lang,possibly_sensitive,public_metrics,referenced_tweets,"
                 "reply_settings,source,text")
_USER_FIELDS = "created_at,description,id,location,name,profile_image_url,protected,"\
               "public_metrics,url,username,verified"


def _search_url(start_ms: int, end_ms: int) -> str:
    start = iso_seconds(np.array([start_ms]))[0] + "Z"
    end = iso_seconds(np.array([end_ms]))[0] + "Z"
    params = [("expansions", _EXPANSIONS), ("tweet.fields", _TWEET_FIELDS),
              ("user.fields", _USER_FIELDS), ("query", _QUERY), ("start_time", start),
              ("end_time", end), ("max_results", "100")]
    return "https://api.twitter.com/2/tweets/search/all?" + "&".join(
        f"{k}={quote(v, safe='')}" for k, v in params)


def _user_json(acc: Accounts, a: int, uid: str, created: str) -> str:
    u = {"id": uid, "name": acc.names[a], "username": acc.handles[a], "created_at": created,
         "description": acc.BIOS[int(acc.bio[a])]}
    loc = acc.LOCATIONS[int(acc.location[a])]
    if loc:
        u["location"] = loc
    u["profile_image_url"] = (
        "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
        if a % 7 == 3 else
        f"https://pbs.twimg.com/profile_images/{900000000000000000 + a * 7919}/"
        f"p{a:x}_normal.jpg")
    u["protected"] = False
    u["public_metrics"] = {"followers_count": int(acc.followers[a]),
                           "following_count": int(acc.following[a]),
                           "tweet_count": int(acc.statuses[a]),
                           "listed_count": int(acc.listed[a])}
    u["url"] = ""
    u["verified"] = bool(acc.verified[a])
    return json.dumps(u)


def write(sink: Sink, camp: Campaign, acc: Accounts, rendered: Rendered, d: Derived,
          rng: np.random.Generator, progress: Callable[[int], None] | None,
          end_ms: int) -> int:
    """Write all pages and compliance lines; returns the number of malformed lines."""
    n = camp.size
    recs = rendered.records
    kind = camp.kind.tolist()
    parent = camp.parent.tolist()
    author = camp.author.tolist()
    deleted = camp.deleted.tolist()
    created = [s + ".000Z" for s in iso_seconds(camp.ms)]
    acc_created = [s + ".000Z" for s in iso_seconds(acc.created_ms)]
    source = [SOURCES[s][0] for s in acc.source.tolist()]
    ids, uids, conv = d.id_str, d.user_id_str, d.conversation
    rts, reps, qts, likes = d.retweets, d.replies, d.quotes, d.likes
    handles = acc.handles
    user_cache: list[str | None] = [None] * acc.size

    def user(a: int) -> str:
        u = user_cache[a]
        if u is None:
            u = user_cache[a] = _user_json(acc, a, uids[a], acc_created[a])
        return u

    def tweet(i: int) -> dict:
        text, tags, ments, urls, lang = recs[i][:5]
        k = kind[i]
        t: dict = {"id": ids[i], "text": text, "author_id": uids[author[i]],
                   "created_at": created[i], "lang": lang, "conversation_id": ids[conv[i]]}
        if k == REPLY:
            t["in_reply_to_user_id"] = uids[author[parent[i]]]
        if k != ORIGINAL:
            t["referenced_tweets"] = [{"type": _REF_TYPE[k], "id": ids[parent[i]]}]
        if tags or ments or urls:
            ents: dict = {}
            if tags:
                ents["hashtags"] = [{"start": s, "end": e, "tag": g} for s, e, g in tags]
            if ments:
                ents["mentions"] = [{"start": s, "end": e, "username": handles[a],
                                     "id": uids[a]} for s, e, a in ments]
            if urls:
                ents["urls"] = [{"start": s, "end": e, "url": u, "expanded_url": x,
                                 "display_url": y} for s, e, u, x, y in urls]
            t["entities"] = ents
        if k == REPOST:  # the API shows the original's counts on a retweet
            t["public_metrics"] = {"retweet_count": rts[parent[i]], "reply_count": 0,
                                   "like_count": 0, "quote_count": 0, "impression_count": 0}
        else:
            t["public_metrics"] = {"retweet_count": rts[i], "reply_count": reps[i],
                                   "like_count": likes[i], "quote_count": qts[i],
                                   "impression_count": 0}
        t["edit_history_tweet_ids"] = [ids[i]]
        t["possibly_sensitive"] = False
        t["reply_settings"] = "everyone"
        t["source"] = source[author[i]]
        return t

    n_pages = (n + PAGE_SIZE - 1) // PAGE_SIZE
    # Deletes: each goes 0-5 pages after the page that carries the deleted tweet.
    after_page: dict[int, list[int]] = {}
    del_rows = np.flatnonzero(camp.deleted)
    lag = rng.integers(0, 6, del_rows.size)
    for row, g in zip(del_rows.tolist(), lag.tolist(), strict=True):
        page = (n - 1 - row) // PAGE_SIZE
        after_page.setdefault(min(n_pages - 1, page + g), []).append(row)
    tokens = ["".join(_TOKEN_CHARS[c] for c in row)
              for row in rng.integers(0, 36, (n_pages, 45)).tolist()]
    url = _search_url(camp.ms.min() if n else camp.t0_ms, end_ms)
    retrieved0 = end_ms + DAY * 1000
    steps = np.cumsum(rng.integers(900, 2600, max(n_pages, 1))).tolist()
    malformer = Malformer(rng, n_pages, n - int(camp.deleted.sum()))
    pending = 0
    for p in range(n_pages):
        hi = n - p * PAGE_SIZE
        rows = range(hi - 1, max(hi - PAGE_SIZE, 0) - 1, -1)
        data = []
        users: dict[int, None] = {}
        refs: dict[int, None] = {}
        for i in rows:
            data.append(tweet(i))
            users[author[i]] = None
            for _, _, a in recs[i][2]:
                users[a] = None
            if parent[i] >= 0:
                q = parent[i]
                refs[q] = None
                users[author[q]] = None
            if not deleted[i]:
                pending += 1
        included = [tweet(q) for q in refs]
        meta = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"],
                "result_count": len(data)}
        if p < n_pages - 1:
            meta["next_token"] = tokens[p]
        page_url = url if p == 0 else url + "&next_token=" + tokens[p - 1]
        retrieved = iso_seconds(np.array([retrieved0 + steps[p]]))[0] + "+00:00"
        body = {"data": data, "includes": {"users": _USERS_SLOT, "tweets": included},
                "meta": meta, "__twarc": {"url": page_url, "version": TWARC_VERSION,
                                          "retrieved_at": retrieved}}
        if not included:
            del body["includes"]["tweets"]
        line = json.dumps(body).replace(_USERS_JSON, "[" + ", ".join(map(user, users)) + "]",
                                        1)
        sink.line(line)
        malformer.after(p, line, sink)
        for row in after_page.get(p, ()):
            # A search only returns live tweets, so the deletion came after the page that
            # carried the tweet was retrieved (with the model's post → delete lag).
            page_ms = retrieved0 + steps[(n - 1 - row) // PAGE_SIZE]
            deleted_at = page_ms + int(camp.delete_ms[row] - camp.ms[row])
            sink.line(json.dumps({"id": ids[row], "action": "delete",
                                  "created_at": iso_ms_z(deleted_at), "reason": "deleted"},
                                 separators=(",", ":")))
        if progress is not None and (pending >= 20_000 or p == n_pages - 1):
            progress(pending)
            pending = 0
    user_cache.clear()
    return malformer.count
