"""A Bluesky post or repost *record* as a canonical post, wherever the record came from.

Why one module: the stream's commits, Tap's records and the AppView's post views all wrap the
same ``app.bsky.feed.post`` and ``app.bsky.feed.repost`` records; only the envelope differs
(how the post is named, who wrote it, when it was seen). Reading the record here once keeps
the rules identical whichever way a post arrives:

* kind, in the order of ``schema.KINDS``: a repost record is a repost of its ``subject``;
  a post with ``reply`` is a reply (to ``reply.parent``, in the conversation ``reply.root``);
  a post embedding another post (``app.bsky.embed.record``, or the record part of
  ``app.bsky.embed.recordWithMedia``) is a quote; a post embedding a feed generator, a list or
  a starter pack quotes no post and is an original;
* text, language (the first of ``langs``), hashtags and mentions (:mod:`.richtext`);
* time: ``createdAt`` is the client's claim, kept in ``claimed_at``; posts are ordered by it
  unless it is implausible next to when the post was seen (:func:`.richtext.plausible_time`).
"""

from __future__ import annotations

from datetime import datetime

from groundswell.sources.base import Emitter, RecordError
from groundswell.sources.bluesky.names import PLATFORM, author_of, is_post_uri
from groundswell.sources.bluesky.richtext import hashtags, mentions, plausible_time

EMBED_RECORD = "app.bsky.embed.record"
EMBED_RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"


def post(emit: Emitter, uri: str, did: str, record: dict, seen_at: datetime | None) -> None:
    """Emit the post record ``record`` of ``did``, named ``uri``, seen at ``seen_at``."""
    get = record.get
    text = text_of(record)
    created, claimed = plausible_time(get("createdAt"), seen_at)
    reply_to = conversation = None
    reply = get("reply")
    if reply is not None:
        reply_to, conversation = _reply(reply, emit)
    quote = quoted(get("embed"))  # kept on a reply that quotes too, as on Twitter
    if reply_to is not None:
        kind = "reply"
    else:
        kind = "original" if quote is None else "quote"
        conversation = uri  # a post that answers none starts its own conversation
    langs = get("langs")
    lang = langs[0] if type(langs) is list and langs and type(langs[0]) is str \
        and langs[0] else None
    emit.post(PLATFORM, uri, did, created, text, lang, kind, reply_to,
              author_of(reply_to) if reply_to else None, None, quote, conversation,
              tags_of(record, text), mentions(record) if "facets" in record else [],
              claimed_at=claimed)


def repost(emit: Emitter, uri: str, did: str, record: dict, seen_at: datetime | None) -> None:
    """Emit the repost record ``record`` of ``did`` (no text of its own: a campaign counts it
    through the post it reposts)."""
    subject = record.get("subject")
    subject_uri = subject.get("uri") if type(subject) is dict else None
    if type(subject_uri) is not str or not subject_uri:
        raise RecordError("repost record without a subject uri")
    created, claimed = plausible_time(record.get("createdAt"), seen_at)
    emit.post(PLATFORM, uri, did, created, None, None, "repost", None, None, subject_uri, None,
              None, [], [], claimed_at=claimed)


def edit(emit: Emitter, uri: str, record: dict, version: str,
         edited_at: datetime | None) -> None:
    """A new version of the post ``uri``: its text, hashtags and mentions replace the old."""
    text = text_of(record)
    emit.edit(PLATFORM, uri, version, edited_at, text, tags_of(record, text),
              mentions(record) if "facets" in record else [])


def tags_of(record: dict, text: str) -> list[str]:
    """:func:`.richtext.hashtags`, without its text search where it could find nothing: most
    posts carry no tag, and the search is most of the time a post takes to read."""
    if "facets" in record or "tags" in record or "#" in text or "$" in text \
            or "\uff03" in text:
        return hashtags(record)
    return []


def text_of(record: dict) -> str:
    """The lexicon requires ``text`` (empty for an image-only post): without it, no post."""
    text = record.get("text")
    if type(text) is not str:
        if text is None:
            raise RecordError("post record without text")
        raise RecordError(f"post text is a {type(text).__name__}")
    return text


def quoted(embed: object) -> str | None:
    """The uri of the post an embed quotes, or None (no embed, media only, or another kind of
    record: a feed generator, a list, a starter pack)."""
    if type(embed) is not dict:
        return None
    kind = embed.get("$type")
    if kind == EMBED_RECORD:
        ref = embed.get("record")
    elif kind == EMBED_RECORD_WITH_MEDIA:
        outer = embed.get("record")
        ref = outer.get("record") if type(outer) is dict else None
    else:
        return None
    uri = ref.get("uri") if type(ref) is dict else None
    return uri if is_post_uri(uri) else None


def _reply(reply: object, emit: Emitter) -> tuple[str | None, str | None]:
    """``(parent uri, root uri)`` of a ``replyRef``; a malformed one is a problem of the line
    (the post is kept, as an original)."""
    parent = reply.get("parent") if type(reply) is dict else None
    parent_uri = parent.get("uri") if type(parent) is dict else None
    if type(parent_uri) is not str or not parent_uri:
        emit.problem("bluesky: reply without a parent uri (kept as a post that answers none)")
        return None, None
    root = reply.get("root")
    root_uri = root.get("uri") if type(root) is dict else None
    return parent_uri, root_uri if type(root_uri) is str and root_uri else None
