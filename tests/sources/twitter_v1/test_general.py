"""The v1.1 timestamp fast path reads every string exactly as the general parse does.

``_parse_v1`` rearranges Twitter's fixed layout into ISO 8601 for ``fromisoformat``; it must
accept only strings the general parse (``_parse_v1_any``) accepts, with the same result, and
hand everything else over. Hypothesis mutates real-shaped timestamps near that layout.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.sources.base import RecordError
from groundswell.sources.twitter_v1.general import _parse_v1, _parse_v1_any

#: Characters that could fool a layout check: digits of other scripts, other spaces, signs.
NEAR = "0123456789 :+-_.ZTzOctSunFeb\t\u00a0\u2003\u0660\u0663\u00b2"

timestamps = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda dt: dt.strftime("%a %b %d %H:%M:%S +0000 ") + f"{dt.year:04d}")


@st.composite
def near_timestamps(draw) -> str:
    text = draw(timestamps)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text) - 1))
        char = draw(st.sampled_from(NEAR))
        text = draw(st.sampled_from([text[:at] + char + text[at + 1:],  # replace
                                     text[:at] + char + text[at:],  # insert
                                     text[:at] + text[at + 1:]]))  # delete
    return text


def verdict(parse, value: str):
    try:
        return parse(value)
    except RecordError:
        return "refused"


@settings(max_examples=3000)
@given(near_timestamps())
def test_fast_path_reads_like_the_general_parse(value):
    assert verdict(_parse_v1, value) == verdict(_parse_v1_any, value)


def test_fast_path_reads_twitters_layout():
    assert _parse_v1("Sun Oct 15 20:21:00 +0000 2017") == datetime(2017, 10, 15, 20, 21)
    assert _parse_v1("Sun Oct 15 20:21:00 +0200 2017") == datetime(2017, 10, 15, 18, 21)
