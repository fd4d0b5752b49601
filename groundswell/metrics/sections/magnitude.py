"""Magnitude on the page: the headline and key figures that open it, the growth curves with
their milestones, and participants against amplifiers.

The page shows published results (small cells ``"<k"``, complements withheld); what only the
page computes (the first day's joiners, amplifiers per hour) is suppressed here under the
same policy (``page.ctx.policy``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from groundswell.metrics import figures as f
from groundswell.metrics.cells import Cells
from groundswell.metrics.page import Chart, Page, Prose, Rows, Section, esc, num, when
from groundswell.metrics.suppress import suppress_rows
from groundswell.policy import Policy
from groundswell.scope import Context, iso

EARLY_HOURS = 24


# -- what only the page asks ------------------------------------------------------------------
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
            "joined": int(row["joined"] or 0), "amplified": int(row["amplified"] or 0)}


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


#: Amplifiers joining per hour: people, adding up to the published amplifiers.
AMPLIFIER_CELLS = Cells("", {"amplifiers": None}, key=("hour",), groups=(),
                        adds_up={"amplifiers": None})


def published_joiners(ctx: Context, hourly: list[dict]) -> list[dict]:
    """Accounts joining per hour as the page may show them: participants are the published
    hourly series' new participants (the same people, suppressed once), amplifiers are
    suppressed here."""
    participants = {r["hour"]: r.get("new_participants", 0) for r in hourly}
    rows = [{"hour": r["hour"], "amplifiers": r["amplifiers"]} for r in joiners_per_hour(ctx)]
    amplifiers = {r["hour"]: r["amplifiers"] for r in
                  suppress_rows(rows, AMPLIFIER_CELLS, ctx.policy)}
    return [{"hour": h, "participants": participants.get(h, 0),
             "amplifiers": amplifiers.get(h, 0)}
            for h in sorted(set(participants) | set(amplifiers))]


def published_headline(ctx: Context) -> dict:
    """:func:`early_joiners` with each number of people shown as ``"<k"`` when small."""
    found = early_joiners(ctx)
    return {**found, "joined": shown(found["joined"], ctx.policy),
            "amplified": shown(found["amplified"], ctx.policy)}


def shown(people: int, policy: Policy) -> int | str:
    """A count of people, or ``"<k"`` when it describes too few of them."""
    return policy.shown_small if policy.small(people) else people


# -- sections -----------------------------------------------------------------------------------
def lead(page: Page) -> Section:
    """The sentence that says what happened, the summary and the key figures."""
    mag = page.results["magnitude"]
    cta = page.result("call_to_action") or {}
    h = published_headline(page.ctx)
    tag = f"#{page.main_tag}" if page.main_tag else "the campaign"
    headline = (f'<p class="headline" id="headline" data-joined="{esc(h["joined"])}" '
                f'data-amplified="{esc(h["amplified"])}" data-hours="{h["hours"]}">'
                f'<b>{esc(num(h["joined"]))}</b> accounts joined {esc(tag)} in the first '
                f'{h["hours"]} hours; <b>{esc(num(h["amplified"]))}</b> more amplified it.</p>')
    return Section("lead", "Summary", (Prose(headline + _summary(mag, cta, h)
                                             + _cards(mag, cta)),), lead=True)


def _summary(mag: dict, cta: dict, h: dict) -> str:
    doubling = mag.get("doubling_time_hours")
    posts_1k = (mag.get("hours_to_posts") or {}).get("1000")
    def b(key: str) -> str:
        return f"<b>{esc(num(mag.get(key)))}</b>"

    parts = [
        f"In all, {b('posts')} matching posts by {b('accounts')} accounts "
        f"from {esc(when(mag.get('first_post')))} to {esc(when(mag.get('last_post')))}: "
        f"{b('participants')} participants posted, replied or quoted, and "
        f"{b('amplifiers')} amplifiers only reposted.",
    ]
    if h.get("cutoff"):
        parts.append(f"The first {h['hours']} hours run from the call to action "
                     f"({esc(when(h['origin_at']))}) to {esc(when(h['cutoff']))}.")
    if posts_1k is not None:
        parts.append(f"It took {posts_1k:g} hours to reach 1,000 posts.")
    if doubling is not None:
        parts.append(f"Over the first day the post count doubled every {doubling:g} hours.")
    if cta.get("replies"):
        parts.append(f"The call to action drew {esc(num(cta['replies']))} direct replies from "
                     f"{esc(num(cta.get('repliers')))} accounts.")
    return f'<p class="summary">{" ".join(parts)}</p>'


def _cards(mag: dict, cta: dict) -> str:
    items = [("matching posts", num(mag["posts"])), ("accounts", num(mag["accounts"])),
             ("participants", num(mag["participants"])),
             ("amplifiers", num(mag["amplifiers"])),
             ("busiest hour (UTC)", when(mag.get("peak_hour")).removesuffix(" UTC")),
             ("posts in busiest hour", num(mag.get("peak_hour_posts"))),
             ("early doubling time", f"{num(mag.get('doubling_time_hours'))} h"),
             ("replies to the call to action", num(cta.get("replies")))]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v in items) + "</div>"


def growth(page: Page) -> Section:
    mag = page.results["magnitude"]
    bursts = page.result("bursts") or {}
    main = page.main_tag
    declared = list(page.campaign.response_tags) if page.campaign else []
    responses = [tag for tag in bursts if tag != main]
    # the main tag and the declared response tags (the detector's extra response tags get
    # their own panels under Response tags)
    shaded = [x for x in [main, *(declared or responses[:1])] if x in bursts]
    quiet = [x for x in shaded if not bursts[x].get("bursts")]
    milestones = [m for m in mag.get("milestones", []) if m.get("reached_at")]
    return Section("growth", "Growth", (
        Chart("cumulative", cumulative(mag),
              "Running totals at the end of each UTC hour. Diamonds mark when the 1k-th, "
              "10k-th, … post and participant arrived, with hours since the call to action.",
              "no hourly series"),
        Chart("hourly", hourly(mag, {tag: bursts[tag] for tag in shaded}, main),
              _hourly_caption(shaded, quiet), "no hourly series"),
        Prose("<h3>Milestones</h3>"),
        Rows(milestones, [("metric", "of"), ("count", "n-th"), ("reached_at", "reached"),
                          ("hours_from_origin", "hours after the call to action")],
             "no milestone reached"),
    ))


def _hourly_caption(tags: list[str], quiet: list[str]) -> str:
    if not tags:
        return "Posts and new participants per UTC hour (no campaign tag: no bursts shaded)."
    text = ("Shaded bands: bursts (Kleinberg's two-state automaton over the tag's hourly "
            "share of all posts) of " + " and ".join(f"#{x}" for x in tags))
    if quiet:
        text += " (none found for " + ", ".join(f"#{x}" for x in quiet) + ")"
    return text + ". Every response tag's bursts: under Response tags."


def platforms(page: Page) -> Section | None:
    """Where the campaign happened, when it happened on more than one platform."""
    rows = page.results["magnitude"].get("platforms") or []
    if len(rows) < 2:
        return None
    return Section("platforms", "Platforms", (
        Chart("platforms", platforms_chart(rows),
              "Matching posts, participants and amplifiers on each platform. Accounts are "
              "never merged across platforms: one person posting on two platforms counts as "
              "two accounts.", "no posts"),
        Rows(rows, [("platform", "platform"), ("posts", "posts"), ("original", "originals"),
                    ("reply", "replies"), ("quote", "quotes"), ("repost", "reposts"),
                    ("accounts", "accounts"), ("participants", "participants"),
                    ("amplifiers", "amplifiers")]),
    ))


def people(page: Page) -> Section:
    mag = page.results["magnitude"]
    spread = page.result("spread") or {}
    return Section("people", "Participants and amplifiers", (
        Chart("roles", roles(published_joiners(page.ctx, mag.get("hourly") or []), mag),
              "Participants posted a matching original, reply or quote; amplifiers only "
              "reposted. Each account counted once, in the hour it joined.", "no accounts"),
        Chart("kinds", kinds(mag.get("posts_by_kind", {})),
              "Reposts are amplification; originals, replies and quotes are participation.",
              "no posts"),
        Prose("<h3>The first participants</h3>\n<p><small>Private individuals appear as keyed "
              "pseudonyms (<code>acct-…</code>), stable within this store and meaningless "
              "without its key; public figures by handle.</small></p>"),
        Rows(spread.get("first_participants", []),
             [("rank", "#"), ("account", "account"), ("first_post_at", "first participation"),
              ("hours_since_origin", "hours after the call to action")]),
    ))


# -- charts -------------------------------------------------------------------------------------
def cumulative(magnitude: dict):
    """Cumulative posts and participants per hour, with the milestones marked."""
    rows = magnitude.get("hourly") or []
    if not rows:
        return None
    fig = f.figure("Cumulative matching posts and participants, with milestones",
                   f.HOUR_AXIS, "cumulative total (posts or accounts)")
    x = [f.t(r["hour"]) for r in rows]
    fig.add_scatter(x=x, y=f.numbers([r["cumulative_posts"] for r in rows]), mode="lines",
                    name="posts", line={"color": f.POSTS, "width": 2, "shape": "hv"},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts<extra></extra>")
    fig.add_scatter(x=x, y=f.numbers([r["cumulative_participants"] for r in rows]),
                    mode="lines",
                    name="participants (accounts that posted, replied or quoted)",
                    line={"color": f.PARTICIPANTS, "width": 2, "shape": "hv"},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} participants"
                                  "<extra></extra>")
    for metric, color in (("posts", f.POSTS), ("participants", f.PARTICIPANTS)):
        reached = [m for m in magnitude.get("milestones", [])
                   if m["metric"] == metric and m["reached_at"]]
        if not reached:
            continue
        labels = [f"{f.thousands(m['count'])} {metric} · {m['hours_from_origin']:g} h"
                  for m in reached]
        fig.add_scatter(
            x=[f.t(m["reached_at"]) for m in reached], y=[m["count"] for m in reached],
            mode="markers", name=f"milestones: {metric}", text=labels,
            marker={"symbol": "diamond", "size": 11, "color": color,
                    "line": {"color": "white", "width": 1}},
            hovertemplate="%{text}<br>reached %{x|%Y-%m-%d %H:%M} UTC<extra></extra>")
        for i, (m, label) in enumerate(zip(reached, labels, strict=True)):
            # staggered call-outs: early milestones crowd the first hours
            fig.add_annotation(
                x=f.t(m["reached_at"]), y=m["count"], text=label, showarrow=True,
                arrowhead=0, arrowwidth=1, arrowcolor=color, font={"size": 11, "color": color},
                ax=45 + (110 if metric == "participants" else 0),
                ay=-(28 + 24 * i) if metric == "posts" else -(14 + 24 * i),
                xanchor="left", bgcolor="rgba(255,255,255,0.8)")
    f.origin_line(fig, magnitude.get("origin_at"))
    return fig


def hourly(magnitude: dict, bursts: dict[str, dict], main_tag: str | None):
    """Posts and new participants per hour; bursts of the main and response tags shaded."""
    rows = magnitude.get("hourly") or []
    if not rows:
        return None
    fig = f.figure("Matching posts and new participants per hour; burst intervals shaded",
                   f.HOUR_AXIS, "count per hour (posts or accounts)")
    x = [f.t(r["hour"]) for r in rows]
    fig.add_bar(x=x, y=f.numbers([r["posts"] for r in rows]), name="posts per hour",
                marker={"color": f.POSTS}, opacity=0.75,
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} posts<extra></extra>")
    fig.add_scatter(x=x, y=f.numbers([r["new_participants"] for r in rows]), mode="lines",
                    name="new participants per hour", line={"color": f.PARTICIPANTS},
                    hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} new participants"
                                  "<extra></extra>")
    peak, peak_posts = magnitude.get("peak_hour"), f.number(magnitude.get("peak_hour_posts"))
    if peak and peak_posts is not None:
        fig.add_annotation(x=f.t(peak), y=peak_posts, text=f"peak: {peak_posts:,} posts",
                           showarrow=True, arrowhead=2, ax=40, ay=-30, font={"size": 11})
    f.shade_bursts(fig, bursts, main_tag)
    f.origin_line(fig, magnitude.get("origin_at"))
    fig.update_layout(bargap=0)
    return fig


def roles(per_hour: list[dict], totals: dict):
    """Accounts joining per hour: participants (spoke) vs amplifiers (only reposted)."""
    if not per_hour:
        return None
    fig = f.figure("Accounts joining per hour: participants vs amplifiers", f.HOUR_AXIS,
                   "accounts joining per hour (accounts)")
    x = [f.t(r["hour"]) for r in per_hour]
    fig.add_bar(x=x, y=f.numbers([r["participants"] for r in per_hour]),
                marker={"color": f.PARTICIPANTS},
                name=f"participants: first original, reply or quote "
                     f"({num(totals.get('participants', 0))} in all)",
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} participants<extra></extra>")
    fig.add_bar(x=x, y=f.numbers([r["amplifiers"] for r in per_hour]),
                marker={"color": f.AMPLIFIERS},
                name=f"amplifiers: only reposted, by first repost "
                     f"({num(totals.get('amplifiers', 0))} in all)",
                hovertemplate="%{x|%Y-%m-%d %H:00} UTC<br>%{y:,} amplifiers<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0)
    return fig


def platforms_chart(rows: list[dict]):
    """Posts, participants and amplifiers per platform, side by side."""
    fig = f.figure("Matching posts and people per platform", "platform (category)",
                   "count (posts or accounts)", height=380)
    names = [r["platform"] for r in rows]
    for key, color in (("posts", f.POSTS), ("participants", f.PARTICIPANTS),
                       ("amplifiers", f.AMPLIFIERS)):
        fig.add_bar(x=names, y=f.numbers([r.get(key, 0) for r in rows]), name=key,
                    marker={"color": color},
                    hovertemplate="%{x}: %{y:,} " + key + "<extra></extra>")
    fig.update_layout(barmode="group")
    return fig


def kinds(posts_by_kind: dict):
    if not posts_by_kind or not any(f.number(v) for v in posts_by_kind.values()):
        return None
    fig = f.figure("Matching posts by kind", "kind of post (category)",
                   "matching posts (posts)", height=360)
    names = list(posts_by_kind)
    colors = [f.AMPLIFIERS if k == "repost" else f.PARTICIPANTS for k in names]
    fig.add_bar(x=names, y=f.numbers([posts_by_kind[k] for k in names]),
                marker={"color": colors},
                text=[num(posts_by_kind[k]) for k in names], textposition="outside",
                name="posts", hovertemplate="%{x}: %{y:,} posts<extra></extra>")
    fig.update_layout(showlegend=False)
    return fig
