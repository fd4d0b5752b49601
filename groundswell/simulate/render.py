"""Turn modelled posts into text with exact entities, shared by both platform writers.

Why render once, format-independently: the v1.1 and v2 files of the same seed must describe
the same posts with the same hashtags, so the ground truth is computed once from these
records and each writer only changes the envelope. Entities are recorded while the text is
assembled (never re-extracted), with indices in code points as Twitter reports them.

A record is ``(text, hashtags, mentions, urls, lang, display_start, display_end)``:
``hashtags`` are ``(start, end, written_tag)`` (``written_tag`` without its ``#``),
``mentions`` ``(start, end, account_row)``, ``urls`` ``(start, end, url, expanded, display)``.
Retweets are "RT @handle: " + the original's text, cut at 140 code points with "…" as
Twitter did; only entities that are still entirely visible survive the cut.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from groundswell.simulate import phrases as P
from groundswell.simulate.accounts import Accounts
from groundswell.simulate.clock import HOUR
from groundswell.simulate.model import (
    BG,
    EN,
    FOLLOWUP,
    ORIGIN,
    ORIGINAL,
    PUBLIC,
    QUOTE,
    REPLY,
    REPOST,
    Campaign,
)

RT_LIMIT = 140
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_MASK = (1 << 64) - 1

Record = tuple[str, tuple, tuple, tuple, str, int, int]


def tco(n: int, salt: int) -> str:
    """A deterministic 10-character t.co code for post ``n`` (``salt`` separates link kinds)."""
    x = ((n ^ salt) * 0x9E3779B97F4A7C15) & _MASK
    x ^= x >> 29
    out = []
    for _ in range(10):
        x, r = divmod(x, 62)
        out.append(_B62[r])
    return "https://t.co/" + "".join(out)


def display_url(expanded: str) -> str:
    bare = expanded.split("://", 1)[-1]
    return bare if len(bare) <= 26 else bare[:26] + "\u2026"


class _Picker:
    """Weighted choice of a written tag form from a uniform draw."""

    def __init__(self, table: tuple[tuple[str, float], ...]) -> None:
        self.forms = [f for f, _ in table]
        self.cum = list(accumulate(w for _, w in table))
        self.total = self.cum[-1]

    def __call__(self, r: float) -> str:
        return self.forms[min(bisect_right(self.cum, r * self.total), len(self.forms) - 1)]


@dataclass
class Rendered:
    """One record per post of the campaign (same order), plus when #IBelieveYou began."""

    records: list[Record]
    response_start_ms: int


def _assemble(prefix: str, tokens: list[str]) -> tuple[str, tuple]:
    """Join tokens with spaces (``"\\n"`` is a line break); hashtags get their entities."""
    text = prefix
    tags = []
    for tok in tokens:
        if tok == "\n":
            text = text.rstrip(" ") + "\n"
            continue
        if text and text[-1] not in " \n":
            text += " "
        if tok[0] in "#\uff03":
            tags.append((len(text), len(text) + len(tok), tok[1:]))
        text += tok
    return text, tuple(tags)


class Renderer:
    """Chooses words for each post; all randomness comes from its own generator."""

    def __init__(self, rng: np.random.Generator, camp: Campaign, acc: Accounts) -> None:
        self.rng = rng
        self.c = camp
        self.acc = acc
        self.metoo = _Picker(P.METOO)
        self.resp = _Picker(P.IBELIEVEYOU)
        self.variant = {k: _Picker(v) for k, v in P.VARIANT_TAGS.items()}
        self.response_start_ms = camp.t0_ms + int(rng.uniform(6 * HOUR, 10 * HOUR) * 1000)
        self._response_seen = False

    # -- probabilities ----------------------------------------------------------------
    def _resp_p(self, ms: int, pmax: float) -> float:
        """#IBelieveYou: absent before its start, then grows towards ``pmax`` over ~a day.

        The first campaign post after the start always carries it, so the tag's first
        appearance is the planted start (not a random while later).
        """
        dt = ms - self.response_start_ms
        if dt < 0:
            return 0.0
        if not self._response_seen:
            self._response_seen = True
            return 1.0
        return pmax * (1.0 - math.exp(-dt / (12 * HOUR * 1000)))

    # -- bodies -----------------------------------------------------------------------
    def _en_original(self, r: list[float], ms: int, special: int) -> list[str]:
        tag = self.metoo(r[1])
        story = P.STORIES[int(r[2] * len(P.STORIES))]
        story2 = P.STORIES[int(r[3] * len(P.STORIES))]
        story3 = P.STORIES[int(r[4] * len(P.STORIES))]
        sol = P.SOLIDARITY[int(r[5] * len(P.SOLIDARITY))]
        emoji = P.EMOJI[int(r[6] * len(P.EMOJI))]
        x = r[0]
        if special == PUBLIC:
            body = (["Me too.", tag] if x < 0.4 else ["Me too.", story, tag] if x < 0.7
                    else [sol, tag])
        elif x < 0.06:
            body = [tag]
        elif x < 0.18:
            body = ["Me too.", tag]
        elif x < 0.48:
            body = [story, tag]
        elif x < 0.60:
            body = [tag, story]
        elif x < 0.70:
            body = ["Me too.", story, tag]
        elif x < 0.80:
            body = [sol, tag]
        elif x < 0.87:
            body = [story, story2, "\n", tag]
        elif x < 0.95:  # long enough to need 280 characters (v1.1: extended_tweet)
            body = [story, story2, story3, tag]
        else:
            body = [sol, emoji, tag]
        self._extras(body, r, ms, 0.25)
        return body

    def _extras(self, body: list[str], r: list[float], ms: int, resp_max: float) -> None:
        """Optional response tag, co-tag, emoji and a same-tag-twice post (counts once)."""
        if r[7] < self._resp_p(ms, resp_max):
            body.append(self.resp(r[8]))
        if r[9] < 0.06:
            body.append(P.CO_TAGS[int(r[10] * len(P.CO_TAGS))])
        if r[11] < 0.02:
            body.append(self.metoo(r[12]))
        if r[13] < 0.10:
            body.insert(max(0, len(body) - 1), P.EMOJI[int(r[14] * len(P.EMOJI))])

    def _origin_reply(self, r: list[float], ms: int) -> list[str]:
        if r[0] < 0.8:
            shape = P.PHRASE_REPLIES[int(r[2] * len(P.PHRASE_REPLIES))]
        else:
            shape = P.OTHER_ORIGIN_REPLIES[int(r[2] * len(P.OTHER_ORIGIN_REPLIES))]
        body = [P.STORIES[int(r[3] * len(P.STORIES))] if s == "{story}" else
                P.EMOJI[int(r[4] * len(P.EMOJI))] if s == "{emoji}" else s for s in shape]
        if r[5] < 0.45:
            body.append(self.metoo(r[1]))
        if r[7] < self._resp_p(ms, 0.08):
            body.append(self.resp(r[8]))
        return body

    def _thread_reply(self, r: list[float], ms: int) -> list[str]:
        body = [P.SUPPORT[int(r[2] * len(P.SUPPORT))]]
        if r[3] < 0.2:
            body.append(P.SUPPORT[int(r[4] * len(P.SUPPORT))])
        if r[7] < self._resp_p(ms, 0.6):
            body.append(self.resp(r[8]))
        if r[5] < 0.25:
            body.append(self.metoo(r[1]))
        return body

    def _en_quote(self, r: list[float], ms: int, of_origin: bool) -> list[str]:
        if of_origin:
            body = [P.QUOTE_ORIGIN[int(r[2] * len(P.QUOTE_ORIGIN))]]
            if r[5] < 0.9:
                body.append(self.metoo(r[1]))
            return body
        body = [P.QUOTE_COMMENTS[int(r[2] * len(P.QUOTE_COMMENTS))]]
        if r[5] < 0.75:
            body.append(self.metoo(r[1]))
        if r[7] < self._resp_p(ms, 0.3):
            body.append(self.resp(r[8]))
        return body

    def _variant(self, stream: int, kind: int, r: list[float]) -> tuple[list[str], str]:
        stories, support, lang = P.VARIANT_TEXT[stream]
        tag = self.variant[stream](r[1])
        if kind == ORIGINAL:
            story = stories[int(r[2] * len(stories))]
            if stream == 3:  # "#QuellaVoltaChe ..." opens the sentence in Italian posts
                body = [tag, story]
            elif r[3] < 0.3:
                body = [tag, story[0].upper() + story[1:]]
            else:
                body = [story, tag]
            if r[5] < 0.3:
                body.append(self.metoo(r[6]))
        elif kind == REPLY:
            body = [support[int(r[2] * len(support))]]
            if r[5] < 0.3:
                body.append(tag)
        else:
            body = [support[int(r[2] * len(support))]]
            if r[5] < 0.7:
                body.append(tag)
        return body, lang

    def _background(self, kind: int, r: list[float]) -> tuple[list[str], str]:
        if kind == REPLY:
            return [P.BACKGROUND_REPLIES[int(r[2] * len(P.BACKGROUND_REPLIES))]], "en"
        if kind == QUOTE:
            return [P.BACKGROUND_QUOTES[int(r[2] * len(P.BACKGROUND_QUOTES))]], "en"
        tag, lang, lines = P.BACKGROUND[int(r[1] * len(P.BACKGROUND))]
        body = [lines[int(r[2] * len(lines))]]
        if tag:
            body.append(tag)
        if tag and r[3] < 0.1:  # a second, different steady tag
            other = P.BACKGROUND[int(r[4] * 8)][0]
            if other != tag:
                body.append(other)
        return body, lang

    # -- records ----------------------------------------------------------------------
    def render(self, chunk: int = 65536) -> Rendered:
        """One record per post, in time order (a retweet copies its original's record)."""
        c, acc = self.c, self.acc
        handles = acc.handles
        kind = c.kind.tolist()
        parent = c.parent.tolist()
        author = c.author.tolist()
        stream = c.stream.tolist()
        special = c.special.tolist()
        ms = c.ms.tolist()
        ids = c.ids.tolist()
        origin = c.origin
        records: list[Record] = []
        for lo in range(0, c.size, chunk):
            hi = min(c.size, lo + chunk)
            draws = self.rng.random((hi - lo, 16)).tolist()
            for i in range(lo, hi):
                k = kind[i]
                if k == REPOST:
                    records.append(self._retweet(records[parent[i]], author[parent[i]]))
                    continue
                r = draws[i - lo]
                s = stream[i]
                lang = "en"
                prefix, pm = "", ()
                if k == REPLY:
                    h = handles[author[parent[i]]]
                    prefix = "@" + h + " "
                    pm = ((0, len(h) + 1, author[parent[i]]),)
                if special[i] == ORIGIN:
                    records.append((P.ORIGIN_TEXT, (), (), (), "en", 0, len(P.ORIGIN_TEXT)))
                    continue
                if special[i] == FOLLOWUP:
                    body = [P.FOLLOWUP_TEXT, self.metoo(0.0)]
                elif s == BG:
                    body, lang = self._background(k, r)
                elif s != EN:
                    body, lang = self._variant(s, k, r)
                elif k == ORIGINAL:
                    body = self._en_original(r, ms[i], special[i])
                elif k == REPLY and parent[i] == origin:
                    body = (["Me too.", self.metoo(r[1])] if special[i] == PUBLIC
                            else self._origin_reply(r, ms[i]))
                elif k == REPLY:
                    body = self._thread_reply(r, ms[i])
                else:
                    body = self._en_quote(r, ms[i], parent[i] == origin)
                text, tags = _assemble(prefix, body)
                if s == EN and not any(t[0].isalpha() for t in body if t[0] not in "#\uff03"):
                    lang = "und"  # hashtag/emoji-only posts get no language from Twitter
                end = len(text)
                urls: tuple = ()
                if k == QUOTE:
                    q = parent[i]
                    expanded = f"https://twitter.com/{handles[author[q]]}/status/{ids[q]}"
                    short = tco(ids[i], 0x51)
                    start = len(text) + 1
                    text = text + " " + short
                    urls = ((start, start + len(short), short, expanded, display_url(expanded)),)
                records.append((text, tags, pm, urls, lang, len(prefix), end))
        return Rendered(records, self.response_start_ms)

    def _retweet(self, rec: Record, content_author: int) -> Record:
        """``RT @handle: text`` cut at 140 code points; entities shifted, cut ones dropped."""
        h = self.acc.handles[content_author]
        head = "RT @" + h + ": "
        n = len(head)
        full = head + rec[0]
        if len(full) > RT_LIMIT:
            visible = full[: RT_LIMIT - 1].rstrip()
            text = visible + "\u2026"
            cut = len(visible)
        else:
            text, cut = full, len(full)
        tags = tuple((s + n, e + n, t) for s, e, t in rec[1] if e + n <= cut)
        ments = ((3, 4 + len(h), content_author),) + tuple(
            (s + n, e + n, a) for s, e, a in rec[2] if e + n <= cut)
        urls = tuple((s + n, e + n, u, x, d) for s, e, u, x, d in rec[3] if e + n <= cut)
        return (text, tags, ments, urls, rec[4], 0, len(text))


def body(rec: Record, origin: bool = False) -> tuple[str, tuple]:
    """A post's own words and their hashtags, as platforms other than Twitter show them: no
    "@handle " a reply client put in front, no link a quote carries at the end (Bluesky and
    Mastodon name the replied-to and quoted posts outside the text), the call to action
    asking for replies to "this post". Not for reposts, which have no words of their own."""
    text, tags, _, _, _, lo, hi = rec
    if origin:
        return P.ORIGIN_TEXT.replace("this tweet", "this post"), ()
    if lo == 0 and hi == len(text):
        return text, tags
    return text[lo:hi], tuple((s - lo, e - lo, t) for s, e, t in tags)


def render(rng: np.random.Generator, camp: Campaign, acc: Accounts) -> Rendered:
    """Texts and entities for every post of ``camp`` (see the module docstring)."""
    return Renderer(rng, camp, acc).render()


__all__ = ["Rendered", "Record", "render", "body", "tco", "display_url", "RT_LIMIT"]
