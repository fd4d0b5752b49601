"""Hashtag extraction against twitter-text's own conformance suite, plus normalisation.

The conformance cases live in the shared corpora (``../shared/corpora/twitter-text``); when
that folder is absent those cases skip with a reason and the rest still run.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell import text as text_mod
from groundswell.text import extract_hashtags, extract_hashtags_with_indices, normalize_tag

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
EXTRACT_YML = CORPORA / "twitter-text" / "extract.yml"


def _cases(section: str) -> list:
    """One pytest param per conformance case of ``section``, id'd by its description."""
    if not EXTRACT_YML.is_file():
        reason = f"twitter-text conformance file not found at {EXTRACT_YML} (needs ../shared)"
        return [pytest.param(None, id=f"{section}-missing", marks=pytest.mark.skip(reason=reason))]
    import yaml

    tests = yaml.safe_load(EXTRACT_YML.read_text(encoding="utf-8"))["tests"]
    return [pytest.param(case, id=case["description"]) for case in tests[section]]


# --- twitter-text conformance ----------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("hashtags"))
def test_conformance_hashtags(case: dict) -> None:
    assert extract_hashtags(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", _cases("hashtags_from_astral"))
def test_conformance_hashtags_from_astral(case: dict) -> None:
    assert extract_hashtags(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", _cases("hashtags_with_indices"))
def test_conformance_hashtags_with_indices(case: dict) -> None:
    got = [
        {"hashtag": tag, "indices": [start, end]}
        for tag, start, end in extract_hashtags_with_indices(case["text"])
    ]
    assert got == case["expected"]


# --- extraction details ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "no tags here", "C# and F#", "https://example.com/a?b=1"])
def test_no_hashtag(text: str) -> None:
    assert extract_hashtags(text) == []
    assert extract_hashtags_with_indices(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("＃ＭｅＴｏｏ and #MeToo", ["ＭｅＴｏｏ", "MeToo"]),
        ("&#39;quoted&#39;", []),  # HTML entities are not hashtags ('&' before '#')
        ("#tag#other", []),  # followed by a hash sign: dropped, no shorter match
        ("#\ufe0f\u20e3 keycap #\ufe0ftag", []),  # the '#' keycap emoji, FE0F right after '#'
        ("#1\ufe0f\u20e3", ["1\ufe0f\u20e3"]),  # parity quirk: marks count as letters
        ("✌️#peace", ["peace"]),  # a variation selector is a valid boundary
        ("#a\ufe0f#b", []),  # ...unless the rejected '#a\ufe0f' already consumed it
        ("#a\ufe0f#b\ufe0f#c", ["c"]),
        ("read http://example.com/#anchor and #real", ["real"]),
        ("example.com/page/#frag #kept", ["kept"]),
        ("http://example.com/path #spaced", ["spaced"]),
        ("#日本語 ＃ｆｕｌｌ", ["日本語", "ｆｕｌｌ"]),
    ],
)
def test_extraction_edges(text: str, expected: list[str]) -> None:
    assert extract_hashtags(text) == expected


def test_astral_indices_are_code_points() -> None:
    text = "🎉 #𠀡x and #tag"
    assert extract_hashtags_with_indices(text) == [("𠀡x", 2, 5), ("tag", 10, 14)]


_WANTED = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd"}


def test_scanned_planes_cover_every_letter_mark_and_digit() -> None:
    """The import-time table skips planes 4-13 and 15-16; prove nothing is missed there."""
    scanned = text_mod._SCANNED_RANGES
    outside = (cp for cp in range(0x110000) if not any(lo <= cp < hi for lo, hi in scanned))
    missed = [hex(cp) for cp in outside if unicodedata.category(chr(cp)) in _WANTED]
    assert missed == []


# --- normalize_tag ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("MeToo", "metoo"),
        ("metoo", "metoo"),
        ("ＭｅＴｏｏ", "metoo"),  # fullwidth compatibility forms
        ("#MeToo", "metoo"),
        ("＃MeToo", "metoo"),
        ("Straße", "strasse"),  # casefold, not lower()
        ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),  # final sigma folds like any sigma
        ("ﬁre", "fire"),  # ligature
        ("ｻｯｶｰ", "サッカー"),  # half-width katakana
        ("", ""),
    ],
)
def test_normalize_tag(tag: str, expected: str) -> None:
    assert normalize_tag(tag) == expected


def test_normalize_tag_drops_hash_signs_and_spaces_in_any_order() -> None:
    # found by the property below: "# #" gave "#", which normalised again to ""
    assert normalize_tag("# #") == normalize_tag("#") == ""
    assert normalize_tag(" # #MeToo ") == "metoo"


def test_normalize_tag_is_idempotent_where_casefold_breaks_nfkc() -> None:
    # casefold('ß' + U+0301) == 'ss' + U+0301, which is not NFKC; one pass would not be stable
    once = normalize_tag("ß\u0301")
    assert once == "sś"
    assert normalize_tag(once) == once


# --- properties ------------------------------------------------------------------------------

# Text built from the characters that matter to the rules, plus anything else.
_interesting = st.sampled_from(
    list("#＃&_/:.?-() \n@$aZ1é日ﾞ·\u200c\u200d\ufe0e\ufe0f\u20e3\u0301٣")
    + ["http://", "https://", "x.com/", "🎉", "𠀡", "𝟏", "://"]
)
_texts = st.lists(st.one_of(_interesting, st.characters()), max_size=40).map("".join)


@given(_texts)
def test_extracted_tags_sit_after_a_hash_sign(text: str) -> None:
    found = extract_hashtags_with_indices(text)
    assert [tag for tag, _, _ in found] == extract_hashtags(text)
    previous_end = 0
    for tag, start, end in found:
        assert text[start] in "#＃"
        assert text[start + 1 : end] == tag
        assert tag and tag.strip() == tag
        assert start >= previous_end  # in order, never overlapping
        previous_end = end


def _reference_hashtags(text: str) -> list[tuple[str, int, int]]:
    r"""twitter-text's VALID_HASHTAG loop transcribed character by character (slow, obvious).

    ``(^|\ufe0e|\ufe0f|[^&alnum])([#＃])(?![\ufe0f\u20e3])(alnum*alpha alnum*)``, searched
    left to right with the boundary consumed, each match then rejected if followed by a hash
    sign or ``://``.
    """
    def alpha(c: str) -> bool:
        extra = any(lo <= ord(c) <= hi for lo, hi in text_mod._EXTRA_LETTERS)
        return extra or unicodedata.category(c)[0] in "LM"

    def alnum(c: str) -> bool:
        return alpha(c) or unicodedata.category(c) == "Nd" or c in text_mod._SPECIAL_CHARS

    found, pos, n = [], 0, len(text)
    while pos < n:
        match = None
        for p in range(pos, n):
            hashes = [0] if p == 0 else []
            if text[p] in "\ufe0e\ufe0f" or not (alnum(text[p]) or text[p] == "&"):
                hashes.append(p + 1)
            for h in hashes:
                if h < n and text[h] in "#＃" and text[h + 1 : h + 2] not in ("\ufe0f", "\u20e3"):
                    end = h + 1
                    while end < n and alnum(text[end]):
                        end += 1
                    if any(alpha(c) for c in text[h + 1 : end]):
                        match = (text[h + 1 : end], h, end)
                        break
            if match:
                break
        if match is None:
            break
        pos = match[2]
        if not text.startswith(("#", "＃", "://"), pos):
            found.append(match)
    return found


@given(_texts)
def test_regex_matches_twitter_text_semantics(text: str) -> None:
    """The fast lookbehind regex must agree with the literal transcription above."""
    assert text_mod._find_hashtags(text) == _reference_hashtags(text)


@given(_texts)
def test_url_shortcut_matches_full_overlap_check(text: str) -> None:
    """Skipping the URL pass when no hashtag follows URL punctuation must change nothing."""
    raw = text_mod._find_hashtags(text)
    assert extract_hashtags_with_indices(text) == text_mod._remove_url_overlaps(text, raw)


@given(st.one_of(_texts, st.text()))
def test_normalize_tag_is_idempotent(tag: str) -> None:
    once = normalize_tag(tag)
    assert normalize_tag(once) == once
    assert not once.startswith("#")
