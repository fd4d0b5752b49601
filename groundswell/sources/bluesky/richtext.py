"""A Bluesky post record's hashtags, mentions and time, read by atproto's own rules.

Why these rules: a Bluesky client turns the hashtags and mentions of a post into *facets*
(features over UTF-8 byte ranges of the text) before it writes the record, so the facets are
the platform's own answer, and we read them as written. A record written without any facet
(older clients, bots, some collectors) gets the answer a Bluesky client would have written:
atproto's ``detectFacets`` (``packages/api/src/rich-text/detection.ts`` and ``util.ts``),
mirrored here and checked against atproto's own test cases. Its tag rules:

* ``#`` or full-width ``＃`` at the start of the text or after white space (JavaScript's ``\\s``,
  which is not Python's);
* the tag runs to the next white space or invisible character (soft hyphen, word joiner, hair
  space, ZWSP, ZWNJ, ZWJ, U+20E2) and must not start with U+FE0F (the keycap emoji ``#️⃣``);
* it must hold one character that is neither an ASCII digit nor punctuation (``#1`` is not a
  tag), loses its trailing punctuation (``#this!`` is ``this``), and is not a tag beyond 64
  graphemes;
* a cashtag (``$`` and a letter, then at most four letters or digits, after white space or
  ``(``, before white space, the end or closing punctuation) is a tag too, stored upper-cased
  with its ``$`` (``$aapl`` → ``$AAPL``), as atproto stores it.

What cannot be exact: punctuation and combining marks come from Python's :mod:`unicodedata`
(Unicode 14 on Python 3.11) where a JavaScript engine uses its own ICU (Unicode 17 on current
ones), so characters added since are ordinary letters here. Graphemes are counted by UAX #29's
rules as ``Intl.Segmenter`` applies them (Unicode 17, Indic conjuncts included), with the
properties that :mod:`unicodedata` lacks (Extended_Pictographic, Indic_Conjunct_Break, Prepend,
the exceptions among spacing marks) written out below.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

__all__ = ["detect_tags", "grapheme_count", "hashtags", "mentions", "parse_datetime",
           "plausible_time"]

TAG = "app.bsky.richtext.facet#tag"
MENTION = "app.bsky.richtext.facet#mention"
#: ``app.bsky.feed.post``'s lexicon allows 8 outline tags: a record cannot weigh more than that.
MAX_OUTLINE_TAGS = 8
#: atproto's detection drops a hashtag longer than this (the lexicon's ``maxGraphemes``).
MAX_TAG_GRAPHEMES = 64
#: Bluesky's invite-only beta opened to the public in February 2023: an earlier ``createdAt``
#: is an imported or back-dated post, not when it reached anyone.
BLUESKY_PUBLIC = datetime(2023, 2, 1)
#: How far a ``createdAt`` may run ahead of when the post was seen and still be believed.
MAX_CLOCK_SKEW = timedelta(minutes=10)

# JavaScript's \s (WhiteSpace and LineTerminator): unlike Python's \s it holds U+FEFF and not
# U+001C-U+001F or U+0085.
_SPACE = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_INVISIBLE = r"\xad\u2060\u200a\u200b\u200c\u200d\u20e2"
# TAG_REGEX, with the tag's run captured whole: atproto's three-part group matches this same
# run exactly when it holds a character that is neither a digit nor punctuation (checked below).
_HASHTAG = re.compile(rf"(?:^|[{_SPACE}])[#\uff03]([^{_SPACE}{_INVISIBLE}]*)")
_CASHTAG = re.compile(
    rf"(?:^|[{_SPACE}(])\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_SPACE}.,;:!?)\"'\u2019]|\Z)")
# The lexicon's datetime (RFC 3339), and what the AppView's normalizeDatetime reads too.
_DATETIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                       r"(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})?\Z")


def hashtags(record: dict) -> list[str]:
    """The hashtags of an ``app.bsky.feed.post`` record, as written, in order, once each.

    Its facets' tags, then its outline ``tags`` (at most 8, per the lexicon); a malformed facet
    (no index inside the text, no features list, a tag that is no string) is skipped. Only a
    record without facets (``facets`` absent, empty or no list) has its text read by
    :func:`detect_tags`: a client that did write facets and left a ``#word`` out is believed.
    """
    if _has_facets(record):
        found = [feature["tag"] for feature, _ in _features(record, TAG)
                 if isinstance(feature.get("tag"), str) and feature["tag"]]
    else:
        text = record.get("text")
        found = [tag for tag, _, _ in detect_tags(text)] if isinstance(text, str) else []
    outline = record.get("tags")
    if isinstance(outline, list):
        found += [tag for tag in outline[:MAX_OUTLINE_TAGS] if isinstance(tag, str) and tag]
    return list(dict.fromkeys(found))


def mentions(record: dict) -> list[tuple[str, str | None]]:
    """``(handle as written, did)`` of each mention facet, in order, exact repeats once.

    The handle is the text the facet covers, without its ``@``: what readers saw. The DID is
    None when the client left it empty (atproto's client does when a handle does not resolve).
    A facet whose range is outside the text or cuts a character is skipped.
    """
    found: list[tuple[str, str | None]] = []
    for feature, covered in _features(record, MENTION):
        try:
            handle = covered.decode("utf-8").strip().removeprefix("@")
        except UnicodeDecodeError:
            continue
        did = feature.get("did")
        mention = (handle, did if isinstance(did, str) and did else None)
        if handle and mention not in found:
            found.append(mention)
    return found


def detect_tags(text: str) -> list[tuple[str, int, int]]:
    """``(tag, byteStart, byteEnd)`` of every tag atproto's ``detectFacets`` finds in ``text``.

    Hashtags and cashtags, ordered by position as ``RichText`` sorts its facets; the byte
    range is the facet's (UTF-8, ``#`` or ``$`` included, trailing punctuation not).
    """
    found: list[tuple[int, str, int]] = []  # (start, tag, length in code points with its sign)
    for match in _HASHTAG.finditer(text):
        run = match[1]
        if not run or run[0] == "\ufe0f" or not any(_tag_char(c) for c in run):
            continue
        tag = run
        while tag and _punctuation(tag[-1]):
            tag = tag[:-1]
        if not tag or (_utf16_len(tag) > MAX_TAG_GRAPHEMES
                       and grapheme_count(tag) > MAX_TAG_GRAPHEMES):
            continue
        found.append((match.start(1) - 1, tag, 1 + len(tag)))
    for match in _CASHTAG.finditer(text):
        found.append((match.start(1) - 1, "$" + match[1].upper(), 1 + len(match[1])))
    found.sort(key=lambda item: item[0])  # stable, like the JavaScript sort atproto relies on
    return [(tag, _utf8_len(text[:start]), _utf8_len(text[:start + length]))
            for start, tag, length in found]


def parse_datetime(value: object) -> datetime | None:
    """An atproto datetime as naive UTC, or None if it is not one.

    The lexicon's format is RFC 3339 with ``Z`` or an offset and any number of fractional
    digits (kept to the microsecond: ``2025-12-05T10:16:59.78349200Z`` is real). Not
    ``fromisoformat``: before Python 3.11 it rejects more than 6 digits, since then it also
    reads what no client writes (``20251205T1016Z``). Like the AppView's ``normalizeDatetime``,
    a missing offset means UTC, and ``t``, ``z`` or a space for ``T`` are read too. Years
    outside 1-9999 are not datetimes here.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _DATETIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          int((fraction or "")[:6].ljust(6, "0")))
        if offset and offset not in ("Z", "z"):
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or minutes > 59:
                return None
            shift = timedelta(hours=hours, minutes=minutes)
            moment = moment - shift if offset[0] == "+" else moment + shift
    except (ValueError, OverflowError):
        return None
    return moment


def plausible_time(created_at: str | None,
                   seen_at: datetime | None) -> tuple[datetime | None, datetime | None]:
    """``(created, claimed)`` as naive UTC: the time to order and bin by, and the record's own.

    ``createdAt`` is whatever the author's client says: imported archives back-date posts
    (before Bluesky opened, :data:`BLUESKY_PUBLIC`), bots and broken clocks date them in the
    future. Where it is missing, unparseable, that early, or more than :data:`MAX_CLOCK_SKEW`
    after ``seen_at`` (Jetstream's ``time_us``, a post view's ``indexedAt``), the post counts
    when it was seen. Without ``seen_at`` the claim is all there is.
    """
    claimed = parse_datetime(created_at)
    if seen_at is None:
        return claimed, claimed
    seen = seen_at.astimezone(UTC).replace(tzinfo=None) if seen_at.tzinfo else seen_at
    if claimed is None or claimed < BLUESKY_PUBLIC or claimed - seen > MAX_CLOCK_SKEW:
        return seen, claimed
    return claimed, claimed


# -- facets -----------------------------------------------------------------------------------

def _has_facets(record: dict) -> bool:
    facets = record.get("facets")
    return isinstance(facets, list) and len(facets) > 0


def _features(record: dict, kind: str) -> Iterator[tuple[dict, bytes]]:
    """Each feature of ``$type`` ``kind`` in a well-formed facet, with the bytes it covers."""
    facets = record.get("facets")
    if not isinstance(facets, list):
        return
    text = record.get("text")
    utf8 = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else b""
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        index, features = facet.get("index"), facet.get("features")
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        if type(start) is not int or type(end) is not int or not 0 <= start <= end <= len(utf8):
            continue
        for feature in features:
            if isinstance(feature, dict) and feature.get("$type") == kind:
                yield feature, utf8[start:end]


# -- characters -------------------------------------------------------------------------------

def _punctuation(char: str) -> bool:
    """JavaScript's ``\\p{P}``: any of the Unicode punctuation categories."""
    return unicodedata.category(char)[0] == "P"


def _tag_char(char: str) -> bool:
    """``[^\\d\\s\\p{P}...]`` once white space and invisibles are gone: JavaScript's ``\\d`` is
    ASCII only, Python's is not."""
    return not "0" <= char <= "9" and not _punctuation(char)


def _utf16_len(text: str) -> int:
    """JavaScript's ``string.length``: characters beyond the BMP count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _utf8_len(text: str) -> int:
    """TextEncoder's length (a lone surrogate is 3 bytes there too)."""
    return len(text.encode("utf-8", "surrogatepass"))


# -- graphemes (UAX #29) ----------------------------------------------------------------------

def grapheme_count(text: str) -> int:
    """How many extended grapheme clusters ``Intl.Segmenter`` finds in ``text``.

    atproto measures a tag's length in graphemes (``graphemeLen``), so ``#👨‍👩‍👧‍👧`` is one
    character long and ``नमस्ते`` three. The rules are UAX #29's GB3-GB13, as numbered there.
    """
    count = 0
    before = _NONE
    emoji = False      # Extended_Pictographic Extend* just before (GB11)
    emoji_zwj = False  # ... and then a ZWJ
    regional = 0       # Regional_Indicators in a row just before (GB12, GB13)
    conjunct = 0       # 1: an Indic consonant, then Extend or Linker; 2: a Linker among them (GB9c)
    for char in text:
        after = _grapheme_class(char)
        if _breaks(before, after, emoji_zwj, regional, conjunct == 2):
            count += 1
        emoji, emoji_zwj = (after == _PICTOGRAPHIC or (emoji and after == _EXTEND),
                            emoji and after == _ZWJ)
        regional = regional + 1 if after == _REGIONAL else 0
        if after == _CONSONANT:
            conjunct = 1
        elif conjunct and (after == _ZWJ or (after == _EXTEND and char != "\u200c")):
            conjunct = 2 if ord(char) in _LINKERS else conjunct
        else:
            conjunct = 0
        before = after
    return count


def _breaks(before: int, after: int, emoji_zwj: bool, regional: int, conjunct: bool) -> bool:
    """Whether a grapheme starts between two characters of these classes."""
    if before == _NONE:
        return True  # GB1
    if before == _CR and after == _LF:
        return False  # GB3
    if before in _CONTROLS or after in _CONTROLS:
        return True  # GB4, GB5
    if before == _L and after in (_L, _V, _LV, _LVT):
        return False  # GB6
    if before in (_LV, _V) and after in (_V, _T) or before in (_LVT, _T) and after == _T:
        return False  # GB7, GB8
    if after in (_EXTEND, _ZWJ, _SPACING_MARK) or before == _PREPEND:
        return False  # GB9, GB9a, GB9b
    if after == _CONSONANT and conjunct:
        return False  # GB9c
    if before == _ZWJ and after == _PICTOGRAPHIC and emoji_zwj:
        return False  # GB11
    return not (before == after == _REGIONAL and regional % 2)  # GB12, GB13, GB999


(_NONE, _ANY, _CR, _LF, _CONTROL, _EXTEND, _ZWJ, _REGIONAL, _PREPEND, _SPACING_MARK, _L, _V,
 _T, _LV, _LVT, _PICTOGRAPHIC, _CONSONANT) = range(17)
_CONTROLS = (_CR, _LF, _CONTROL)
_SPECIAL = {0x0D: _CR, 0x0A: _LF, 0x200D: _ZWJ}


def _ranges(spec: str) -> tuple[list[int], list[int]]:
    """``"00A9 2194-2199 ..."`` → sorted starts and ends, for :func:`_within`."""
    starts, ends = [], []
    for item in spec.split():
        first, _, last = item.partition("-")
        starts.append(int(first, 16))
        ends.append(int(last or first, 16))
    return starts, ends


def _within(code: int, table: tuple[list[int], list[int]]) -> bool:
    starts, ends = table
    i = bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


# Unicode 17's emoji-data.txt, Extended_Pictographic (what \p{Extended_Pictographic} matches).
_PICTOGRAPHIC_TABLE = _ranges("""
00A9 00AE 203C 2049 2122 2139 2194-2199 21A9-21AA 231A-231B 2328 23CF 23E9-23F3 23F8-23FA
24C2 25AA-25AB 25B6 25C0 25FB-25FE 2600-2604 260E 2611 2614-2615 2618 261D 2620 2622-2623
2626 262A 262E-262F 2638-263A 2640 2642 2648-2653 265F-2660 2663 2665-2666 2668 267B
267E-267F 2692-2697 2699 269B-269C 26A0-26A1 26A7 26AA-26AB 26B0-26B1 26BD-26BE 26C4-26C5
26C8 26CE-26CF 26D1 26D3-26D4 26E9-26EA 26F0-26F5 26F7-26FA 26FD 2702 2705 2708-270D 270F
2712 2714 2716 271D 2721 2728 2733-2734 2744 2747 274C 274E 2753-2755 2757 2763-2764
2795-2797 27A1 27B0 27BF 2934-2935 2B05-2B07 2B1B-2B1C 2B50 2B55 3030 303D 3297 3299 1F004
1F02C-1F02F 1F094-1F09F 1F0AF-1F0B0 1F0C0 1F0CF-1F0D0 1F0F6-1F0FF 1F170-1F171 1F17E-1F17F
1F18E 1F191-1F19A 1F1AE-1F1E5 1F201-1F20F 1F21A 1F22F 1F232-1F23A 1F23C-1F23F 1F249-1F25F
1F266-1F321 1F324-1F393 1F396-1F397 1F399-1F39B 1F39E-1F3F0 1F3F3-1F3F5 1F3F7-1F3FA
1F400-1F4FD 1F4FF-1F53D 1F549-1F54E 1F550-1F567 1F56F-1F570 1F573-1F57A 1F587 1F58A-1F58D
1F590 1F595-1F596 1F5A4-1F5A5 1F5A8 1F5B1-1F5B2 1F5BC 1F5C2-1F5C4 1F5D1-1F5D3 1F5DC-1F5DE
1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA-1F64F 1F680-1F6C5 1F6CB-1F6D2 1F6D5-1F6E5 1F6E9
1F6EB-1F6F0 1F6F3-1F6FF 1F7DA-1F7FF 1F80C-1F80F 1F848-1F84F 1F85A-1F85F 1F888-1F88F
1F8AE-1F8AF 1F8BC-1F8BF 1F8C2-1F8CF 1F8D9-1F8FF 1F90C-1F93A 1F93C-1F945 1F947-1F9FF
1FA58-1FA5F 1FA6E-1FAFF 1FC00-1FFFD
""")
# Unicode 17's DerivedCoreProperties.txt, Indic_Conjunct_Break=Consonant and =Linker (GB9c).
_CONSONANT_TABLE = _ranges("""
0915-0939 0958-095F 0978-097F 0995-09A8 09AA-09B0 09B2 09B6-09B9 09DC-09DD 09DF 09F0-09F1
0A95-0AA8 0AAA-0AB0 0AB2-0AB3 0AB5-0AB9 0AF9 0B15-0B28 0B2A-0B30 0B32-0B33 0B35-0B39
0B5C-0B5D 0B5F 0B71 0C15-0C28 0C2A-0C39 0C58-0C5A 0D15-0D3A 1000-102A 103F 1050-1055
105A-105D 1061 1065-1066 106E-1070 1075-1081 108E 1780-17B3 1A20-1A54 1B0B-1B0C 1B13-1B33
1B45-1B4C 1B83-1BA0 1BAE-1BAF 1BBB-1BBD A989-A98B A98F-A9B2 A9E0-A9E4 A9E7-A9EF A9FA-A9FE
AA60-AA6F AA71-AA73 AA7A AA7E-AA7F AAE0-AAEA ABC0-ABDA 10A00 10A10-10A13 10A15-10A17
10A19-10A35 11103-11126 11144 11147 11380-11389 1138B 1138E 11390-113B5 11900-11906 11909
1190C-11913 11915-11916 11918-1192F 11A00 11A0B-11A32 11A50 11A5C-11A83 11F04-11F10
11F12-11F33
""")
_LINKERS = frozenset((0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D, 0x1039, 0x17D2, 0x1A60,
                      0x1B44, 0x1BAB, 0xA9C0, 0xAAF6, 0x10A3F, 0x11133, 0x113D0, 0x1193E,
                      0x11A47, 0x11A99, 0x11F42))
# Grapheme_Cluster_Break values that no general category tells (GraphemeBreakProperty.txt).
_PREPEND_TABLE = _ranges("0600-0605 06DD 070F 0890-0891 08E2 0D4E 110BD 110CD 111C2-111C3 113D1"
                         " 1193F 11941 11A84-11A89 11D46 11F02")
# Extend besides Mn, Me and the Linkers: ZWNJ, half-width sound marks, skin tones, tag
# characters, and the spacing marks (Mc) that Unicode counts as Extend.
_EXTEND_TABLE = _ranges("""
09BE 09D7 0B3E 0B57 0BBE 0BD7 0CC0 0CC2 0CC7-0CC8 0CCA-0CCB 0CD5-0CD6 0D3E 0D57 0DCF 0DDF
1715 1734 1B35 1B3B 1B3D 1B43-1B44 1BAA 1BF2-1BF3 200C 302E-302F A953 A9C0 FF9E-FF9F 111C0
11235 1133E 1134D 11357 114B0 114BD 115AF 116B6 11930 1193D 16FF0-16FF1 1D165-1D166
1D16D-1D172 1F3FB-1F3FF E0020-E007F
""")
_SPACING_MARK_TABLE = _ranges("0E33 0EB3")  # besides Mc
_NOT_SPACING_MARK_TABLE = _ranges("102B-102C 1038 1062-1064 1067-106D 1083 1087-108C 108F"
                                  " 109A-109C 1A61 1A63-1A64 AA7B AA7D 11720-11721")  # Mc, yet Any
_IGNORABLE_TABLE = _ranges("2065 FFF0-FFF8 E0000-E0FFF")  # unassigned, yet Control


@cache
def _grapheme_class(char: str) -> int:
    """The Grapheme_Cluster_Break value of a character (Indic consonants apart)."""
    code = ord(char)
    if code in _SPECIAL:
        return _SPECIAL[code]
    if 0x1F1E6 <= code <= 0x1F1FF:
        return _REGIONAL
    if 0xAC00 <= code <= 0xD7A3:  # Hangul syllables: LV every 28th, LVT between
        return _LVT if (code - 0xAC00) % 28 else _LV
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return _L
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6 or code == 0x16D63 \
            or 0x16D67 <= code <= 0x16D6A:
        return _V
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return _T
    for table, value in _TABLES:
        if _within(code, table):
            return value
    if code in _LINKERS:
        return _EXTEND
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return _EXTEND
    if category == "Mc":
        return _ANY if _within(code, _NOT_SPACING_MARK_TABLE) else _SPACING_MARK
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs") \
            or category == "Cn" and _within(code, _IGNORABLE_TABLE):
        return _CONTROL
    return _ANY


_TABLES = ((_PICTOGRAPHIC_TABLE, _PICTOGRAPHIC), (_CONSONANT_TABLE, _CONSONANT),
           (_PREPEND_TABLE, _PREPEND), (_EXTEND_TABLE, _EXTEND),
           (_SPACING_MARK_TABLE, _SPACING_MARK))
