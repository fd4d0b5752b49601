"""A Bluesky record's hashtags, mentions and times, read by atproto's rules.

Detection runs every one of atproto's own test cases (``rich-text-detection.test.ts``, copied
into ``../shared/corpora/bluesky``); the readers run over every post record of the real Bluesky
corpora, checked against a plain reading of the same JSON written here without the module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from helpers import CORPORA, corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.sources.bluesky.richtext import (
    BLUESKY_PUBLIC,
    MENTION,
    TAG,
    detect_tags,
    grapheme_count,
    hashtags,
    mentions,
    parse_datetime,
    plausible_time,
)

CASES = CORPORA / "bluesky" / "atproto_hashtag_detection_cases.json"
SECTIONS = ("hashtags", "cashtags")


def atproto_cases() -> list:
    """One test per case of atproto's file (none without the corpora: the next test says so)."""
    if not CASES.is_file():
        return []
    data = json.loads(CASES.read_text(encoding="utf-8"))
    return [pytest.param(section, case, id=f"{section}-{number}")
            for section in SECTIONS for number, case in enumerate(data[section])]


ATPROTO_CASES = atproto_cases()


def test_every_atproto_case_is_run():
    data = json.loads(corpus("bluesky", "atproto_hashtag_detection_cases.json")
                      .read_text(encoding="utf-8"))
    assert all(data[section] for section in SECTIONS)
    assert len(ATPROTO_CASES) == sum(len(data[section]) for section in SECTIONS) == 57
    # atproto's hashtag test compares the ranges of *all* facets; in its cases they are all tags
    for case in data["hashtags"]:
        assert len(case["expected_facet_byte_indices"]) == len(case["expected_tags"])


@pytest.mark.parametrize(("section", "case"), ATPROTO_CASES)
def test_atproto_case(section: str, case: dict):
    found = detect_tags(case["text"])
    if section == "cashtags":  # as atproto's cashtag test: only the tags that start with $
        found = [tag for tag in found if tag[0].startswith("$")]
    assert [tag for tag, _, _ in found] == case["expected_tags"]
    assert [(start, end) for _, start, end in found] == [
        (index["byteStart"], index["byteEnd"]) for index in case["expected_facet_byte_indices"]]


# -- real records -----------------------------------------------------------------------------

def post_records(value: object) -> Iterator[dict]:
    """Every ``app.bsky.feed.post`` record inside a decoded JSON value (quoted posts too)."""
    if isinstance(value, dict):
        if value.get("$type") == "app.bsky.feed.post":
            yield value
        for inner in value.values():
            yield from post_records(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from post_records(inner)


@pytest.fixture(scope="module")
def records() -> list[dict]:
    folder = corpus("bluesky")
    found = [record for line in (folder / "jetstream_events_v1.jsonl").read_text().splitlines()
             for record in post_records(json.loads(line))]
    for name in ("bluesky-posts.json", "bluesky-firehose-posts.json", "bluesky-tap-posts.json"):
        found += post_records(json.loads((folder / "twitwi" / name).read_text()))
    return found


def covered(record: dict, facet: dict) -> bytes:
    return record["text"].encode()[facet["index"]["byteStart"]:facet["index"]["byteEnd"]]


def test_real_facet_tags_are_read_as_written(records):
    with_facets = [r for r in records if r.get("facets")]
    assert len(records) == 202 and len(with_facets) == 115
    tagged = 0
    for record in with_facets:
        expected = []
        for facet in record["facets"]:
            for feature in facet["features"]:
                if feature["$type"] == TAG and "tag" in feature:
                    expected.append(feature["tag"])
        expected += record.get("tags", [])
        tagged += bool(expected)
        assert hashtags(record) == list(dict.fromkeys(expected)), record["text"]
    assert tagged == 52


def test_real_facets_that_are_not_tags_stay_so(records):
    """Third-party clients write features atproto does not know (``facet#Tag``, ``#hashtag``,
    ``FACETTAG``); Bluesky shows those words as plain text, and a record with facets is not
    searched for more."""
    def starting(text: str) -> dict:
        return next(r for r in records if r.get("text", "").startswith(text))

    paris = starting("Starlink train G8-6")
    assert "#Paris" in paris["text"] and hashtags(paris) == []
    assert hashtags(starting("Ah, to be a buzzard")) == []
    # a bot's tags need not be in its text: the facets' tags are the answer
    assert hashtags(starting("#7 TSUNAMI WARNING")) == ["Tsunami", "Earthquake"]


def test_real_records_without_facets_are_detected(records):
    """Tags a Bluesky client would have found (atproto's detection run on these texts)."""
    def tags_of(start: str) -> list[str]:
        return hashtags(next(r for r in records if r.get("text", "").startswith(start)))

    assert tags_of("🔧 Découvrez Xan") == ["CSV", "Tech", "Productivité"]
    assert tags_of("🇫🇷 Abattoir de Rodez") == ["CruautéEnversLesAnimaux", "MALTRAITANCEANIMALE"]
    assert tags_of("On sort de #Nosferatu") == ["Nosferatu"]  # "…" is punctuation
    assert tags_of("#JournéeMondiale") == ["JournéeMondialeContrelObésité"]
    assert tags_of("Exactly 40 years ago") == ["DutchGP"]  # "❤️#F1": no space before the #
    assert tags_of("#memes #shitpost") == ["memes", "shitpost", "funny", "brainroot"]
    outlined = [r for r in records if r.get("tags") and not r.get("facets")]
    assert [hashtags(r) for r in outlined] == [r["tags"] for r in outlined] != []


def test_real_mentions_are_the_text_their_facets_cover(records):
    count = 0
    for record in records:
        expected = []
        for facet in record.get("facets") or []:
            for feature in facet["features"]:
                if feature["$type"] == MENTION:
                    try:
                        text = covered(record, facet).decode()
                    except UnicodeDecodeError:  # a range that cuts a character
                        continue
                    expected.append((text.strip().removeprefix("@"), feature["did"] or None))
        assert mentions(record) == list(dict.fromkeys(expected)), record["text"]
        count += len(expected)
    assert count == 25
    handles = {handle for record in records for handle, _ in mentions(record)}
    assert {"cgt.fr", "medialab-scpo.bsky.social", "sexoyloquesurja.bsky.social"} <= handles


def test_real_times(records):
    """Every real ``createdAt`` reads as Python's ISO reader reads it, except year 0 (and two
    records that are only a ``$type``)."""
    stamps = [r.get("createdAt") for r in records]
    assert [s for s in stamps if parse_datetime(s) is None] == [None, None,
                                                                "0000-10-14T15:06:10.730Z"]
    for stamp in stamps:
        if stamp and not stamp.startswith("0000"):
            iso = datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)
            assert parse_datetime(stamp) == iso, stamp
    assert parse_datetime("2025-12-05T10:16:59.78349200Z") == datetime(2025, 12, 5, 10, 16, 59,
                                                                       783492)


def test_real_events_are_dated_by_their_claim_unless_implausible():
    folder = corpus("bluesky", "twitwi")
    dated = 0
    for event in json.loads((folder / "bluesky-firehose-posts.json").read_text()):
        record = event["commit"].get("record")
        if record:
            seen = datetime.fromtimestamp(event["time_us"] / 1e6, UTC)
            created, claimed = plausible_time(record["createdAt"], seen)
            assert created == claimed == parse_datetime(record["createdAt"])
            dated += 1
    assert dated == 9
    views = {view["uri"]: view for view in json.loads((folder / "bluesky-posts.json").read_text())
             if "uri" in view and "record" in view}
    ahead = views["at://did:plc:7bkvbgrysyow3pf3v6lqp6n4/app.bsky.feed.post/3lbca2nxy4f2a"]
    created, claimed = plausible_time(ahead["record"]["createdAt"],
                                      parse_datetime(ahead["indexedAt"]))
    assert claimed - created > timedelta(hours=4)  # claimed hours after the AppView saw it
    assert created == parse_datetime(ahead["indexedAt"])


# -- the rules, one by one --------------------------------------------------------------------

def tag_facet(tag: object, start: object = 0, end: object = 4) -> dict:
    return {"index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": TAG, "tag": tag}]}


def test_malformed_facets_are_skipped():
    text = "#tag and #more"
    for facets in ("#tag", {"0": 1}, [None], [{"features": [{"$type": TAG, "tag": "x"}]}],
                   [{"index": {"byteStart": 0, "byteEnd": 4}, "features": "tag"}],
                   [tag_facet(7)], [tag_facet("")], [tag_facet("x", -1)], [tag_facet("x", 5, 4)],
                   [tag_facet("x", 0, 99)], [tag_facet("x", True)], [tag_facet("x", 0, "4")],
                   [{"index": None, "features": [{"$type": TAG, "tag": "x"}]}]):
        record = {"text": text, "facets": facets}
        found = hashtags(record)
        # a record whose facets are no list at all is read as one without facets
        assert found == ([] if isinstance(facets, list) else ["tag", "more"]), facets
        assert mentions(record) == []
    good = {"text": text, "facets": [tag_facet("x"), tag_facet(5, 0, 4), tag_facet("tag", 9, 14)]}
    assert hashtags(good) == ["x", "tag"]


def test_detection_only_without_facets():
    assert hashtags({"text": "#a #b"}) == hashtags({"text": "#a #b", "facets": []}) == ["a", "b"]
    mention_only = {"text": "@bob.test #a", "facets": [
        {"index": {"byteStart": 0, "byteEnd": 9},
         "features": [{"$type": MENTION, "did": "did:plc:bob"}]}]}
    assert hashtags(mention_only) == []
    assert hashtags({"facets": None}) == hashtags({"text": 5}) == []


def test_outline_tags_follow_the_facets_once_each_and_at_most_8():
    record = {"text": "#Tag", "facets": [tag_facet("Tag")],
              "tags": ["tag", "Tag", 3, "", *[f"t{n}" for n in range(10)]]}
    assert hashtags(record) == ["Tag", "tag", "t0", "t1", "t2", "t3"]
    assert hashtags({"text": "#a #a $x #A", "tags": "a"}) == ["a", "$X", "A"]


def test_mentions():
    text = "hi @alice.test and ＠bob, @carol.test"
    utf8 = text.encode()

    def facet(handle: str, did: object) -> dict:
        start = utf8.index(handle.encode())
        return {"index": {"byteStart": start, "byteEnd": start + len(handle.encode())},
                "features": [{"$type": MENTION, "did": did}, {"$type": TAG, "tag": "x"}]}

    cut = {"index": {"byteStart": 19, "byteEnd": 21},  # the middle of "＠"
           "features": [{"$type": MENTION, "did": "did:plc:b"}]}
    record = {"text": text, "facets": [facet("@alice.test", "did:plc:a"), facet("＠bob", ""),
                                       facet("@carol.test", None), cut,
                                       facet("@alice.test", "did:plc:a")]}
    assert mentions(record) == [("alice.test", "did:plc:a"), ("＠bob", None), ("carol.test", None)]


def test_tag_length_is_counted_in_graphemes():
    """atproto's limit is 64 graphemes, not 64 UTF-16 units or code points."""
    thumbs = "👍🏽" * 64  # 256 UTF-16 units, 128 code points, 64 graphemes
    assert detect_tags("#" + thumbs) == [(thumbs, 0, 1 + len(thumbs.encode()))]
    assert detect_tags("#" + thumbs + "👍") == []
    # lex-data's own cases for graphemeLen, and an Indic conjunct (UAX #29's GB9c)
    assert grapheme_count("a~öñ©⽘☎𓋓😀👨‍👩‍👧‍👧") == 10
    assert grapheme_count("नमस्ते") == 3
    assert grapheme_count("🇫🇷🇺") == 2 and grapheme_count("e\u0301\r\n") == 2
    assert grapheme_count("각\u11a8") == 1 and grapheme_count("") == 0


def test_javascript_white_space_and_digits():
    """JavaScript's \\s and \\d, not Python's: U+FEFF separates, U+0085 and Arabic digits don't."""
    assert detect_tags("a\ufeff#b") == [("b", 4, 6)]
    assert detect_tags("a\x85#b") == []
    assert [tag for tag, _, _ in detect_tags("#١٢ #12")] == ["١٢"]


def test_parse_datetime():
    expected = datetime(2024, 12, 10, 16, 0, 6)
    for stamp in ("2024-12-11T00:00:06+08:00", "2024-12-10T16:00:06Z", "2024-12-10T16:00:06.000Z",
                  "2024-12-10T16:00:06-00:00", "2024-12-10 16:00:06", "2024-12-10t16:00:06z",
                  "2024-12-10T12:00:06-04:00"):
        assert parse_datetime(stamp) == expected, stamp
    assert parse_datetime("2024-12-10T16:00:06.1234567890123Z") == expected.replace(
        microsecond=123456)
    for stamp in (None, 5, "", "yesterday", "2024-12-10", "2024-12-10T16:00Z", "20241210T160006Z",
                  "2024-02-30T00:00:00Z", "2024-12-10T24:00:00Z", "2024-12-10T16:00:06+24:00",
                  "2024-12-10T16:00:06+0800", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                  "9999-12-31T23:59:59-01:00", "２０２４-12-10T16:00:06Z", "x" * 65):
        assert parse_datetime(stamp) is None, stamp


def test_plausible_time():
    seen = datetime(2025, 3, 1, 12, 0)
    at = "2025-03-01T12:00:00Z"
    assert plausible_time(at, seen) == (seen, seen)
    assert plausible_time("2025-03-01T12:10:00Z", seen) == (seen + timedelta(minutes=10),) * 2
    late = datetime(2025, 3, 1, 12, 10, 0, 1)
    assert plausible_time("2025-03-01T12:10:00.000001Z", seen) == (seen, late)
    early = BLUESKY_PUBLIC - timedelta(microseconds=1)
    assert plausible_time("2023-01-31T23:59:59.999999Z", seen) == (seen, early)
    assert plausible_time("2023-02-01T00:00:00Z", seen) == (BLUESKY_PUBLIC, BLUESKY_PUBLIC)
    assert plausible_time("garbage", seen) == plausible_time(None, seen) == (seen, None)
    assert plausible_time("2010-01-01T00:00:00Z", None) == (datetime(2010, 1, 1),) * 2
    assert plausible_time(None, None) == (None, None)
    aware = datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert plausible_time("2026-01-01T00:00:00Z", aware) == (seen, datetime(2026, 1, 1))


# -- properties -------------------------------------------------------------------------------

ALPHABET = st.sampled_from("a#＃$@(). ,!?1\n\u00a0\ufeff\u200b\u200d\ufe0f\u20e3é\u0301👍🏽🇫क्"
                           "\U0001F468")


@settings(deadline=None)
@given(st.text(ALPHABET) | st.text())
def test_detected_ranges_cover_the_sign_and_the_tag(text):
    """Ranges in text order; a cashtag inside a hashtag (``#a($B)``) is a facet too in atproto."""
    utf8 = text.encode()
    found = detect_tags(text)
    assert [start for _, start, _ in found] == sorted(start for _, start, _ in found)
    for tag, start, end in found:
        span = utf8[start:end].decode()
        hashtag = span[0] in "#＃" and span[1:] == tag
        assert hashtag or span[0] == tag[0] == "$" and span.upper() == tag


LEAF = (st.none() | st.booleans() | st.integers(-5, 50) | st.text(max_size=5)
        | st.sampled_from([TAG, MENTION]))
KEY = st.sampled_from(["$type", "tag", "did", "index", "byteStart", "byteEnd", "features"])
JSON = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEY, inner, max_size=4), max_leaves=20)


@settings(deadline=None)
@given(st.fixed_dictionaries({}, optional={"text": st.text(ALPHABET) | JSON, "facets": JSON,
                                           "tags": JSON}))
def test_any_record_is_read_without_an_exception(record):
    assert all(isinstance(tag, str) and tag for tag in hashtags(record))
    assert all(isinstance(handle, str) and handle for handle, _ in mentions(record))
