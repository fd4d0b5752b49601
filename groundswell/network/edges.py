"""The edges of a campaign's network, one Ibis query per kind over the campaign's posts.

Why Ibis over ``Context.matched``: the network is about the same posts the report counts (the
campaign's matching rule, computed once in :mod:`groundswell.scope`), and an Ibis expression
runs on the store and on a Parquet export alike, as every metric does.

Every interaction edge is one campaign post by its *source* account pointing at its *target*
account: a repost at the reposted post's author, a reply at the replied-to account, a quote at
the quoted post's author, a mention at the mentioned account. Edges never cross platforms: both
ends are accounts of the post's platform. What a post points at but cannot be tied to an
account (an original not in the store, a handle no account row carries) and an account
pointing at itself (a thread, a self-quote) are counted, not drawn: see :class:`Dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from groundswell.scope import Context

#: The interaction networks: directed, account → account.
ACCOUNT_KINDS = ("repost", "reply", "quote", "mention")
#: The tag networks: undirected, tag–tag and account–tag.
TAG_KINDS = ("cotag", "author-tag")
KINDS = ACCOUNT_KINDS + TAG_KINDS


@dataclass
class Dropped:
    """Interactions a campaign post made that the network does not draw, and why."""

    unknown_target: int = 0
    self_loops: int = 0


def interactions(ctx: Context, kind: str) -> ir.Table:
    """One row per campaign post and the account it points at: ``platform``, ``source``,
    ``target`` (null: not tied to an account), ``at`` (the post's time), ``post_id``."""
    if kind == "repost":
        return _reposts(ctx)
    if kind == "reply":
        return _replies(ctx)
    if kind == "quote":
        return _quotes(ctx)
    if kind == "mention":
        return _mentions(ctx)
    raise ValueError(f"unknown account network kind {kind!r}: one of {', '.join(KINDS)}")


def _authored(ctx: Context) -> ir.Table:
    """The campaign's posts with an author."""
    m = ctx.matched
    return m.filter(m.author_id.notnull())


def _with_links(ctx: Context, posts: ir.Table) -> ir.Table:
    """``posts`` with the link columns ``matched`` leaves out (reply and quote targets)."""
    links = ctx.tables.posts.select(*ctx.key, "reply_to_post_id", "reply_to_author_id",
                                    "quote_of_post_id")
    return posts.join(links, ctx.key).select(
        posts.platform, posts.post_id, posts.author_id, posts.created_at, posts.kind,
        links.reply_to_post_id, links.reply_to_author_id, links.quote_of_post_id)


def _author_of(ctx: Context, posts: ir.Table, column: str) -> ir.Table:
    """``posts`` with ``found``: the author of the stored post named by ``column`` (null when
    that post is not stored)."""
    stored = ctx.tables.posts.select(o_platform="platform", o_id="post_id", found="author_id")
    joined = posts.left_join(stored, [posts.platform == stored.o_platform,
                                      posts[column] == stored.o_id])
    return joined.select(*posts.columns, found=joined.found)


def _shape(rows: ir.Table, target: ir.Column) -> ir.Table:
    return rows.select(platform=rows.platform, source=rows.author_id,
                       target=target.cast("string"), at=rows.created_at,
                       post_id=rows.post_id)


def _reposts(ctx: Context) -> ir.Table:
    m = _authored(ctx)
    reposts = _author_of(ctx, m.filter(m.kind == "repost"), "repost_of_post_id")
    return _shape(reposts, reposts.found)


def _replies(ctx: Context) -> ir.Table:
    m = _authored(ctx)
    replies = _with_links(ctx, m.filter(m.kind == "reply"))
    replies = _author_of(ctx, replies, "reply_to_post_id")
    # the platform's own word first (the parent may be missing); else the stored parent's
    return _shape(replies, replies.reply_to_author_id.coalesce(replies.found))


def _quotes(ctx: Context) -> ir.Table:
    m = _authored(ctx)
    linked = _with_links(ctx, m.filter(m.kind != "repost"))
    quotes = _author_of(ctx, linked.filter(linked.quote_of_post_id.notnull()),
                        "quote_of_post_id")
    return _shape(quotes, quotes.found)


def _mentions(ctx: Context) -> ir.Table:
    """Mentions in the campaign's authored posts (a repost's mentions are its original's).
    A mention the platform gave no id for is tied to the one account of that platform whose
    handle it is (any case, without ``@``), if exactly one has it."""
    m = _authored(ctx)
    authored = m.filter(m.kind != "repost")
    mentions = ctx.tables.mentions
    named = mentions.select(*ctx.key, handle=mentions.handle.lower().lstrip().re_replace(
        "^@", ""), mentioned=mentions.mentioned_author_id)
    rows = authored.join(named, ctx.key).select(
        authored.platform, authored.post_id, authored.author_id, authored.created_at,
        named.handle, named.mentioned)
    accounts = ctx.tables.accounts
    owners = accounts.filter(accounts.handle.notnull()).mutate(
        h=accounts.handle.lower().re_replace("^@", ""))
    owners = owners.group_by(["platform", "h"]).aggregate(
        owner=owners.author_id.max(), n=owners.author_id.nunique())
    owners = owners.filter(owners.n == 1).select(h_platform="platform", h="h", owner="owner")
    joined = rows.left_join(owners, [rows.platform == owners.h_platform,
                                     rows.handle == owners.h])
    joined = joined.select(*rows.columns, owner=joined.owner)
    shaped = _shape(joined, joined.mentioned.coalesce(joined.owner))
    return shaped.distinct()  # a post naming one account twice (two handle forms) is one


def account_edges(ctx: Context, kind: str, min_weight: int = 1
                  ) -> tuple[ir.Table, Dropped]:
    """The ``kind`` network's edges: ``platform``, ``source``, ``target``, ``weight``
    (interactions: campaign posts by the source pointing at the target) and ``first_time``,
    those of at least ``min_weight``; with what was not drawn."""
    rows = interactions(ctx, kind)
    counts = rows.aggregate(
        unknown=rows.target.isnull().sum(),
        loops=(rows.target.notnull() & (rows.target == rows.source)).sum(),
    ).to_pyarrow().to_pylist()[0]
    drawn = rows.filter(rows.target.notnull() & (rows.target != rows.source))
    edges = drawn.group_by(["platform", "source", "target"]).aggregate(
        weight=drawn.count(), first_time=drawn.at.min())
    edges = edges.filter(edges.weight >= min_weight)
    return edges, Dropped(int(counts["unknown"] or 0), int(counts["loops"] or 0))


def carried(ctx: Context) -> ir.Table:
    """One row per campaign post and tag it carries: key, ``platform``, ``tag``,
    ``author_id``, ``created_at``."""
    m = ctx.matched.select(*dict.fromkeys([*ctx.key, "platform"]), "author_id", "created_at")
    tags = ctx.tables.post_hashtags.select(*ctx.key, "tag")
    return tags.join(m, ctx.key).select(*dict.fromkeys([*ctx.key, "platform"]), "tag",
                                        "author_id", "created_at")


def tag_stats(ctx: Context) -> ir.Table:
    """Per tag: campaign ``posts`` carrying it, the ``accounts`` that wrote them (what the
    policy decides a rare tag by), ``first_seen`` and the ``platforms`` it was seen on."""
    c = carried(ctx)
    return c.group_by("tag").aggregate(posts=c.count(), accounts=c.author_id.nunique(),
                                       first_seen=c.created_at.min(),
                                       platforms=c.platform.collect(distinct=True))


def cotag_edges(ctx: Context, min_weight: int = 1) -> ir.Table:
    """Pairs of tags (``a`` < ``b``) carried by the same campaign post: ``weight`` (posts
    carrying both), ``accounts`` (who wrote them), ``first_time``."""
    c = carried(ctx)
    a = c.select(*ctx.key, "author_id", "created_at", a=c.tag)
    b = c.select(*ctx.key, b=c.tag)
    pairs = a.join(b, ctx.key).select("a", "b", "author_id", "created_at")
    pairs = pairs.filter(pairs.a < pairs.b)
    edges = pairs.group_by(["a", "b"]).aggregate(
        weight=pairs.count(), accounts=pairs.author_id.nunique(),
        first_time=pairs.created_at.min())
    return edges.filter(edges.weight >= min_weight)


def author_tag_edges(ctx: Context, min_weight: int = 1) -> ir.Table:
    """Account–tag pairs: ``platform``, ``author_id``, ``tag``, ``weight`` (the account's
    campaign posts carrying the tag), ``first_time``."""
    c = carried(ctx)
    c = c.filter(c.author_id.notnull())
    edges = c.group_by(["platform", "author_id", "tag"]).aggregate(
        weight=c.count(), first_time=c.created_at.min())
    return edges.filter(edges.weight >= min_weight)


def campaign_posts(ctx: Context) -> int:
    """How many posts the campaign matches (an empty campaign is a mistake worth saying)."""
    return int(ctx.matched.count().to_pyarrow().as_py() or 0)


__all__ = ["ACCOUNT_KINDS", "KINDS", "TAG_KINDS", "Dropped", "account_edges",
           "author_tag_edges", "campaign_posts", "carried", "cotag_edges", "interactions",
           "tag_stats"]
