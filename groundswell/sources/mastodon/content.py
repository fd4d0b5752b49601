"""A Mastodon status's HTML ``content`` as plain text, and the status's hashtags and mentions.

Why these live apart from the source: the Mastodon API gives a status's text only as HTML
(``<p>``, ``<br>``, links, ``<span>`` wrappers), its hashtags as the server's lower-cased
``tags`` names and its mentions as ``mentions`` objects. Turning that into the canonical
post (text, hashtags as written, mentions) is pure and fiddly, so it is done here once, with
a real HTML parser (selectolax's Lexbor engine) rather than regular expressions over
markup, and tested against real statuses.

The plain text follows what Mastodon itself shows and exports:

* paragraphs (and other blocks: lists, quotes, headings) are separated by a blank line,
  list items by a line break, ``<br>`` is a line break; text is otherwise kept as written
  (Mastodon's own CSS shows newlines inside a paragraph, so they are not collapsed);
* a link is its visible text, and a shortened link is its *full* URL: Mastodon hides the
  scheme and the tail of a long URL in ``<span class="invisible">`` and marks the cut with
  CSS, yet they are part of the real URL and Mastodon's plain-text export keeps them. That
  also keeps a URL's ``#fragment`` attached to its URL, where the hashtag rule ignores it;
* entities are decoded (``&amp;`` → ``&``).

Hashtags are found in that text by Mastodon's own rule (``Tag::HASHTAG_RE`` of
``app/models/tag.rb`` as ``Extractor.extract_hashtags`` applies it), so a status whose
``tags`` are missing or malformed still gets its tags, and the spelling the author chose
(``#IchBinHanna``) wins over the server's lower-cased ``ichbinhanna``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["extract_hashtags", "hashtags", "mentions", "tag_key", "text_and_tag_text",
           "to_text"]

# ---------------------------------------------------------------------------------------
# HTML → text

#: A real tag (``<p>``, ``</p>``, ``<br/>``, ``<a href="…">``): the sign that content is
#: HTML. A bare ``<`` as in "I <3 you" or "a<b" is not one, so such text stays as written
#: instead of being half-eaten by the parser as an unclosed tag.
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
#: A complete character reference (``&amp;``, ``&#39;``, ``&#x27;``). Only these are decoded
#: in text without tags: ``R&D`` or ``&copy`` without its semicolon stay as written.
_ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

_PARAGRAPH, _LINE = 2, 1  # separators, as the number of newlines they put between texts
#: Elements that stand apart from the text around them, and how far apart.
_BLOCKS = {
    **dict.fromkeys(("p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4",
                     "h5", "h6", "table", "hr"), _PARAGRAPH),
    **dict.fromkeys(("li", "tr", "dt", "dd"), _LINE),
}
#: Elements whose text is never shown (Mastodon strips them from remote content anyway).
_HIDDEN = frozenset(("head", "script", "style", "template", "noscript"))
#: What marks a link as a hashtag or a mention (Mastodon: class "mention hashtag" and
#: "u-url mention"; Pleroma: class "hashtag"; Misskey: rel "tag"; Friendica: "tag").
_TAG_LINK_MARKS = frozenset(("hashtag", "mention", "tag"))


def to_text(content: str | None) -> str:
    """The plain text of a status's HTML ``content`` (see the module docstring).

    Never raises: ``None``, ``""`` or a value that is not a string give ``""``; text
    without any HTML tag comes back as written (only complete entities decoded), so a
    plain-text ``content`` from a non-conforming server survives unharmed.
    """
    return text_and_tag_text(content)[0]


def text_and_tag_text(content: str | None) -> tuple[str, str]:
    """:func:`to_text`, and the text hashtags are looked for in, from one parse of the HTML:
    in the second, the '#' signs inside ordinary links (URLs, link titles) are spaces.

    Why the second text: Mastodon links a status's URLs before its hashtags and drops a
    hashtag that overlaps a URL, so ``https://example.org/a?b=#c`` or a link titled
    ``#Topic: …`` holds no hashtag. The HTML already says which text is a link, which is
    more exact than guessing URLs in the text again. Why one parse for both: parsing the
    HTML is most of the time a status takes to read.
    """
    if not content or not isinstance(content, str):
        return "", ""
    if "<" not in content or not _TAG_RE.search(content):
        text = _ENTITY_RE.sub(lambda m: html.unescape(m[0]), content) if "&" in content \
            else content
        return text, text
    root = LexborHTMLParser(content).root
    if root is None:
        return content, content
    pieces = _pieces(root)
    text = _join(pieces)
    if not any(type(piece) is _LinkText and "#" in piece for piece in pieces):
        return text, text
    return text, _join([piece.replace("#", " ") if type(piece) is _LinkText else piece
                        for piece in pieces])


class _LinkText(str):
    """Text inside an ordinary link (not a hashtag or mention link)."""

    __slots__ = ()


def _is_plain_link(node: LexborNode) -> bool:
    """An ``<a>`` that is neither a hashtag nor a mention link.

    A hashtag link is marked by its class or rel, or, when the server that relayed the
    status dropped them (mastodon.social does for Misskey's links), by its text being one
    hashtag and nothing else (``#Göttingen``, not a link titled ``#Topic: …``).
    """
    attrs = node.attributes
    marks = f"{attrs.get('class') or ''} {attrs.get('rel') or ''}".split()
    if _TAG_LINK_MARKS.intersection(marks):
        return False
    text = node.text(deep=True)
    return not (text.startswith("#") and extract_hashtags(text) == [text[1:]])


def _pieces(root: LexborNode) -> list[str | int]:
    """The document's texts in order (those inside ordinary links as :class:`_LinkText`),
    with block separators (``_PARAGRAPH``/``_LINE``) around blocks. Walks with an explicit
    stack, so absurdly nested markup cannot exhaust Python's recursion limit."""
    pieces: list[str | int] = []
    # (node, True when leaving it, True when inside a plain link)
    stack: list[tuple[LexborNode, bool, bool]] = [(root, False, False)]
    while stack:
        node, leaving, in_link = stack.pop()
        tag = node.tag
        if leaving:
            pieces.append(_BLOCKS[tag])
        elif node.is_text_node:
            text = node.text_content or ""
            pieces.append(_LinkText(text) if in_link else text)
        elif tag == "br":
            pieces.append("\n")
        elif node.is_element_node and tag not in _HIDDEN:
            if tag in _BLOCKS:
                pieces.append(_BLOCKS[tag])
                stack.append((node, True, in_link))
            in_link = in_link or (tag == "a" and _is_plain_link(node))
            children = list(node.iter(include_text=True))
            stack.extend((child, False, in_link) for child in reversed(children))
    return pieces


def _join(pieces: list[str | int]) -> str:
    r"""Join texts with the strongest separator met between two of them.

    A separator makes sure of its newlines rather than adding them (``<p>a<br></p>`` then
    ``<p>b</p>`` is ``a\n\nb``). Whitespace-only text at a block boundary is the markup's
    indentation (``</p>\n<p>``), and separators before the first or after the last text
    are dropped.
    """
    out: list[str] = []
    pending = _PARAGRAPH  # the start of the document is a boundary: no leading blank text
    for piece in pieces:
        if isinstance(piece, int):
            pending = max(pending, piece)
        elif piece and not (pending and piece.isspace()):
            if out and pending:
                last = out[-1]
                out.append("\n" * max(0, pending - (len(last) - len(last.rstrip("\n")))))
            out.append(piece)
            pending = 0
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Hashtags, by Mastodon's rule
#
# app/models/tag.rb (Ruby/Onigmo regular expressions, case-insensitive):
#   HASHTAG_SEPARATORS = "_\u00B7\u30FB\u200c"
#   FIRST = [[:word:]_][[:word:]SEP]*[[:alpha:]SEP][[:word:]SEP]*[[:word:]_]
#   LAST  = [[:word:]_]*[[:alpha:]][[:word:]_]*
#   HASHTAG_RE = /(?:^|[^\/\)\w])#(FIRST|LAST)/i
# and Extractor.extract_hashtags_with_indices drops a trailing "http"/"https" from a tag
# that runs into "://" ("#taghttps://…" is "tag"). Rather than translate the Unicode
# classes into a huge Python character class, the name is scanned character by character:
# posts are short and only the characters after a '#' are looked at.
#
# This is the rule the statuses we read were tagged under. Mastodon's development branch
# has since tightened it (its tag_spec.rb refuses a '#' after '.', '=' or a non-ASCII
# letter, as in URL anchors, and accepts the fullwidth '＃'); in HTML content the URL
# cases are covered anyway, by ignoring '#' inside ordinary links (see ``_text``).

_SEPARATORS = "_\u00b7\u30fb\u200c"  # underscore, middle dot, katakana middle dot, ZWNJ
_JOIN_CONTROLS = "\u200c\u200d"
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TRAILING_SCHEME = re.compile(r"(.+)(https?)", re.DOTALL)


def _is_alpha(char: str) -> bool:
    """Onigmo's ``[[:alpha:]]`` (Unicode's Alphabetic), approximated as letters, marks and
    letter-like numbers (Ⅻ)."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nl"


def _is_word(char: str) -> bool:
    """Onigmo's ``[[:word:]]`` (UTS #18): alphabetic, marks, decimal digits, connector
    punctuation (``_``) and the join controls (ZWNJ, ZWJ)."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Nl", "Pc") or char in _JOIN_CONTROLS


def _name_at(text: str, start: int) -> str | None:
    """The hashtag name the rule matches right after a '#' at ``start - 1``, or None.

    Ruby tries FIRST before LAST and both are greedy, which comes down to: FIRST is the
    run of word and separator characters up to its last word character, if that is at
    least three characters long with a letter or separator strictly inside (``one·two``,
    ``1_2``); otherwise LAST is the run of word characters, if it holds a letter.
    """
    end = start
    while end < len(text) and (_is_word(text[end]) or text[end] in _SEPARATORS):
        end += 1
    run = text[start:end]
    if run and _is_word(run[0]):
        last = max(i for i, char in enumerate(run) if _is_word(char))
        if last >= 2 and any(_is_alpha(c) or c in _SEPARATORS for c in run[1:last]):
            return run[:last + 1]
    words = next((i for i, char in enumerate(run) if not _is_word(char)), len(run))
    return run[:words] if any(map(_is_alpha, run[:words])) else None


def extract_hashtags(text: str) -> list[str]:
    """The hashtags in plain ``text`` by Mastodon's rule, as written, in order (repeats kept).

    A '#' starts a hashtag at the start of a line or after any character but ``/``, ``)``
    and an ASCII letter, digit or ``_``: so ``https://example.com/page#anchor`` and
    ``…/#top`` hold no hashtag, while ``(#tag)`` and ``#tag,`` do. As Ruby's ``scan``
    consumes the character before the '#', that character may not belong to the previous
    hashtag (``#café#bar`` is one hashtag).
    """
    found: list[str] = []
    resume = 0  # where the previous match ended: Ruby's scan goes on from there
    hash_at = text.find("#")
    while hash_at >= 0:
        before = text[hash_at - 1] if hash_at else "\n"
        if before == "\n" or (hash_at - 1 >= resume and before not in "/)"
                              and before not in _ASCII_WORD):
            name = _name_at(text, hash_at + 1)
            if name is not None:
                resume = hash_at + 1 + len(name)
                if text.startswith("://", resume):
                    cut = _TRAILING_SCHEME.fullmatch(name)
                    name = cut[1] if cut else name
                found.append(name)
        hash_at = text.find("#", hash_at + 1)
    return found


#: Mastodon's ASCIIFolding (app/lib/ascii_folding.rb) maps the accented Latin letters of
#: U+00C0–U+017F to their base letter. For most the base is what Unicode decomposition
#: gives; the letters with a stroke or bar have no decomposition and are listed here.
_UNDECOMPOSED = {"Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
                 "ĸ": "k", "Ŀ": "L", "ŀ": "l", "Ł": "L", "ł": "l", "ŉ": "n", "Ŋ": "N",
                 "ŋ": "n", "Ø": "O", "ø": "o", "Ŧ": "T", "ŧ": "t"}


def _ascii_base(char: str) -> str:
    """The letter without its accents when it decomposes to one ASCII letter, else itself
    (``Æ``, ``ß``, ``Ĳ`` and ``×`` are not folded, as in Mastodon's table)."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 and base.isascii() and base.isalpha() else char


_ASCII_FOLDING = str.maketrans(
    {chr(cp): _ascii_base(chr(cp)) for cp in range(0xC0, 0x180)} | _UNDECOMPOSED)


def tag_key(name: str) -> str:
    """The name under which Mastodon stores a hashtag (its ``HashtagNormalizer``): NFKC,
    lower case, accents of Latin letters folded (``Universität`` → ``universitat``), and
    characters other than letters, digits and the separators dropped.

    Only used to tell whether two spellings are one Mastodon tag; counting across
    platforms uses :func:`groundswell.text.normalize_tag`, which keeps accents.
    """
    folded = unicodedata.normalize("NFKC", name).lower().translate(_ASCII_FOLDING)
    return "".join(c for c in folded
                   if c in _SEPARATORS or _is_alpha(c) or unicodedata.category(c) == "Nd")


def hashtags(status: dict[str, Any], tag_text: str | None = None) -> list[str]:
    """The status's hashtags as written (not normalised), in order, each once.

    First those of the text, in order of appearance, then those only in the server's
    ``tags`` array. Spellings Mastodon counts as one tag (:func:`tag_key`: ``#Universität``
    in the text, ``universitat`` in ``tags``) are kept once, in the text's spelling,
    because the server lower-cases and strips accents from some ``tags`` names and the
    author's spelling is what a report should show. ``tags`` entries that are not objects
    with a string ``name`` are ignored, so a status with missing or broken ``tags`` still
    gets the text's hashtags.

    The text is searched as Mastodon links it: a '#' inside an ordinary link (a URL, a
    link's title) starts no hashtag. A boost's ``content`` is empty: its hashtags are those
    of the boosted status, under ``reblog``, which the caller passes on its own.
    ``tag_text``: that text when the caller has it already (:func:`text_and_tag_text`).
    """
    text = text_and_tag_text(status.get("content"))[1] if tag_text is None else tag_text
    tags = status.get("tags")
    names = [tag["name"] for tag in tags if isinstance(tag, dict)
             and isinstance(tag.get("name"), str) and tag["name"]] \
        if isinstance(tags, list) else []
    kept: dict[str, str] = {}
    for name in extract_hashtags(text) + names:
        kept.setdefault(tag_key(name), name)
    return list(kept.values())


# ---------------------------------------------------------------------------------------
# Mentions

def mentions(status: dict[str, Any]) -> list[tuple[str, str | None]]:
    """``(acct, account)`` for each entry of the status's ``mentions`` array, in order.

    ``acct`` is as given: ``user`` for an account of the serving instance, ``user@domain``
    for a remote one. ``account`` identifies the mentioned account: its profile ``url``,
    which is the same whichever server the status was read from, or, without one, its
    ``id`` (only meaningful on the serving instance), or None. Entries that are not objects
    with a non-empty string ``acct`` are skipped; a missing or malformed array gives ``[]``.
    """
    found = status.get("mentions")
    if not isinstance(found, list):
        return []
    return [(entry["acct"], _account(entry)) for entry in found
            if isinstance(entry, dict) and isinstance(entry.get("acct"), str) and entry["acct"]]


def _account(entry: dict[str, Any]) -> str | None:
    """A mention's account reference: the profile URL, else the id as a string."""
    url, account_id = entry.get("url"), entry.get("id")
    if isinstance(url, str) and url:
        return url
    if isinstance(account_id, str) and account_id:
        return account_id
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        return str(account_id)
    return None
