"""Spread: who joined first, which public figures joined and when, and the campaign's reach
across languages and its variant tags.

Privacy: only public figures (the campaign's follower threshold, or verified) are named;
everyone else appears as a keyed pseudonym (see ``Context.pseudonym``).
"""

from __future__ import annotations

import ibis

from groundswell.metrics import Metric, Option
from groundswell.metrics.cells import Cells, Persons, Ref
from groundswell.metrics.sections import spread as sections
from groundswell.scope import Context, hours_between, iso, rows

FIRST_N = 20
NOTABLE_MAX = 50


def _with_accounts(ctx: Context, joiners):
    accounts = ctx.tables.accounts.select("platform", "author_id", "handle", "followers",
                                          "verified")
    return joiners.left_join(accounts, ["platform", "author_id"]).select(
        joiners, accounts.handle, accounts.followers, accounts.verified)


def _person(ctx: Context, row: dict, at_key: str) -> dict:
    public = ctx.is_public_figure(row["followers"], row["verified"], row["handle"])
    at = row[at_key]
    return {
        "account": ctx.name(row["platform"], row["author_id"], row["handle"], row["followers"],
                            row["verified"]),
        "public_figure": public,
        "followers": row["followers"] if public else None,
        "first_post_at": iso(at),
        "hours_since_origin": hours_between(at, ctx.origin_at),
    }


def first_participants(ctx: Context, n: int = FIRST_N) -> list[dict]:
    j = ctx.joiners.filter(ctx.joiners.first_part_at.notnull())
    order = ["first_part_at", "author_id"]
    # the first n before their accounts (one row each): joining every participant's account
    # to keep n of them cost 0.4 s at 10M posts
    first = _with_accounts(ctx, j.order_by(order).limit(n)).order_by(order)
    return [{"rank": i, **_person(ctx, r, "first_part_at")}
            for i, r in enumerate(first.to_pyarrow().to_pylist(), 1)]


def notable_joiners(ctx: Context, limit: int = NOTABLE_MAX) -> list[dict]:
    """Public figures in order of their first matching post (reposts count: amplifying is
    joining for someone with a million followers)."""
    j = _with_accounts(ctx, ctx.joiners)
    notable = j.filter(ctx.public_figure_filter(j)).order_by(["first_at", "author_id"])
    notable = notable.limit(limit)
    out = []
    for r in notable.to_pyarrow().to_pylist():
        person = _person(ctx, r, "first_at")
        out.append({**person, "author_id": r["author_id"], "verified": bool(r["verified"]),
                    "followers": r["followers"],
                    "as": "participant" if r["first_part_at"] is not None else "amplifier"})
    return out


def languages(ctx: Context) -> list[dict]:
    m = ctx.matched.filter(ctx.matched.created_at.notnull())
    m = m.mutate(day=m.created_at.truncate("D"), lang=m.lang.fill_null("und"))
    # the accounts: the people a language's day describes (what suppression decides by)
    out = rows(m.group_by(["day", "lang"]).aggregate(posts=m.count(),
                                                     accounts=m.author_id.nunique())
               .order_by(["day", ibis.desc("posts"), "lang"]))
    for r in out:
        r["day"] = r["day"][:10]
    return out


def variants(ctx: Context) -> list[dict]:
    if ctx.campaign is None:
        return []
    tags = ctx.campaign.tags
    tagged = ctx.carrying(tags)
    # one row per post and tag (post_hashtags keys are unique): a count, not a distinct count
    stats = {r["tag"]: r for r in tagged.group_by("tag").aggregate(
        posts=tagged.count(), accounts=tagged.author_id.nunique(),
        first_post_at=tagged.created_at.min()).to_pyarrow().to_pylist()}
    hashtags = ctx.tables.post_hashtags
    any_tag = ctx.within(tags).semi_join(hashtags.filter(hashtags.tag.isin(list(tags))),
                                         ctx.key).count().to_pyarrow().as_py() or 0
    langs = {ctx.campaign.main_tag: None, **{v.tag: v.lang for v in ctx.campaign.variants}}
    out = []
    for tag, lang in langs.items():
        s = stats.get(tag, {"posts": 0, "accounts": 0, "first_post_at": None})
        out.append({"tag": tag, "lang": lang, "main": tag == ctx.campaign.main_tag,
                    "first_post_at": iso(s["first_post_at"]),
                    "hours_since_origin": hours_between(s["first_post_at"], ctx.origin_at),
                    "posts": s["posts"], "accounts": s["accounts"],
                    "share": round(s["posts"] / any_tag, 6) if any_tag else None})
    return out


def compute(ctx: Context, first_n: int = FIRST_N, notable_max: int = NOTABLE_MAX) -> dict:
    return {
        "first_participants": first_participants(ctx, first_n),
        "notable_joiners": notable_joiners(ctx, notable_max),
        "variants": variants(ctx),
        "languages": languages(ctx),
    }


METRIC = Metric(
    name="spread",
    title="Spread",
    description="The first participants (pseudonymous unless public figures); notable "
    "joiners (public figures) in order of their first matching post with time since the "
    "origin and followers; each variant tag's first appearance, volume and share; "
    "languages per day.",
    needs=("posts", "post_hashtags", "accounts"),
    compute=compute,
    order=30,
    options=(Option("first_n", FIRST_N, "participants listed"),
             Option("notable_max", NOTABLE_MAX, "public figures listed")),
    sections=(sections.joiners, sections.languages_and_variants),
    cells=(
        Cells("variants", {"posts": "accounts", "accounts": None}, key=("tag",),
              derived={"share": ("posts",)},
              times={"first_post_at": "accounts", "hours_since_origin": "accounts"}),
        # a day's languages add up to the day's posts (magnitude's daily series)
        Cells("languages", {"posts": "accounts", "accounts": None}, key=("day", "lang"),
              groups=("day",), adds_up={"posts": Ref("magnitude", "daily", "posts")}),
    ),
    persons=(Persons("first_participants"), Persons("notable_joiners")),
)
