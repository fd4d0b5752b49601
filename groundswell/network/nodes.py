"""The nodes of a campaign's network: accounts and tags, with what Gephi colours and sizes by.

Why here and not in the writer: a node's name is a privacy decision. An account is named the
way the report names it (:meth:`groundswell.scope.Context.name`: a public figure by handle,
everyone else by the keyed pseudonym of :func:`groundswell.keys.pseudonym`, the store's key),
so a node in Gephi and a row of the report are the same person under the same name. Its id
carries its platform (accounts are never merged across platforms) and, for a private account,
the pseudonym instead of the platform's id.

An account's ``role`` is the report's own vocabulary (:mod:`groundswell.metrics.magnitude`):

* ``origin``: wrote one of the campaign's origin posts (the call to action);
* ``participant``: wrote a campaign original, reply or quote;
* ``amplifier``: only reposted campaign posts;
* ``outside``: wrote no campaign post; a campaign post reposted, replied to, quoted or
  mentioned it.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from groundswell.scope import Context, iso

ROLES = ("origin", "participant", "amplifier", "outside")


def account_rows(ctx: Context, ends: ir.Table) -> list[dict[str, Any]]:
    """One row per account in ``ends`` (``platform``, ``id``, ``seen``: the first time an
    edge names it): its profile, its campaign posts and when it first posted in the campaign."""
    ends = ends.group_by(["platform", "id"]).aggregate(seen=ends.seen.min())
    m = ctx.matched
    m = m.filter(m.author_id.notnull())
    posts = m.group_by(["platform", "author_id"]).aggregate(posts=m.count()).rename(
        p_platform="platform", p_id="author_id")
    j = ctx.joiners.select(j_platform="platform", j_id="author_id", first_at="first_at",
                           first_part_at="first_part_at")
    accounts = ctx.tables.accounts.select(a_platform="platform", a_id="author_id",
                                          handle="handle", followers="followers",
                                          verified="verified")
    rows = ends.left_join(posts, [ends.platform == posts.p_platform, ends.id == posts.p_id])
    rows = rows.select(ends.platform, ends.id, ends.seen, posts.posts)
    rows = rows.left_join(j, [rows.platform == j.j_platform, rows.id == j.j_id])
    rows = rows.select("platform", "id", "seen", "posts", "first_at", "first_part_at")
    rows = rows.left_join(accounts, [rows.platform == accounts.a_platform,
                                     rows.id == accounts.a_id])
    rows = rows.select("platform", "id", "seen", "posts", "first_at", "first_part_at",
                       "handle", "followers", "verified")
    return rows.order_by(["platform", "id"]).to_pyarrow().to_pylist()


def origin_authors(ctx: Context) -> set[tuple[str, str]]:
    """``(platform, author id)`` of the campaign's origin posts found in the store."""
    if ctx.campaign is None or not ctx.campaign.origins:
        return set()
    posts = ctx.tables.posts
    found = posts.filter(posts.post_id.isin(list(ctx.campaign.origin_post_ids))).select(
        "platform", "post_id", "author_id").to_pyarrow().to_pylist()
    wanted = set(ctx.campaign.origins)
    return {(r["platform"], r["author_id"]) for r in found
            if (r["platform"], r["post_id"]) in wanted and r["author_id"] is not None}


def role(row: dict[str, Any], origins: set[tuple[str, str]]) -> str:
    """The account's part in the campaign (module docstring)."""
    if (row["platform"], row["id"]) in origins:
        return "origin"
    if row["first_part_at"] is not None:
        return "participant"
    if row["first_at"] is not None:
        return "amplifier"
    return "outside"


def account_node(ctx: Context, row: dict[str, Any], origins: set[tuple[str, str]]
                 ) -> tuple[str, dict[str, Any]]:
    """``(node id, attributes)`` of one account row of :func:`account_rows`."""
    platform, author = row["platform"], row["id"]
    public = ctx.is_public_figure(row["followers"], row["verified"], row["handle"])
    if public or ctx.policy.reveal:  # named: by handle where the store knows it
        label = (ctx.name(platform, author, row["handle"], row["followers"], row["verified"])
                 if row["handle"] else author)
        node = f"{platform}:{author}"
    else:  # the report's pseudonym, computed once for the id and the label
        label = ctx.pseudonym(platform, author)
        node = f"{platform}:{label}"
    first = row["first_at"] if row["first_at"] is not None else row["seen"]
    return node, {"label": label, "kind": "account", "platform": platform,
                  "role": role(row, origins), "public": bool(public),
                  "posts": int(row["posts"] or 0), "first_seen": iso(first)}


def tag_node(ctx: Context, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(node id, attributes)`` of a tag from :func:`groundswell.network.edges.tag_stats`:
    ``role`` says whether it is one of the campaign's tags, a response tag, or another tag
    that travelled with them."""
    tag = row["tag"]
    camp = ctx.campaign
    part = ("campaign" if camp and tag in camp.tags
            else "response" if camp and tag in camp.response_tags else "co-tag")
    return f"tag:{tag}", {"label": f"#{tag}", "kind": "tag",
                          "platform": ",".join(sorted(row["platforms"] or [])),
                          "role": part, "posts": int(row["posts"]),
                          "first_seen": iso(row["first_seen"])}
