"""Hashtag extraction and normalisation, following Twitter's twitter-text rules.

Why twitter-text: platform parity. A campaign's reach is measured from posts whose hashtags
we extract ourselves (archives, other platforms, text with no entity metadata), and those
counts must agree with what Twitter's own ``entities.hashtags`` would say for the same text.
twitter-text is the reference implementation behind those entities, and it ships a
conformance suite (``extract.yml``) that our tests run case by case.

The rules, as in twitter-text's ``validHashtag`` / ``VALID_HASHTAG``:

* a hash sign (``#`` or fullwidth ``＃``) not followed by U+FE0F or U+20E3 (keycap emoji);
* preceded by the start of the text, U+FE0E/U+FE0F, or any character that is neither ``&``
  nor a hashtag character (so ``a#b``, ``&#39;`` and ``日本#語`` are not hashtags);
* hashtag characters are letters, marks, decimal digits, ``_`` and a few extras (ZWNJ, ZWJ,
  ꙾, Hebrew maqaf/geresh/gershayim, ～, 〜, ゛, ゜, ゠, ・, 〃, Tibetan tsheg, middle dot);
* at least one letter or mark, so ``#16`` and ``#_`` are not hashtags;
* dropped when directly followed by another hash sign or by ``://`` (``#http://…``);
* dropped when it lies inside a URL (``http://example.com/#anchor``).

Character classes come from :mod:`unicodedata` (built once at import, ~40 ms), so letters
from scripts newer than twitter-text's frozen tables are accepted too. URL detection is a
compact approximation of twitter-text's URL regex (no TLD list: any 2+ letter TLD counts);
it only runs when a hashtag directly follows URL punctuation such as ``/``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = ["extract_hashtags", "extract_hashtags_with_indices", "normal_handle",
           "normalize_tag"]

# twitter-text's HASHTAG_SPECIAL_CHARS: allowed inside a hashtag but not letters themselves.
_SPECIAL_CHARS = (
    "_"
    "\u200c"  # ZERO WIDTH NON-JOINER (Persian, Arabic)
    "\u200d"  # ZERO WIDTH JOINER (Sinhala, Indic conjuncts)
    "\ua67e"  # CYRILLIC KAVYKA
    "\u05be"  # HEBREW PUNCTUATION MAQAF
    "\u05f3"  # HEBREW PUNCTUATION GERESH
    "\u05f4"  # HEBREW PUNCTUATION GERSHAYIM
    "\uff5e"  # FULLWIDTH TILDE
    "\u301c"  # WAVE DASH
    "\u309b"  # KATAKANA-HIRAGANA VOICED SOUND MARK
    "\u309c"  # KATAKANA-HIRAGANA SEMI-VOICED SOUND MARK
    "\u30a0"  # KATAKANA-HIRAGANA DOUBLE HYPHEN
    "\u30fb"  # KATAKANA MIDDLE DOT
    "\u3003"  # DITTO MARK
    "\u0f0b"  # TIBETAN MARK INTERSYLLABIC TSHEG
    "\u0f0c"  # TIBETAN MARK DELIMITER TSHEG BSTAR
    "\u00b7"  # MIDDLE DOT
)

# Private-use code points that twitter-text (Java and JS alike) lists as letters, inherited
# from Apple's \p{L} tables. Kept for parity; real text almost never contains them.
_EXTRA_LETTERS = ((0xF870, 0xF87F), (0xF882, 0xF882), (0xF884, 0xF89F), (0xF8B8, 0xF8B8),
                  (0xF8C1, 0xF8D6))

# Every L*, M* and Nd code point lives in planes 0-3 or plane 14 (variation selectors);
# scanning only those keeps the import cheap. tests/test_text.py checks this still holds for
# the running Python's Unicode version.
_SCANNED_RANGES = ((0x0000, 0x40000), (0xE0000, 0xE1000))

_LETTER_CATEGORIES = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me")


def _category_runs() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return inclusive code-point runs for letters+marks and for decimal digits.

    Maps each code point to a flag character and lets ``re`` find the runs, which is several
    times faster than a Python loop over 266k code points.
    """
    flag = dict.fromkeys(_LETTER_CATEGORIES, "L")
    flag["Nd"] = "N"
    get = flag.get
    category = unicodedata.category
    letters: list[tuple[int, int]] = []
    digits: list[tuple[int, int]] = []
    for lo, hi in _SCANNED_RANGES:
        flags = "".join([get(c, " ") for c in map(category, map(chr, range(lo, hi)))])
        letters += [(lo + m.start(), lo + m.end() - 1) for m in re.finditer("L+", flags)]
        digits += [(lo + m.start(), lo + m.end() - 1) for m in re.finditer("N+", flags)]
    return letters, digits


def _class(runs: list[tuple[int, int]], extra: str = "") -> str:
    """Render code-point runs (plus ``extra`` characters) as a regex character class.

    Characters are written literally, not as ``\\U`` escapes: the class has ~700 runs and
    ``re`` parses literals several times faster. No letter, mark or digit is special inside
    a class (``]``, ``\\``, ``^`` and ``-`` are punctuation), so none needs escaping.
    """
    body = "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in runs)
    return f"[{re.escape(extra)}{body}]"


_ASTRAL = r"[\U00010000-\U0010ffff]"


def _split(runs: list[tuple[int, int]], extra: str = "") -> tuple[str, str]:
    """Split a set into a BMP class and an astral class.

    ``re`` tests a big class as one BMP bitmap followed by a linear list of astral ranges, so
    a BMP character *not* in the set (the space ending every hashtag) would be compared with
    ~300 astral ranges. Guarding the astral class with a one-range lookahead keeps that miss
    cheap (≈3x faster extraction).
    """
    bmp = [(lo, min(hi, 0xFFFF)) for lo, hi in runs if lo <= 0xFFFF]
    astral = [(max(lo, 0x10000), hi) for lo, hi in runs if hi > 0xFFFF]
    return _class(bmp, extra), _class(astral) if astral else "(?!)"


def _one(bmp: str, astral: str) -> str:
    """One character of the set."""
    return f"(?:{bmp}|(?={_ASTRAL}){astral})"


def _run(bmp: str, astral: str) -> str:
    """A possessive run of characters of the set (the BMP part is a fast single-class loop)."""
    return f"{bmp}*+(?:(?={_ASTRAL}){astral}{bmp}*+)*+"


@cache
def _hashtag_re() -> re.Pattern[str]:
    """Built on first use, not at import: scanning the Unicode tables costs 0.1 s, which a
    report (it only normalises a campaign's tags) need not pay."""
    letters, digits = _category_runs()
    letters = sorted(letters + list(_EXTRA_LETTERS))
    alpha = _split(letters)
    alnum = _split(sorted(letters + digits), _SPECIAL_CHARS)
    non_alpha = _split(digits, _SPECIAL_CHARS)
    # The hash sign comes first so the scanner jumps between '#' characters; the boundary is
    # then checked by looking back over "<char>#" (twitter-text consumes it instead; see
    # _find_hashtags). The tag is the whole possessive run of hashtag characters, as the
    # greedy original always ends up matching. "At least one letter" is a lookahead: skip
    # leading digits/specials, then require a letter or mark.
    return re.compile(
        "[#\uff03]"
        "(?:(?<=[\ufe0e\ufe0f][#\uff03])|(?<!&[#\uff03])(?<!" + _one(*alnum) + "[#\uff03]))"
        "(?![\ufe0f\u20e3])"
        "(?=" + _run(*non_alpha) + _one(*alpha) + ")"
        "(" + _run(*alnum) + ")"
    )

# twitter-text's INVALID_HASHTAG_MATCH_END: a hashtag running into these is not one.
_REJECTED_ENDINGS = ("#", "\uff03", "://")


def _build_url_re() -> re.Pattern[str]:
    """A compact version of twitter-text's VALID_URL, enough to find hashtag-bearing URLs.

    Same preceding-character rule, protocol, port, path (general/ending chars, balanced
    parentheses) and query rules; the TLD list is approximated by "two or more letters".
    """
    latin = (
        "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257"
        "\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
    )
    cyrillic = "\u0400-\u04ff"
    path_char = "[a-zA-Z0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~|&@" + latin + cyrillic + "]"
    parens = f"\\((?:{path_char}+|{path_char}*\\({path_char}+\\){path_char}*)\\)"
    path_end = f"(?:[a-zA-Z0-9=_#/\\-+{latin}{cyrillic}]|{parens})"
    path = f"(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|@{path_char}+/)"
    query = "\\?[a-zA-Z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@]*[a-zA-Z0-9\\-_&=#/]"
    ascii_label = f"[a-zA-Z0-9{latin}](?:[a-zA-Z0-9{latin}_-]*[a-zA-Z0-9{latin}])?"
    tld = "(?:[a-zA-Z]{2,}|xn--[-0-9a-zA-Z]+)(?![a-zA-Z0-9@+-])"
    unicode_label = "[^\\W_](?:[\\w-]*[^\\W_])?"
    domain = (
        f"(?:(?i:https?://)(?:{unicode_label}\\.)+(?:{tld}|[^\\W\\d_]{{2,}})"
        f"|(?<![-_./])(?:{ascii_label}\\.)+{tld})"
    )
    return re.compile(
        "(?<![a-zA-Z0-9@\uff20$#\uff03\ufffe\ufeff\uffff])"
        f"{domain}(?::[0-9]+)?(?:/{path}*+)?(?:{query})?"
    )


_URL_RE = _build_url_re()

# Characters that may precede a hash sign inside a URL path or query and still let it start a
# hashtag (letters, digits, '_' and '&' already rule a hashtag out).
_URL_PUNCT = frozenset("/?!*';:=+,.$%#[]-\u2013~|@()")


def _remove_url_overlaps(text: str, tags: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop hashtags that overlap URLs, as twitter-text's removeOverlappingEntities does.

    Entities are ordered by start (hashtags before URLs on ties) and any entity starting
    before the previous kept one ends is discarded; then only hashtags are returned.
    """
    urls = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    if not urls:
        return tags
    entities: list[tuple[int, int, tuple[str, int, int] | None]] = [(t[1], t[2], t) for t in tags]
    entities += [(s, e, None) for s, e in urls]
    entities.sort(key=lambda ent: ent[0])  # stable: hashtags stay ahead of URLs on ties
    kept: list[tuple[str, int, int]] = []
    prev_end = -1
    for start, end, tag in entities:
        if start < prev_end:
            continue
        prev_end = end
        if tag is not None:
            kept.append(tag)
    return kept


def _find_hashtags(text: str) -> list[tuple[str, int, int]]:
    r"""Hashtag matches with twitter-text's match-then-reject semantics, before URL checks.

    twitter-text's regex consumes the character before the hash sign, and a match it then
    rejects (followed by a hash sign or ``://``) still consumes its text. That only shows
    when a tag ends in U+FE0E/U+FE0F, which is both a mark (part of the tag) and a valid
    boundary: in ``#a\ufe0f#b`` the selector belongs to the rejected ``#a\ufe0f``, so ``#b``
    has no boundary left and is not a hashtag either.
    """
    tags: list[tuple[str, int, int]] = []
    consumed_to = -1  # end of twitter-text's previous match, accepted or rejected
    for m in _hashtag_re().finditer(text):
        start, end = m.span()
        if start == consumed_to:  # our lookbehind used the selector twitter-text consumed
            continue
        consumed_to = end
        if not text.startswith(_REJECTED_ENDINGS, end):
            tags.append((m.group(1), start, end))
    return tags


def extract_hashtags_with_indices(text: str) -> list[tuple[str, int, int]]:
    """Return ``(tag, start, end)`` for each hashtag, in order of appearance.

    ``tag`` is as written, without the hash sign; ``start`` is the index of the hash sign
    and ``end`` is exclusive, both Python ``str`` (code point) indices, which is what
    twitter-text's conformance suite calls indices (astral characters count as one).
    """
    if "#" not in text and "\uff03" not in text:  # the common case on millions of posts
        return []
    tags = _find_hashtags(text)
    # A hashtag inside a URL sits in its path or query, so the character before its hash
    # sign is URL punctuation (usually '/'); after a space it cannot be in a URL. Checking
    # that first keeps the URL regex off almost every post.
    if "." in text and any(start and text[start - 1] in _URL_PUNCT for _, start, _ in tags):
        tags = _remove_url_overlaps(text, tags)
    return tags


def extract_hashtags(text: str) -> list[str]:
    """Return the hashtags in ``text`` as written, without the hash sign, in order."""
    if "#" not in text and "\uff03" not in text:
        return []
    return [tag for tag, _, _ in extract_hashtags_with_indices(text)]


def normalize_tag(tag: str) -> str:
    """Return the key under which spellings of one hashtag are counted together.

    ``MeToo``, ``metoo``, ``＃ＭｅＴｏｏ`` and ``#MeToo`` all give ``metoo``.

    NFKC folds compatibility forms (fullwidth letters, ligatures, half-width kana) into
    their ordinary spelling; ``casefold()`` rather than ``lower()`` because it is built for
    caseless matching (``ß`` → ``ss``, final sigma, etc.). A second NFKC pass makes the
    function idempotent: casefolding can leave text that is no longer NFKC (``ß`` plus a
    combining accent becomes ``s`` + ``s`` + accent, which NFKC composes to ``sś``), and a
    key that changes when re-normalised would split counts. Leading hash signs are dropped
    so callers may pass tags with or without them, and surrounding whitespace (some Bluesky
    clients write ``" tag"`` into a record's tags) with them.
    """
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold()).strip()
    while key.startswith("#"):  # "# #": hash signs and spaces in any order, all of them
        key = key.lstrip("#").strip()
    return key


def normal_handle(handle: str) -> str:
    """A handle as the policy compares them: without ``@``, lower case."""
    return handle.strip().lstrip("@").lower()
