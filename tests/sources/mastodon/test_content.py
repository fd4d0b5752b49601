"""A Mastodon status's content as text, its hashtags and its mentions
(``groundswell/sources/mastodon/content.py``).

Real statuses come from ``../shared/corpora/mastodon``: Mastodon.py's test cassettes, and
rtoot's recordings of mastodon.social (the #IchBinHanna tag timeline, a thread's context,
streaming updates). The expectations on them are computed here without the code under test:
regular expressions over the raw HTML and the statuses' own ``tags`` and ``mentions``.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter

import pytest
from helpers import corpus
from hypothesis import given
from hypothesis import strategies as st

from groundswell.sources.mastodon.content import (
    extract_hashtags,
    hashtags,
    mentions,
    tag_key,
    to_text,
)

RTOOT = ("mastodon", "rtoot")
TAG_TIMELINE = "tag_ichbinhanna_mastodon.social.json"

#: The one real status whose text has a hashtag that its ``tags`` lack: det.social linked
#: #Kürzungen as a hashtag (class "mention hashtag"), mastodon.social did not list it.
TEXT_ONLY_TAGS = {"114709254734932381": {"kurzungen"}}


def _lines(path) -> list[dict]:
    """A JSON-lines file's records (split at "\n" only: statuses hold U+2028 in strings)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")
            if line.strip()]


def _load(name: str) -> list[dict]:
    path = corpus(*RTOOT, name)
    return _lines(path) if name.endswith(".jsonl") else json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def timeline() -> list[dict]:
    """The 160 statuses of mastodon.social's #IchBinHanna tag timeline."""
    return _load(TAG_TIMELINE)


@pytest.fixture(scope="module")
def statuses(timeline: list[dict]) -> list[dict]:
    """Every real status of the corpora, boosted ones included."""
    found = [line["status"] for line in
             _lines(corpus("mastodon", "mastodonpy_cassette_statuses.jsonl"))]
    context = _load("context_mastodon.social.json")
    found += timeline + context["ancestors"] + context["descendants"]
    found += _load("stream_mastodonsocial.jsonl")
    return found + [s["reblog"] for s in found if isinstance(s.get("reblog"), dict)]


def _links(content: str, pattern: str = "") -> list[tuple[str, str]]:
    """``(href, visible text)`` of each ``<a>`` whose opening tag matches ``pattern``."""
    found = []
    for m in re.finditer(r"<a\s([^>]*)>(.*?)</a>", content, re.S):
        if re.search(pattern, m[1]):
            href = re.search(r'href="([^"]*)"', m[1])
            text = html.unescape(re.sub(r"<[^>]+>", "", m[2]))
            found.append((html.unescape(href[1]) if href else "", text))
    return found


# ---------------------------------------------------------------------------------------
# Real statuses

def test_the_corpora_are_read_whole(statuses: list[dict], timeline: list[dict]) -> None:
    # 306 cassette lines + 160 timeline + 59 context + 48 stream, and 7 boosted statuses
    assert (len(statuses), len(timeline)) == (306 + 160 + 59 + 48 + 7, 160)


def test_text_keeps_what_is_shown_and_no_markup(statuses: list[dict]) -> None:
    shortened = 0
    for status in statuses:
        content = status["content"] or ""
        text = to_text(content)
        # the only '<' left are those the author wrote (escaped in the HTML)
        assert text.count("<") == len(re.findall(r"&lt;|&#0*60;|&#x0*3c;", content, re.I))
        for _, visible in _links(content):
            assert visible in text, (status["id"], visible)
        for m in re.finditer(r'<a\s[^>]*href="([^"]*)"[^>]*>((?:(?!</a>).)*class="invisible"'
                             r'(?:(?!</a>).)*)</a>', content, re.S):
            shortened += 1  # a shortened URL: its hidden parts are kept, so all of it shows
            assert html.unescape(m[1]) in text, status["id"]
    assert shortened == 80


def test_hashtag_and_mention_links_keep_their_visible_text(statuses: list[dict]) -> None:
    links = 0
    for status in statuses:
        text = to_text(status["content"])
        for _, visible in _links(status["content"] or "",
                                 r'class="[^"]*\b(?:hashtag|mention)\b|rel="tag"'):
            links += 1
            assert visible in text, (status["id"], visible)
        for mention in status["mentions"]:
            assert "@" + mention["username"] in text, (status["id"], mention["acct"])
    assert links == 921


def test_hashtags_are_the_tags_array_in_the_texts_spelling(statuses: list[dict]) -> None:
    for status in statuses:
        found = hashtags(status)
        keys = [tag_key(tag) for tag in found]
        assert len(keys) == len(set(keys)), (status["id"], found)
        listed = {tag_key(tag["name"]) for tag in status["tags"]}
        assert set(keys) == listed | TEXT_ONLY_TAGS.get(status["id"], set()), status["id"]
        # a tag written in the text keeps the text's spelling, not the server's
        written = {tag_key(m[1]): m[1] for m in reversed(list(re.finditer(
            r"#(?:<span>)?(\w+)(?:</span>)?</a>", status["content"] or "")))}
        for tag in found:
            assert tag == written.get(tag_key(tag), tag), (status["id"], tag)


def test_hashtags_of_a_status_with_broken_tags_come_from_its_text(timeline: list[dict]) -> None:
    for status in timeline[:20]:
        expected = hashtags(status)
        for broken in (None, "ichbinhanna", [None, {"name": 7}, {}, "x"]):
            assert hashtags({**status, "tags": broken}) == [
                tag for tag in expected
                if re.search("#(?:<span>)?" + re.escape(tag), status["content"])]


def test_every_ichbinhanna_status_carries_the_tag_in_its_text(timeline: list[dict]) -> None:
    # how the tag is written in each status, read from the raw HTML (first occurrence)
    written = Counter()
    for status in timeline:
        m = re.search(r"#(?:<span>)?(ichbinhanna)(?:</span>)?(?!\w)", status["content"], re.I)
        written[m[1] if m else None] += 1
    assert written == Counter({"IchBinHanna": 83, "IchbinHanna": 32, "ichbinhanna": 32,
                               "ichbinHanna": 7, "ichBinHanna": 6})
    carrying = {s["id"] for s in timeline
                if "ichbinhanna" in map(tag_key, extract_hashtags(to_text(s["content"])))}
    assert len(carrying) == 160
    # any status of the timeline without it in its text must have it in its tags only
    unexplained = [s["id"] for s in timeline if s["id"] not in carrying
                   and "ichbinhanna" not in {tag_key(t["name"]) for t in s["tags"]}]
    assert unexplained == []
    # hashtags() gives each status the author's spelling, not mastodon.social's
    # "IchbinHanna" (every status's tags say so)
    assert {t["name"] for s in timeline for t in s["tags"] if tag_key(t["name"]) == "ichbinhanna"} \
        == {"IchbinHanna"}
    assert Counter(next(h for h in hashtags(s) if tag_key(h) == "ichbinhanna")
                   for s in timeline) == written


def test_a_link_titled_like_a_hashtag_is_not_one(timeline: list[dict]) -> None:
    status = next(s for s in timeline if s["id"] == "114160151360523084")
    # a Bluesky post (bridged) whose link card title starts with "#HannaWählt2025:"
    assert "#HannaWählt2025: Unsere Forder..." in to_text(status["content"])
    assert hashtags(status) == ["IchBinHanna", "IchBinRyan"]


def test_mentions_are_the_mentions_array(statuses: list[dict]) -> None:
    found = [mentions(status) for status in statuses]
    assert found == [[(m["acct"], m["url"]) for m in status["mentions"]]
                     for status in statuses]
    assert sum(map(len, found)) == 373


# ---------------------------------------------------------------------------------------
# HTML → text, by hand

@pytest.mark.parametrize(("content", "text"), [
    ("<p>a<br>b</p><p>c</p>", "a\nb\n\nc"),
    ("<p>a<br />b<br><br>c</p>", "a\nb\n\nc"),
    ("<p>a<br></p><p>b</p>", "a\n\nb"),  # a separator makes sure of newlines, adds none
    ("<p>one</p>\n<p>two</p>\n", "one\n\ntwo"),  # indentation between blocks is not text
    ("<p>line one\nline two</p>", "line one\nline two"),  # Mastodon shows these newlines
    ("<ul><li>a</li><li>b</li></ul><p>c</p>", "a\nb\n\nc"),
    ("<p>q</p><blockquote><p>quoted</p></blockquote><p>r</p>", "q\n\nquoted\n\nr"),
    ('<p><span class="h-card" translate="no"><a href="https://x.example/@ann" '
     'class="u-url mention">@<span>ann</span></a></span> hi <span><span><em>deep</em> '
     "</span>er</span></p>", "@ann hi deep er"),
    ('<p><a href="https://x.example/tags/IchBinHanna" class="mention hashtag" rel="tag">'
     "#<span>IchBinHanna</span></a>!</p>", "#IchBinHanna!"),
    ('<p><a href="https://example.org/a/very/long/path#part"><span class="invisible">'
     'https://</span><span class="ellipsis">example.org/a/very/lon</span><span '
     'class="invisible">g/path#part</span></a></p>', "https://example.org/a/very/long/path#part"),
    ("<p>Tom &amp; Jerry &lt;3 &quot;a&quot; &#39;b&#39; &#x1F600; &nbsp;.</p>",
     "Tom & Jerry <3 \"a\" 'b' \U0001f600 \u00a0."),
    ("<p>:blobcat: hi</p>", ":blobcat: hi"),  # custom emoji shortcodes are text
    ("<p>a<!-- note -->b</p><script>alert(1)</script>", "ab"),
    ("<p></p><br>", ""),
])
def test_html_becomes_text(content: str, text: str) -> None:
    assert to_text(content) == text


@pytest.mark.parametrize(("content", "text"), [
    (None, ""), ("", ""), (42, ""),
    ("I <3 you", "I <3 you"),  # a stray '<' is text, not the start of a tag
    ("a < b > c", "a < b > c"),
    ("x<y", "x<y"),
    ("plain text, #tag and all\n", "plain text, #tag and all\n"),
    ("Tom &amp; Jerry", "Tom & Jerry"),  # complete entities are decoded even without tags
    ("R&D &copy 2024", "R&D &copy 2024"),  # but not what only looks like one
])
def test_what_is_not_html_comes_back_sensibly(content, text: str) -> None:
    assert to_text(content) == text


def test_absurd_nesting_does_not_raise() -> None:
    assert to_text("<span>" * 50_000 + "deep" + "</span>" * 10) == "deep"
    assert to_text("<p>" + "<blockquote>" * 5_000 + "x") == "x"


# ---------------------------------------------------------------------------------------
# Mastodon's hashtag rule, by hand

@pytest.mark.parametrize(("text", "tags"), [
    ("#IchBinHanna, #WissZeitVG! (#paren) #end.", ["IchBinHanna", "WissZeitVG", "paren", "end"]),
    ("#tag: #tag; „#quoted“", ["tag", "tag", "quoted"]),
    ("https://example.com/page#anchor", []),  # a '#' after a word character or '/' or ')'
    ("https://example.com/#top and https://en.wikipedia.org/wiki/A_(b)#c", []),
    ("see#this but é#that", ["that"]),  # Ruby's \w is ASCII only
    ("#café#bar", ["café"]),  # the é belongs to the first tag: it cannot start the second
    ("##double", ["double"]),
    ("first line\n#second", ["second"]),
    # Mastodon's spec/models/tag_spec.rb
    ("hello #3d #l33ts35k #world2016 #_test #test_ #one_two_three",
     ["3d", "l33ts35k", "world2016", "_test", "test_", "one_two_three"]),
    ("hello #one·two·three· and #·one", ["one·two·three"]),
    ("testing #ぼっち・ざ・ろっく", ["ぼっち・ざ・ろっく"]),
    ("just add #نرم\u200cافزار and", ["نرم\u200cافزار"]),
    ("hello #0123456 and #1_2", ["1_2"]),  # purely numeric is no tag; a separator makes one
    ("Hello toß #ruby #rubyOnRails", ["ruby", "rubyOnRails"]),
    ("test\u00a0#foo", ["foo"]),
    # Mastodon's spec/lib/extractor_spec.rb
    ("#hashtag://", ["hashtag"]),
    ("#hashtaghttp:// #hashtaghttps://", ["hashtag", "hashtag"]),
    ("", []), ("no tags", []), ("#", []), ("# space", []),
])
def test_hashtag_rule(text: str, tags: list[str]) -> None:
    assert extract_hashtags(text) == tags


# The rule of app/models/tag.rb, written as the regular expression it is, over a small
# alphabet whose Unicode classes are known: word characters a b Z é 漢 1 2 _ ZWNJ h t p s
# (letters: a b Z é 漢 h t p s), separators _ · ・ ZWNJ, and punctuation that matters.
_W, _A = "[abZé漢12_\u200chtps]", "[abZé漢htps]"
_WS, _AS = "[abZé漢12_\u200chtps·・]", "[abZé漢htps_·・\u200c]"
_TAG_RB = re.compile(rf"(?:^|[^/)A-Za-z0-9_])#({_W}{_WS}*{_AS}{_WS}*{_W}|{_W}*{_A}{_W}*)",
                     re.M)


def _tag_rb(text: str) -> list[str]:
    """Extractor.extract_hashtags_with_indices over ``_TAG_RB``."""
    found = []
    for m in _TAG_RB.finditer(text):
        cut = re.fullmatch(r"(.+)(https?)", m[1]) if text.startswith("://", m.end()) else None
        found.append(cut[1] if cut else m[1])
    return found


@given(st.text(alphabet="abZé漢12_\u200c·・#/) \n.:htps", max_size=16))
def test_hashtag_rule_is_mastodons_regex(text: str) -> None:
    assert extract_hashtags(text) == _tag_rb(text)


# ---------------------------------------------------------------------------------------
# hashtags() and mentions(), by hand

def test_the_texts_spelling_wins_and_tags_only_come_last() -> None:
    status = {
        "content": "<p>#IchBinHanna in der #Universität, #IchBinHanna again</p>",
        "tags": [{"name": "extra"}, {"name": "universitat"}, {"name": "ichbinhanna"}],
    }
    assert hashtags(status) == ["IchBinHanna", "Universität", "extra"]


def test_malformed_tags_are_ignored() -> None:
    content = "<p>#a and #b</p>"
    for tags in (None, "a", 3, {"name": "a"}, [None, "c", {}, {"name": None}, {"name": ""}]):
        assert hashtags({"content": content, "tags": tags}) == ["a", "b"]
    assert hashtags({}) == []
    assert hashtags({"content": None, "tags": [{"name": "onlyhere"}, {"name": 5}]}) \
        == ["onlyhere"]


@pytest.mark.parametrize(("content", "tags"), [
    # a '#' inside a URL that the rule alone would take: the link says it is a URL
    ('<p><a href="https://en.wikipedia.org/wiki/A?foo=#Lawsuit">'
     "https://en.wikipedia.org/wiki/A?foo=#Lawsuit</a> #real</p>", ["real"]),
    ('<p><a href="https://x.example/post">#Topic: a title…</a></p>', []),
    # hashtag links whose class and rel a relaying server dropped still count
    ('<p><a href="https://mk.example/tags/Göttingen" rel="nofollow noopener">#Göttingen</a></p>',
     ["Göttingen"]),
    # Friendica writes the '#' before the link
    ('<p>#<a href="https://f.example/search?tag=foo" class="tag" rel="tag">foo</a></p>',
     ["foo"]),
    ('<p><a href="https://x.example/tags/Ab" class="mention hashtag">#<span>Ab</span></a>.</p>',
     ["Ab"]),
])
def test_hashtags_in_and_around_links(content: str, tags: list[str]) -> None:
    assert hashtags({"content": content}) == tags


def test_tag_key_is_mastodons_tag_name() -> None:
    assert tag_key("Universität") == "universitat"
    assert tag_key("IchBinHanna") == tag_key("ichbinhanna") == "ichbinhanna"
    assert tag_key("ＩｃｈＢｉｎ") == "ichbin"  # fullwidth letters, by NFKC
    assert tag_key("Łódź") == "lodz"  # a stroke has no decomposition but Mastodon folds it
    assert tag_key("Straße") == "straße"  # ß is not in Mastodon's folding table
    assert tag_key("one·two") == "one·two"


def test_mentions_skip_malformed_entries() -> None:
    status = {"mentions": [
        {"acct": "ann", "url": "https://a.example/@ann", "id": "1"},
        {"acct": "bob@b.example", "id": 7},  # no url: the id identifies the account
        {"acct": "cy@c.example", "url": "", "id": "9"},
        {"acct": "dee", "url": None, "id": True},
        {"acct": ""}, {"username": "nobody"}, {"acct": 5}, "eve", None,
    ]}
    assert mentions(status) == [("ann", "https://a.example/@ann"), ("bob@b.example", "7"),
                                ("cy@c.example", "9"), ("dee", None)]
    for broken in ({}, {"mentions": None}, {"mentions": {"acct": "x"}}, {"mentions": "x"}):
        assert mentions(broken) == []
