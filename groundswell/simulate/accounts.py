"""The simulated account pool: invented handles, heavy-tailed audiences, a few public figures.

Why heavy tails: reach on Twitter is wildly unequal (most accounts have a few hundred
followers, a handful have millions), and that inequality is what makes a campaign burst.
Followers are lognormal for ordinary accounts and capped below the 100k "public figure"
threshold, so the only accounts above it are the ones the model plants on purpose (the
origin and the public figures) and the truth file can name them unambiguously. Followers
never change during a run: "as last seen" is then the same as "as first seen".

Handles and names are built from neutral words and invented syllables, never from real
people's names. Index 0 is the origin account, 1..P the public figures, the rest ordinary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groundswell.simulate.clock import TWITTER_EPOCH_MS

LANGS = ("en", "fr", "es", "it")
LANG_SHARE = (0.80, 0.07, 0.08, 0.05)
PUBLIC_FIGURE_FOLLOWERS = 100_000
ORDINARY_MAX_FOLLOWERS = 95_000

_ADJ = ("amber", "brisk", "cedar", "coral", "dusky", "ember", "fern", "frost", "gilded",
        "hazel", "indigo", "ivory", "jade", "juniper", "lunar", "maple", "misty", "mossy",
        "navy", "ochre", "olive", "pebble", "quiet", "rustic", "saffron", "sage", "silver",
        "slate", "solar", "sunny", "tawny", "teal", "velvet", "violet", "willow", "windy",
        "wild", "zesty", "cobalt", "plum")
_NOUN = ("otter", "lark", "heron", "fox", "wren", "finch", "harbor", "meadow", "river",
         "comet", "lantern", "pine", "brook", "cove", "dune", "fable", "grove", "kite", "moth",
         "orchid", "quill", "reed", "sparrow", "thistle", "tide", "vale", "wisp", "acorn",
         "badger", "clover", "daisy", "ferry", "gull", "hollow", "inlet", "mesa", "nook",
         "poppy", "ripple", "spruce")
_SYL = ("ka", "lo", "mi", "ra", "ve", "tha", "an", "el", "or", "is", "sen", "dru", "mar",
        "qui", "zel", "bri", "no", "ta", "fen", "ri", "ol", "ya", "wen", "cor", "li", "sa",
        "ven", "tor", "ma", "del")
_BIOS = ("", "", "", "", "Coffee, books and long walks.", "Nurse. Runner. Dog person.",
         "Teacher by day, baker by night.", "Opinions my own.", "Writer in progress.",
         "Mom of two. Tired.", "Student. Learning every day.", "Music is my therapy.",
         "Photographer and plant collector.", "Here for the conversations.",
         "Engineer, gardener, reader.", "Somewhere between coffee and chaos.")
_LOCATIONS = ("", "", "", "Toronto", "Chicago, IL", "London", "Paris", "Madrid", "Milano",
              "Brooklyn, NY", "Sydney", "Austin, TX", "Dublin", "Lyon", "Barcelona", "Roma",
              "Seattle, WA", "somewhere cold")
SOURCES = (("Twitter for iPhone", "http://twitter.com/download/iphone"),
           ("Twitter for Android", "http://twitter.com/download/android"),
           ("Twitter Web Client", "http://twitter.com"),
           ("TweetDeck", "https://about.twitter.com/products/tweetdeck"),
           ("Twitter for iPad", "http://twitter.com/#!/download/ipad"),
           ("Twitter Lite", "https://mobile.twitter.com"))
_SOURCE_SHARE = (0.45, 0.30, 0.15, 0.04, 0.04, 0.02)

_LEGACY_END_MS = 1356998400000  # 2013-01-01: before this, user ids were small sequential ints
_POOL_START_MS = 1172707200000  # 2007-03-01
_POOL_END_MS = 1506816000000  # 2017-10-01


@dataclass
class Accounts:
    """Column arrays, one row per account (index = account number used by the model)."""

    ids: np.ndarray  # int64 user ids
    handles: list[str]
    names: list[str]
    followers: np.ndarray  # int64
    following: np.ndarray
    statuses: np.ndarray
    listed: np.ndarray
    favourites: np.ndarray
    verified: np.ndarray  # bool
    created_ms: np.ndarray  # int64 Unix ms
    lang: np.ndarray  # int8 index into LANGS
    activity: np.ndarray  # float weight: how often an account posts or reposts
    source: np.ndarray  # int8 index into SOURCES
    bio: np.ndarray  # int16 index into BIOS
    location: np.ndarray  # int16 index into LOCATIONS
    n_public: int  # public figures are rows 1..n_public

    @property
    def size(self) -> int:
        return int(self.ids.size)

    @property
    def ordinary_start(self) -> int:
        return 1 + self.n_public

    BIOS = _BIOS
    LOCATIONS = _LOCATIONS


class Pools:
    """Activity-weighted sampling of ordinary accounts, overall and per language.

    Why per language: the French variant is carried by French-speaking accounts; drawing its
    authors from the same pool as the English campaign would scatter it across everyone.
    """

    def __init__(self, acc: Accounts) -> None:
        start = acc.ordinary_start
        self._all = self._cum(np.arange(start, acc.size), acc.activity)
        self._by_lang = [self._cum(np.flatnonzero(acc.lang[start:] == k) + start, acc.activity)
                         for k in range(len(LANGS))]

    @staticmethod
    def _cum(idx: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return idx, np.cumsum(weight[idx])

    def draw(self, rng: np.random.Generator, lang: np.ndarray, mix: float = 0.15) -> np.ndarray:
        """One author per requested language; a share ``mix`` comes from the whole pool."""
        n = lang.size
        out = np.empty(n, dtype=np.int64)
        anyone = rng.random(n) < mix
        for k in range(-1, len(LANGS)):
            sel = anyone if k < 0 else (~anyone & (lang == k))
            m = int(sel.sum())
            if not m:
                continue
            idx, cum = self._all if k < 0 or self._by_lang[k][0].size == 0 else self._by_lang[k]
            pick = np.searchsorted(cum, rng.random(m) * cum[-1], side="right")
            out[sel] = idx[np.minimum(pick, idx.size - 1)]
        return out


def _handles(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """Unique (case-insensitively), ≤ 15 chars, deterministic for the rng state."""
    a = rng.integers(0, len(_ADJ), n).tolist()
    b = rng.integers(0, len(_NOUN), n).tolist()
    style = rng.integers(0, 6, n).tolist()
    counters: dict[tuple[int, int, int], int] = {}
    out = []
    for i in range(n):
        key = (a[i], b[i], style[i])
        adj, noun, s = _ADJ[a[i]], _NOUN[b[i]], style[i]
        base = (adj + noun if s == 0 else adj + "_" + noun if s == 1 else
                adj.capitalize() + noun.capitalize() if s == 2 else noun + adj if s == 3 else
                "the" + noun + adj[:3] if s == 4 else noun.capitalize() + "_" + adj)
        k = counters.get(key, 0)
        while True:
            suffix = str(k) if k else ""
            h = base[: 15 - len(suffix)] + suffix
            if h.lower() not in taken:
                break
            k += 1
        counters[key] = k + 1
        taken.add(h.lower())
        out.append(h)
    return out


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """Invented two-part display names from syllables (never real people)."""
    syl = rng.integers(0, len(_SYL), (n, 5)).tolist()
    shape = rng.integers(0, 4, n).tolist()
    out = []
    for i in range(n):
        s = syl[i]
        first = (_SYL[s[0]] + _SYL[s[1]]).capitalize()
        last = (_SYL[s[2]] + _SYL[s[3]] + (_SYL[s[4]] if shape[i] == 3 else "")).capitalize()
        out.append(first if shape[i] == 0 else f"{first} {last[0]}." if shape[i] == 1
                   else f"{first} {last}")
    return out


def _user_ids(rng: np.random.Generator, created_ms: np.ndarray) -> np.ndarray:
    """Small sequential-looking ids before 2013, snowflakes after; all distinct."""
    n = created_ms.size
    ids = np.empty(n, dtype=np.int64)
    legacy = created_ms < _LEGACY_END_MS
    order = np.argsort(created_ms[legacy], kind="stable")
    m = int(legacy.sum())
    if m:
        gap = max(2, 1_100_000_000 // m)
        vals = 800_000 + np.cumsum(rng.integers(1, 2 * gap, m))
        tmp = np.empty(m, dtype=np.int64)
        tmp[order] = vals
        ids[legacy] = tmp
    snow = ~legacy
    k = int(snow.sum())
    ids[snow] = (((created_ms[snow] - TWITTER_EPOCH_MS) << 22)
                 | (rng.integers(0, 1024, k) << 12) | np.arange(k) % 4096)
    return ids


def make_accounts(rng: np.random.Generator, n_ordinary: int, n_public: int) -> Accounts:
    """Origin (row 0), ``n_public`` public figures, then ``n_ordinary`` ordinary accounts."""
    n = 1 + n_public + n_ordinary
    followers = np.minimum(np.round(rng.lognormal(5.3, 1.7, n)), ORDINARY_MAX_FOLLOWERS)
    followers = followers.astype(np.int64)
    followers[0] = int(rng.integers(2_900_000, 3_400_000))
    pf = slice(1, 1 + n_public)
    followers[pf] = np.round(np.exp(rng.uniform(np.log(150_000), np.log(12_000_000),
                                                n_public))).astype(np.int64)
    verified = (rng.random(n) < np.where(followers > 20_000, 0.3, 0.0004))
    verified[0] = True
    verified[pf] = rng.random(n_public) < 0.85
    if n_public:
        verified[1] = True  # "most" public figures are verified; make sure of at least one
    created = rng.integers(_POOL_START_MS, _POOL_END_MS, n).astype(np.int64)
    created[0] = 1230940800000 + int(rng.integers(0, 86_400_000 * 300))  # 2009
    created[pf] = rng.integers(1230940800000, 1356998400000, n_public)
    lang = rng.choice(len(LANGS), n, p=LANG_SHARE).astype(np.int8)
    lang[: 1 + n_public] = 0
    activity = rng.lognormal(0.0, 1.1, n)
    statuses = np.round(rng.lognormal(8.0, 1.4, n)).astype(np.int64) + 5
    following = np.round(rng.lognormal(5.8, 1.1, n)).astype(np.int64)
    listed = (followers // rng.integers(80, 400, n)).astype(np.int64)
    favourites = np.round(rng.lognormal(7.5, 1.8, n)).astype(np.int64)
    source = rng.choice(len(SOURCES), n, p=_SOURCE_SHARE).astype(np.int8)
    bio = rng.integers(0, len(_BIOS), n).astype(np.int16)
    location = rng.integers(0, len(_LOCATIONS), n).astype(np.int16)
    taken: set[str] = set()
    handles = _handles(rng, n, taken)
    names = _names(rng, n)
    return Accounts(ids=_user_ids(rng, created), handles=handles, names=names,
                    followers=followers, following=following, statuses=statuses,
                    listed=listed, favourites=favourites, verified=verified,
                    created_ms=created, lang=lang, activity=activity, source=source, bio=bio,
                    location=location, n_public=n_public)
