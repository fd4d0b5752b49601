"""A status's ``content`` as Mastodon renders it: HTML with hashtag, mention and link markup.

Why exact markup: the Mastodon source reads a status's text and hashtags out of this HTML, so
the simulated statuses carry it the way real ones do (``sources/mastodon/content.py`` is
tested against the real corpus; these are its shapes):

* a paragraph ``<p>…</p>``, line breaks ``<br />`` in the collector's own statuses and
  ``<br>`` in others' (which Mastodon re-sanitises); text escaped as Rails' ``h`` does
  (``&amp; &lt; &gt; &quot; &#39;``);
* a hashtag ``<a href="https://DOMAIN/tags/NAME" class="mention hashtag" rel="tag">#<span>NAME
  </span></a>`` (``rel="nofollow noopener" target="_blank"`` in others' statuses), ``DOMAIN``
  the author's server, ``NAME`` as written (percent-encoded in the link). Mastodon links
  hashtags written with the full-width ``＃`` too and writes its link text with ``#``;
* a mention ``<span class="h-card" translate="no"><a href="PROFILE" class="u-url mention">@
  <span>NAME</span></a></span>``, its text the bare user name;
* a quote (Mastodon 4.4+) starts with ``<p class="quote-inline">RE: <a …>URL</a></p>``, the
  link shortened as Mastodon shortens any: the scheme and everything past 30 characters in
  ``invisible`` spans.

The server's ``tags`` array lists each tag once by its normalised name.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from groundswell.text import normalize_tag

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_REMOTE_REL = 'rel="nofollow noopener" target="_blank"'


def escape(text: str) -> str:
    return text.translate(_ESCAPE)


@lru_cache(maxsize=4096)
def hashtag(domain: str, name: str, local: bool) -> str:
    rel = 'rel="tag"' if local else _REMOTE_REL
    return (f'<a href="https://{domain}/tags/{quote(name, safe="")}" class="mention hashtag" '
            f"{rel}>#<span>{escape(name)}</span></a>")


def mention(profile: str, username: str, local: bool) -> str:
    rel = "" if local else " " + _REMOTE_REL
    return (f'<span class="h-card" translate="no"><a href="{profile}" class="u-url mention"'
            f"{rel}>@<span>{username}</span></a></span>")


def link(url: str, local: bool) -> str:
    scheme, _, bare = url.partition("://")
    visible, rest = (bare[:30], bare[30:]) if len(bare) > 30 else (bare, "")
    attrs = ('target="_blank" rel="nofollow noopener" translate="no"' if local
             else 'rel="nofollow noopener" translate="no" target="_blank"')
    return (f'<a href="{url}" {attrs}><span class="invisible">{scheme}://</span>'
            f'<span class="{"ellipsis" if rest else ""}">{visible}</span>'
            f'<span class="invisible">{rest}</span></a>')


def content(words: str, tags: tuple, domain: str, local: bool,
            reply_to: tuple[str, str] | None = None, quoted_url: str | None = None) -> str:
    """The HTML of ``words`` whose hashtags are ``tags`` (``(start, end, written)`` spans),
    written by an account of ``domain``; ``reply_to`` = (profile URL, user name) of the
    account a reply names first, ``quoted_url`` the URL of the status a quote quotes."""
    br = "<br />" if local else "<br>"
    out = []
    if quoted_url is not None:
        out.append(f'<p class="quote-inline">RE: {link(quoted_url, local)}</p>')
    out.append("<p>")
    if reply_to is not None:
        out.append(mention(reply_to[0], reply_to[1], local) + " ")
    at = 0
    for start, end, name in tags:
        out.append(escape(words[at:start]).replace("\n", br))
        out.append(hashtag(domain, name, local))
        at = end
    out.append(escape(words[at:]).replace("\n", br))
    out.append("</p>")
    return "".join(out)


def tag_list(tags: tuple, server: str) -> list[dict[str, str]]:
    """The status's ``tags`` as the collecting server lists them: once each, normalised."""
    return list(_tag_list(tuple(name for _, _, name in tags), server)) if tags else []


@lru_cache(maxsize=4096)
def _tag_list(names: tuple[str, ...], server: str) -> tuple[dict[str, str], ...]:
    seen = dict.fromkeys(normalize_tag(name) for name in names)
    return tuple({"name": name, "url": f"https://{server}/tags/{quote(name, safe='')}"}
                 for name in seen)


__all__ = ["content", "tag_list", "escape", "hashtag", "mention", "link"]
