"""What the HTML report shows beyond the metrics' own output, computed from the same tables.

Everything here is an aggregate (counts per hour, per day, per tag, per tag pair) or a public
figure's name; no post text and no handle of a private account leaves this module. Queries
are Ibis expressions, so the report works on every engine the metrics run on.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import ibis

from groundswell.metrics.context import Context
from groundswell.metrics.scope import iso, phrase_pattern, scalar

EARLY_HOURS = 24
NETWORK_TOP = 20


def _int(value) -> int:
    return int(value or 0)


def early_joiners(ctx: Context, hours: int = EARLY_HOURS) -> dict:
    """The headline: accounts that *joined* (first matching original, reply or quote) before
    ``origin + hours``, and the accounts that were active in that time only by reposting.

    ``joined`` + ``amplified`` = every account with a matching post before the cutoff.
    """
    origin = ctx.origin_at
    if origin is None:
        return {"hours": hours, "origin_at": None, "cutoff": None, "joined": 0, "amplified": 0}
    cutoff = origin + timedelta(hours=hours)
    j = ctx.joiners
    joined = (j.first_part_at < cutoff).fill_null(False)
    active = (j.first_at < cutoff).fill_null(False)
    row = j.aggregate(
        joined=joined.cast("int64").sum(),
        amplified=(active & ~joined).cast("int64").sum(),
    ).to_pyarrow().to_pylist()[0]
    return {"hours": hours, "origin_at": iso(origin), "cutoff": iso(cutoff),
            "joined": _int(row["joined"]), "amplified": _int(row["amplified"])}


def joiners_per_hour(ctx: Context) -> list[dict]:
    """New participants (by first matching original/reply/quote) and new amplifiers (accounts
    that only ever reposted, by their first repost) per UTC hour."""
    j = ctx.joiners
    part = j.filter(j.first_part_at.notnull())
    part = part.group_by(hour=part.first_part_at.truncate("h")).aggregate(n=part.count())
    amp = j.filter(j.first_part_at.isnull() & j.first_at.notnull())
    amp = amp.group_by(hour=amp.first_at.truncate("h")).aggregate(n=amp.count())
    got: dict[datetime, dict] = {}
    for role, table in (("participants", part), ("amplifiers", amp)):
        for r in table.to_pyarrow().to_pylist():
            got.setdefault(r["hour"], {"participants": 0, "amplifiers": 0})[role] = r["n"]
    return [{"hour": iso(h), **got[h]} for h in sorted(got)]


def replies_per_hour(ctx: Context) -> list[dict]:
    """Direct replies to the origin post(s) per UTC hour, split by what they carried."""
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return []
    window = ctx.scope.window(ctx.tables)
    replies = window.filter(window.reply_to_post_id.isin(list(camp.origin_post_ids))
                            & window.created_at.notnull())
    tags = ctx.tables.post_hashtags
    tagged = (replies.semi_join(tags.filter(tags.tag.isin(camp.tags)).select(*ctx.key), ctx.key)
              .select("post_id").mutate(tagged=ibis.literal(True)))
    said = ibis.literal(False)
    for phrase in camp.phrases:
        said = said | replies.text.lower().re_search(phrase_pattern(phrase)).fill_null(False)
    flagged = replies.left_join(tagged, "post_id").select(
        hour=replies.created_at.truncate("h"), said=said,
        tagged=tagged.tagged.fill_null(False))
    per = flagged.group_by(["hour", "said", "tagged"]).aggregate(n=flagged.count())
    out: dict[datetime, dict] = {}
    for r in per.to_pyarrow().to_pylist():
        key = ("phrase and tag" if r["said"] and r["tagged"] else "phrase only" if r["said"]
               else "tag only" if r["tagged"] else "neither")
        row = out.setdefault(r["hour"], dict.fromkeys(
            ("phrase and tag", "phrase only", "tag only", "neither"), 0))
        row[key] += r["n"]
    return [{"hour": iso(h), **out[h]} for h in sorted(out)]


def thread_levels(ctx: Context) -> list[dict]:
    """Posts at each depth of the reply tree under the origin (1 = direct replies)."""
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return []
    forest = ctx.reply_forest
    counts: dict[int, int] = {}
    for origin in camp.origin_post_ids:
        for depth, posts in enumerate(forest.levels(origin), start=1):
            counts[depth] = counts.get(depth, 0) + posts
    return [{"depth": d, "posts": n} for d, n in sorted(counts.items())]


def origin_post(ctx: Context) -> dict | None:
    """The call-to-action post: its time, its author's name only if a public figure, and its
    text only if a public figure wrote it (a private person's words are never shown)."""
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return None
    posts = ctx.tables.posts
    found = posts.filter(posts.post_id.isin(list(camp.origin_post_ids))).order_by("created_at")
    accounts = ctx.tables.accounts.select("platform", "author_id", "handle", "followers",
                                          "verified")
    joined = found.left_join(accounts, ["platform", "author_id"]).select(
        found.platform, found.author_id, found.created_at, found.text, accounts.handle,
        accounts.followers, accounts.verified).limit(1)
    got = joined.to_pyarrow().to_pylist()
    if not got:
        return None
    r = got[0]
    public = ctx.is_public_figure(r["followers"], r["verified"])
    return {"author": ctx.name(r["platform"], r["author_id"], r["handle"], r["followers"],
                               r["verified"]),
            "public_figure": public, "created_at": iso(r["created_at"]),
            "followers": r["followers"] if public else None,
            "text": r["text"] if public else None}


def tag_daily(ctx: Context) -> list[dict]:
    """Posts per UTC day carrying each campaign tag (main tag and variants)."""
    if ctx.campaign is None:
        return []
    tags = ctx.tables.post_hashtags
    window = ctx.scope.window(ctx.tables)
    window = window.filter(window.created_at.notnull()).select(*ctx.key, "created_at")
    tagged = tags.filter(tags.tag.isin(ctx.campaign.tags)).join(window, ctx.key)
    # one row per post and tag (post_hashtags keys are unique): posts are a count
    per = tagged.group_by(["tag", tagged.created_at.truncate("D").name("day")]).aggregate(
        posts=tagged.count())
    return [{"tag": r["tag"], "day": iso(r["day"])[:10], "posts": r["posts"]}
            for r in per.order_by(["tag", "day"]).to_pyarrow().to_pylist()]


def tag_hourly(ctx: Context, tag: str) -> list[dict]:
    """Posts per UTC hour carrying ``tag``, among posts in the campaign's window."""
    tags = ctx.tables.post_hashtags
    window = ctx.scope.window(ctx.tables)
    window = window.filter(window.created_at.notnull()).select(*ctx.key, "created_at")
    carrying = window.semi_join(tags.filter(tags.tag == tag).select(*ctx.key), ctx.key)
    per = carrying.group_by(hour=carrying.created_at.truncate("h")).aggregate(
        posts=carrying.count())
    return [{"hour": iso(r["hour"]), "posts": r["posts"]}
            for r in per.order_by("hour").to_pyarrow().to_pylist()]


def cotag_network(ctx: Context, top: int = NETWORK_TOP) -> dict:
    """The top ``top`` tags carried by matching posts (campaign tags included) and, for every
    pair of them, the number of matching posts carrying both."""
    tags = ctx.tables.post_hashtags
    on = ctx.key
    matched = ctx.matched.select(*on)
    carried = tags.join(matched, on).select(*on, "tag").distinct()
    nodes = (carried.group_by("tag").aggregate(posts=carried.count())
             .order_by([ibis.desc("posts"), "tag"]).limit(top).to_pyarrow().to_pylist())
    names = [n["tag"] for n in nodes]
    if len(names) < 2:
        return {"nodes": nodes, "edges": []}
    in_top = carried.filter(carried.tag.isin(names))
    a = in_top.select(*on, a=in_top.tag)
    b = in_top.select(*on, b=in_top.tag)
    pairs = a.join(b, on).select("a", "b")
    pairs = pairs.filter(pairs.a < pairs.b)
    edges = (pairs.group_by(["a", "b"]).aggregate(posts=pairs.count())
             .order_by([ibis.desc("posts"), "a", "b"]).to_pyarrow().to_pylist())
    return {"nodes": nodes, "edges": edges}


def circular_layout(names: list[str], center: str | None = None) -> dict[str, tuple[float, float]]:
    """Deterministic positions: ``center`` (if given) in the middle, the others on a unit
    circle in the given order, starting at the top and going clockwise."""
    ring = [n for n in names if n != center]
    pos: dict[str, tuple[float, float]] = {}
    if center in names:
        pos[center] = (0.0, 0.0)
    for i, name in enumerate(ring):
        angle = math.pi / 2 - 2 * math.pi * i / max(len(ring), 1)
        pos[name] = (round(math.cos(angle), 6), round(math.sin(angle), 6))
    return pos


def origin_time(ctx: Context) -> str | None:
    return iso(ctx.origin_at)


def matched_count(ctx: Context) -> int:
    return _int(scalar(ctx.matched.count()))
