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

Roles (issue 25): every authored post is given a role first (:func:`role_table`: shares per
kind of post, shifting with the days since its wave began: disclosures early, support,
commentary and backlash later), then worded from that role's fragments in its language. The
hashtags a post carries are drawn exactly as before, whatever its role, so which posts match
the campaign does not depend on roles (roles and their words are drawn from a generator of
their own: every hashtag, mention and link is what it was before roles). ~10% of campaign
posts are worded from the ambiguous fragments and ~4% from the fragments of another role
(noise); both are flagged ambiguous.
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
DIS, SUP, COM, OPP, OTH = range(5)  # disclosure, support, commentary, opposition, other
#: Kinds of post whose role shares differ.
(EN_ORIGINAL, EN_ORIGIN_REPLY, EN_THREAD_REPLY, EN_QUOTE, VAR_ORIGINAL, VAR_REPLY,
 VAR_QUOTE) = range(7)
#: Role weights (DIS, SUP, COM, OPP, OTH) per kind of post on the first day of its wave.
ROLE_WEIGHTS = (
    (0.51, 0.18, 0.15, 0.045, 0.13),  # en originals (public figures apart)
    (0.15, 0.50, 0.10, 0.12, 0.13),  # en replies to the origin without the phrase
    (0.09, 0.70, 0.06, 0.06, 0.09),  # en replies in threads
    (0.05, 0.32, 0.43, 0.09, 0.11),  # en quotes (not of the origin)
    (0.58, 0.15, 0.13, 0.04, 0.12),  # fr/es/it originals
    (0.08, 0.72, 0.08, 0.05, 0.07),  # fr/es/it replies
    (0.05, 0.36, 0.41, 0.08, 0.10),  # fr/es/it quotes
)
#: How each role's weight changes per day since the wave began (capped at 9 days):
#: fewer disclosures, more support, commentary and backlash as the days go by.
ROLE_DRIFT = (-0.07, 0.10, 0.08, 0.10, 0.0)
AMBIGUOUS_SHARE = 0.10  # campaign posts worded from :data:`P.AMBIGUOUS`
NOISE_SHARE = 0.04  # campaign posts worded as another role
#: The role whose words a noisy post of each role borrows.
CONFUSED_WITH = (COM, DIS, SUP, SUP, COM)
_ROLE_KEYS = ("disclosure", "support", "commentary", "opposition", "other")
#: The clear words of each role (DIS, SUP, COM, OPP, OTH) in English replies and quotes.
#: Replies to the origin without the phrase: the near miss "Me. Too." and "So many of us."
#: disclose.
_NEAR_MISS = ("Me. Too.", "So many of us.")
_ORIGIN_REPLY_TEXTS = (_NEAR_MISS,
                       tuple(b[0] for b in P.OTHER_ORIGIN_REPLIES if b[0] not in _NEAR_MISS),
                       P.EN_COMMENTARY, P.EN_OPPOSITION, P.EN_OTHER_REPLIES)
_THREAD_REPLY_TEXTS = (P.STORIES, P.SUPPORT, P.EN_COMMENTARY, P.EN_OPPOSITION,
                       P.EN_OTHER_REPLIES)
_QUOTE_TEXTS = (P.STORIES, P.QUOTE_COMMENTS, P.EN_COMMENTARY, P.EN_OPPOSITION,
                P.EN_OTHER_REPLIES)
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
    """One record per post of the campaign (same order), plus when #IBelieveYou began, and
    per post its planted role (index into ``P.ROLES``; -1 for reposts, which have no words of
    their own), whether its words leave that role open (planted ambiguous or noisy) and the
    language its words were chosen in (index into ``P.LANGS``)."""

    records: list[Record]
    response_start_ms: int
    roles: np.ndarray  # int8
    ambiguous: np.ndarray  # bool
    langs: np.ndarray  # int8


def role_table(kind: int, day: float) -> list[float]:
    """Cumulative role probabilities of a post of ``kind`` ``day`` days into its wave."""
    d = min(max(day, 0.0), 9.0)
    w = [max(0.0, b * (1.0 + g * d)) for b, g in zip(ROLE_WEIGHTS[kind], ROLE_DRIFT,
                                                     strict=True)]
    total = sum(w)
    return list(accumulate(x / total for x in w))[:-1]


def _pick(texts: tuple[str, ...], r: float) -> str:
    return texts[int(r * len(texts))]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


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

    def __init__(self, rng: np.random.Generator, camp: Campaign, acc: Accounts,
                 role_rng: np.random.Generator) -> None:
        self.rng = rng
        self.role_rng = role_rng
        self.c = camp
        self.acc = acc
        self.metoo = _Picker(P.METOO)
        self.resp = _Picker(P.IBELIEVEYOU)
        self.variant = {k: _Picker(v) for k, v in P.VARIANT_TAGS.items()}
        self.response_start_ms = camp.t0_ms + int(rng.uniform(6 * HOUR, 10 * HOUR) * 1000)
        self._response_seen = False
        self._tables = [[role_table(k, h / 24.0) for h in range(241)]
                        for k in range(len(ROLE_WEIGHTS))]  # per kind, per hour (10 days)
        self.wave_start_ms = (camp.t0_ms, *camp.variant_start_ms)  # per stream

    # -- roles ------------------------------------------------------------------------
    def _role(self, kind: int, stream: int, ms: int, u: float) -> int:
        """A role for a post of ``kind`` at ``ms`` (by the table of its hour in its wave)."""
        hour = (ms - self.wave_start_ms[stream]) // 3_600_000
        return bisect_right(self._tables[kind][0 if hour < 0 else 240 if hour > 240 else hour],
                            u)

    @staticmethod
    def _words(role: int, lang: str, r: list[float], q: list[float],
               clear: tuple[str, ...], bare: bool = False) -> tuple[str, bool]:
        """The fragment of a campaign post: from ``clear`` (the role's own words in this
        kind of post) or, for planted ambiguous and noisy posts, from ``P.AMBIGUOUS`` or
        another role's words. "" (no words: a hashtag-only post) only where ``bare`` (an
        original, which always carries its tag); elsewhere the next ambiguous text."""
        a = q[1]
        if a < AMBIGUOUS_SHARE:
            texts = P.AMBIGUOUS[lang][_ROLE_KEYS[role]]
            k = int(q[2] * len(texts))
            if not texts[k] and not bare:
                k = (k + 1) % len(texts)
            return texts[k], True
        if a < AMBIGUOUS_SHARE + NOISE_SHARE:
            return _pick(P.ROLE_TEXTS[lang][_ROLE_KEYS[CONFUSED_WITH[role]]], q[2]), True
        return _pick(clear, r[2]), False

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
    def _en_original(self, r: list[float], q: list[float], ms: int,
                     special: int) -> tuple[list[str], int, bool]:
        tag = self.metoo(r[1])
        x = r[0]
        if special == PUBLIC:
            story = P.STORIES[int(r[2] * len(P.STORIES))]
            sol = P.SOLIDARITY[int(r[5] * len(P.SOLIDARITY))]
            body = (["Me too.", tag] if x < 0.4 else ["Me too.", story, tag] if x < 0.7
                    else [sol, tag])
            self._extras(body, r, ms, 0.25)
            return body, DIS if x < 0.7 else SUP, False
        role = self._role(EN_ORIGINAL, EN, ms, q[0])
        if q[1] < AMBIGUOUS_SHARE + NOISE_SHARE:
            words, amb = self._words(role, "en", r, q, (), bare=True)
            body = [words, tag] if words else [tag]
        elif role == DIS:
            story = P.STORIES[int(r[2] * len(P.STORIES))]
            story2 = P.STORIES[int(r[3] * len(P.STORIES))]
            if x < 0.15:
                body = ["Me too.", tag]
            elif x < 0.53:
                body = [story, tag]
            elif x < 0.68:
                body = [tag, story]
            elif x < 0.80:
                body = ["Me too.", story, tag]
            elif x < 0.90:
                body = [story, story2, "\n", tag]
            else:  # long enough to need 280 characters (v1.1: extended_tweet)
                body = [story, story2, P.STORIES[int(r[4] * len(P.STORIES))], tag]
            amb = False
        elif role == SUP:
            texts = P.ROLE_TEXTS["en"]["support"]
            sol = _pick(texts, r[2])
            body = ([sol, tag] if x < 0.55 else [sol, P.EMOJI[int(r[6] * len(P.EMOJI))], tag]
                    if x < 0.75 else [sol, _pick(texts, r[3]), tag])
            amb = False
        elif role == COM:
            comment = _pick(P.EN_COMMENTARY, r[2])
            body = ([comment, tag] if x < 0.5 else [tag, comment] if x < 0.7
                    else [comment, _pick(P.EN_COMMENTARY, r[3]), tag])
            amb = False
        elif role == OPP:
            opp = _pick(P.EN_OPPOSITION, r[2])
            body = [opp, tag] if x < 0.7 else [tag, opp]
            amb = False
        else:
            body = ([tag] if x < 0.35 else [P.EMOJI[int(r[6] * len(P.EMOJI))], tag]
                    if x < 0.45 else [_pick(P.EN_OTHER, r[2]), tag])
            amb = False
        self._extras(body, r, ms, 0.25)
        return body, role, amb

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

    def _origin_reply(self, r: list[float], q: list[float], ms: int) -> tuple[list[str], int, bool]:
        if r[0] < 0.8:  # says "me too": a disclosure, in as few words as that
            shape = P.PHRASE_REPLIES[int(r[2] * len(P.PHRASE_REPLIES))]
            body = [P.STORIES[int(r[3] * len(P.STORIES))] if s == "{story}" else
                    P.EMOJI[int(r[4] * len(P.EMOJI))] if s == "{emoji}" else s for s in shape]
            role, amb = DIS, False
        else:
            role = self._role(EN_ORIGIN_REPLY, EN, ms, q[0])
            words, amb = self._words(role, "en", r, q, _ORIGIN_REPLY_TEXTS[role])
            body = [words]
        if r[5] < 0.45:
            body.append(self.metoo(r[1]))
        if r[7] < self._resp_p(ms, 0.08):
            body.append(self.resp(r[8]))
        return body, role, amb

    def _thread_reply(self, r: list[float], q: list[float], ms: int) -> tuple[list[str], int, bool]:
        role = self._role(EN_THREAD_REPLY, EN, ms, q[0])
        words, amb = self._words(role, "en", r, q, _THREAD_REPLY_TEXTS[role])
        body = [words]
        if role == SUP and not amb and r[3] < 0.2:
            body.append(P.SUPPORT[int(r[4] * len(P.SUPPORT))])
        if r[7] < self._resp_p(ms, 0.6):
            body.append(self.resp(r[8]))
        if r[5] < 0.25:
            body.append(self.metoo(r[1]))
        return body, role, amb

    def _en_quote(self, r: list[float], q: list[float], ms: int,
                  of_origin: bool) -> tuple[list[str], int, bool]:
        if of_origin:
            k = int(r[2] * len(P.QUOTE_ORIGIN))
            body = [P.QUOTE_ORIGIN[k]]
            if r[5] < 0.9:
                body.append(self.metoo(r[1]))
            return body, DIS if "Me too" in P.QUOTE_ORIGIN[k] else SUP, False
        role = self._role(EN_QUOTE, EN, ms, q[0])
        words, amb = self._words(role, "en", r, q, _QUOTE_TEXTS[role])
        body = [words]
        if r[5] < 0.75:
            body.append(self.metoo(r[1]))
        if r[7] < self._resp_p(ms, 0.3):
            body.append(self.resp(r[8]))
        return body, role, amb

    def _variant(self, stream: int, kind: int, ms: int, r: list[float],
                 q: list[float]) -> tuple[list[str], str, int, bool]:
        lang = P.VARIANT_TEXT[stream][2]
        texts = P.ROLE_TEXTS[lang]
        tag = self.variant[stream](r[1])
        if kind == ORIGINAL:
            role = self._role(VAR_ORIGINAL, stream, ms, q[0])
            words, amb = self._words(role, lang, r, q, texts[_ROLE_KEYS[role]], bare=True)
            if not words:
                body = [tag]
            elif role == DIS and not amb:
                if stream == 3:  # "#QuellaVoltaChe ..." opens the sentence in Italian posts
                    body = [tag, words]
                elif r[3] < 0.3:
                    body = [tag, _cap(words)]
                else:
                    body = [_cap(words), tag]
            elif role == OTH and not amb and r[3] < 0.3:
                body = [tag]
            else:
                body = [_cap(words), tag]
            if r[5] < 0.3:
                body.append(self.metoo(r[6]))
        else:
            role = self._role(VAR_REPLY if kind == REPLY else VAR_QUOTE, stream, ms, q[0])
            clear = "support_to" if role == SUP else _ROLE_KEYS[role]
            words, amb = self._words(role, lang, r, q, texts[clear])
            body = [_cap(words)]
            if r[5] < (0.3 if kind == REPLY else 0.7):
                body.append(tag)
        return body, lang, role, amb

    def _background(self, kind: int, r: list[float],
                    q: list[float]) -> tuple[list[str], str, int, bool]:
        """Chatter (other) and some commentary on news of the same topic, with the same
        hashtags as ever; ~2% worded as the other role."""
        commentary = q[0] < (0.20 if kind == ORIGINAL else 0.12 if kind == REPLY else 0.25)
        noisy = q[1] < 0.02
        role = COM if commentary else OTH
        news = commentary != noisy  # words of commentary
        if kind == REPLY:
            replies = P.BACKGROUND_COMMENTARY_REPLIES if news else P.BACKGROUND_REPLIES
            return [_pick(replies, r[2])], "en", role, noisy
        if kind == QUOTE:
            quotes = P.BACKGROUND_COMMENTARY_REPLIES if news else P.BACKGROUND_QUOTES
            return [_pick(quotes, r[2])], "en", role, noisy
        tag, lang, lines = P.BACKGROUND[int(r[1] * len(P.BACKGROUND))]
        body = [_pick(P.BACKGROUND_COMMENTARY[tag] if news else lines, r[2])]
        if tag:
            body.append(tag)
        if tag and r[3] < 0.1:  # a second, different steady tag
            other = P.BACKGROUND[int(r[4] * 8)][0]
            if other != tag:
                body.append(other)
        return body, lang, role, noisy

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
        roles = [-1] * c.size  # reposts keep -1: no words of their own
        ambiguous = [False] * c.size
        langs = [0] * c.size
        lang_index = {lang: j for j, lang in enumerate(P.LANGS)}
        for lo in range(0, c.size, chunk):
            hi = min(c.size, lo + chunk)
            draws = self.rng.random((hi - lo, 16)).tolist()
            authored = int(np.count_nonzero(c.kind[lo:hi] != REPOST))
            role_draws = self.role_rng.random((authored, 3)).tolist()
            j = 0
            for i in range(lo, hi):
                k = kind[i]
                if k == REPOST:
                    records.append(self._retweet(records[parent[i]], author[parent[i]]))
                    langs[i] = langs[parent[i]]
                    continue
                r, q = draws[i - lo], role_draws[j]
                j += 1
                s = stream[i]
                lang = "en"
                role, amb = OTH, False
                prefix, pm = "", ()
                if k == REPLY:
                    h = handles[author[parent[i]]]
                    prefix = "@" + h + " "
                    pm = ((0, len(h) + 1, author[parent[i]]),)
                if special[i] == ORIGIN:  # a call to action: commentary, by the guideline
                    records.append((P.ORIGIN_TEXT, (), (), (), "en", 0, len(P.ORIGIN_TEXT)))
                    roles[i] = COM
                    continue
                if special[i] == FOLLOWUP:
                    body, role = [P.FOLLOWUP_TEXT, self.metoo(0.0)], SUP
                elif s == BG:
                    body, lang, role, amb = self._background(k, r, q)
                elif s != EN:
                    body, lang, role, amb = self._variant(s, k, ms[i], r, q)
                elif k == ORIGINAL:
                    body, role, amb = self._en_original(r, q, ms[i], special[i])
                elif k == REPLY and parent[i] == origin:
                    if special[i] == PUBLIC:
                        body, role = ["Me too.", self.metoo(r[1])], DIS
                    else:
                        body, role, amb = self._origin_reply(r, q, ms[i])
                elif k == REPLY:
                    body, role, amb = self._thread_reply(r, q, ms[i])
                else:
                    body, role, amb = self._en_quote(r, q, ms[i], parent[i] == origin)
                roles[i] = role
                ambiguous[i] = amb
                langs[i] = lang_index[lang]
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
        return Rendered(records, self.response_start_ms, np.array(roles, np.int8),
                        np.array(ambiguous, bool), np.array(langs, np.int8))

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


def render(rng: np.random.Generator, camp: Campaign, acc: Accounts,
           role_rng: np.random.Generator) -> Rendered:
    """Texts and entities for every post of ``camp`` (see the module docstring); roles and
    the choice of ambiguous words are drawn from ``role_rng``, so that every hashtag, link and
    mention is what it would be without roles."""
    return Renderer(rng, camp, acc, role_rng).render()


__all__ = ["Rendered", "Record", "render", "body", "tco", "display_url", "RT_LIMIT"]
