"""The call to action on the page: the origin post (its text only if a public figure wrote
it), its direct replies per hour by what they carried, and the depth of its thread."""

from __future__ import annotations

from datetime import datetime

import ibis

from groundswell.metrics import figures as f
from groundswell.metrics.cells import Cells, Sum
from groundswell.metrics.page import Chart, Page, Prose, Section, esc, num, when
from groundswell.metrics.suppress import suppress_rows
from groundswell.scope import Context, iso, phrase_pattern

REPLY_KINDS = {"phrase and tag": "#f58518", "phrase only": "#ffbf79", "tag only": "#4c78a8",
               "neither": f.OTHER}
#: Replies per hour by what they carried, by the repliers behind each (``accounts``); each
#: kind adds up over the hours, an hour's kinds to its replies.
REPLY_CELLS = Cells("", {k: f"accounts.{k}" for k in REPLY_KINDS}, key=("hour",), groups=(),
                    adds_up=dict.fromkeys(REPLY_KINDS), sums=(Sum(None, *REPLY_KINDS),),
                    hidden=("accounts",))
#: Posts at each depth of the thread: no better bound on their people than their number.
LEVEL_CELLS = Cells("", {"posts": None}, key=("depth",), groups=(), adds_up={"posts": None})


# -- what only the page asks ------------------------------------------------------------------
def replies_per_hour(ctx: Context) -> list[dict]:
    """Direct replies to the origin post(s) per UTC hour, split by what they carried, suppressed
    under the campaign's policy (only the page shows them)."""
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
        replies.author_id, hour=replies.created_at.truncate("h"), said=said,
        tagged=tagged.tagged.fill_null(False))
    per = flagged.group_by(["hour", "said", "tagged"]).aggregate(
        n=flagged.count(), a=flagged.author_id.nunique())
    out: dict[datetime, dict] = {}
    for r in per.to_pyarrow().to_pylist():
        key = ("phrase and tag" if r["said"] and r["tagged"] else "phrase only" if r["said"]
               else "tag only" if r["tagged"] else "neither")
        row = out.setdefault(r["hour"], {**dict.fromkeys(REPLY_KINDS, 0),
                                         "accounts": dict.fromkeys(REPLY_KINDS, 0)})
        row[key] += r["n"]
        row["accounts"][key] += r["a"]
    found = [{"hour": iso(h), **out[h]} for h in sorted(out)]
    return suppress_rows(found, REPLY_CELLS, ctx.policy)


def thread_levels(ctx: Context) -> list[dict]:
    """Posts at each depth of the reply tree under the origin (1 = direct replies), suppressed
    under the campaign's policy."""
    camp = ctx.campaign
    if camp is None or not camp.origin_post_ids:
        return []
    forest = ctx.reply_forest
    counts: dict[int, int] = {}
    for origin in camp.origin_post_ids:
        for depth, posts in enumerate(forest.levels(origin), start=1):
            counts[depth] = counts.get(depth, 0) + posts
    found = [{"depth": d, "posts": n} for d, n in sorted(counts.items())]
    return suppress_rows(found, LEVEL_CELLS, ctx.policy)


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
    public = ctx.is_public_figure(r["followers"], r["verified"], r["handle"])
    return {"author": ctx.name(r["platform"], r["author_id"], r["handle"], r["followers"],
                               r["verified"]),
            "public_figure": public, "created_at": iso(r["created_at"]),
            "followers": r["followers"] if public else None,
            "text": r["text"] if public else None}


# -- the section --------------------------------------------------------------------------------
def section(page: Page) -> Section:
    cta = page.results["call_to_action"] or {}
    origin_at = page.result("magnitude", {}).get("origin_at")
    return Section("call-to-action", "The call to action", (
        Prose(_origin_block(origin_post(page.ctx))),
        Prose(f'<p>{num(cta.get("replies"))} direct replies from {num(cta.get("repliers"))} '
              f'accounts;\n{num(cta.get("replies_with_phrase"))} say the phrase, '
              f'{num(cta.get("replies_with_tag"))} carry a\ncampaign tag. The whole thread '
              f'below it holds {num(cta.get("thread_size"))} posts, down to\n'
              f'{num(cta.get("thread_depth"))} replies deep.</p>'),
        Chart("cta-replies", replies_chart(replies_per_hour(page.ctx), origin_at),
              "Direct replies to the call-to-action post, by whether they carry the campaign "
              "phrase, a campaign tag, both or neither.",
              "no replies to the call to action in the store"),
        Chart("cta-depth", depth_chart(thread_levels(page.ctx)),
              "Every post below the call to action by reply links, by how many replies down "
              "it sits.", "no thread"),
    ))


def _origin_block(o: dict | None) -> str:
    if not o:
        return '<p class="empty">(the call-to-action post is not in the store)</p>'
    who = (f"{esc(o['author'])} ({o['followers']:,} followers)" if o["public_figure"]
           and o.get("followers") else esc(o["author"]))
    text = (f'<blockquote>{esc(o["text"])}</blockquote>' if o.get("text") else
            "<p><small>(its author is not a public figure, so the post's text is not shown)"
            "</small></p>")
    return f"<p>Posted by {who} at {esc(when(o['created_at']))}.</p>{text}"


# -- charts -------------------------------------------------------------------------------------
def replies_chart(per_hour: list[dict], origin: str | None):
    if not per_hour:
        return None
    fig = f.figure("Direct replies to the call to action per hour, by what they carried",
                   f.HOUR_AXIS, "direct replies per hour (posts)")
    x = [f.t(r["hour"]) for r in per_hour]
    for key, color in REPLY_KINDS.items():
        fig.add_bar(x=x, y=f.numbers([r[key] for r in per_hour]), name=key,
                    marker={"color": color},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} replies: " + key
                                  + "<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0)
    f.origin_line(fig, origin)
    return fig


def depth_chart(levels: list[dict]):
    if not levels:
        return None
    fig = f.figure("The call-to-action thread: posts at each depth of the reply tree",
                   "depth below the call to action (reply levels; 1 = direct reply)",
                   "posts at that depth (posts)", height=360)
    fig.add_bar(x=[r["depth"] for r in levels], y=f.numbers([r["posts"] for r in levels]),
                marker={"color": f.PARTICIPANTS}, name="posts",
                text=[num(r["posts"]) for r in levels], textposition="outside",
                hovertemplate="depth %{x}: %{y:,} posts<extra></extra>")
    fig.update_xaxes(dtick=1)
    fig.update_layout(showlegend=False)
    return fig
