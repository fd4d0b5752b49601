"""Magnitude: how many posts and how many people, how fast, and when it peaked.

*Participants* authored a matching original, reply or quote: they spoke. *Amplifiers* only
reposted matching posts. The distinction is the campaign's own: "me too" counts people who
said it, not people who passed it on.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from groundswell.metrics import Metric
from groundswell.metrics.cells import Cells, Ref, Sum
from groundswell.metrics.page import Panel
from groundswell.metrics.sections import magnitude as sections
from groundswell.schema import KINDS
from groundswell.scope import Context, hours_between, iso, scalar

MILESTONES = (1_000, 10_000, 100_000, 1_000_000)
EARLY_HOURS = 24
EPOCH = datetime(1970, 1, 1)


def _nth_times(table, column: str, ns: tuple[int, ...]) -> dict[int, datetime | None]:
    """Time of the n-th row in time order for each n (None past the last row; ties share a
    time, so the order is immaterial). Per-hour counts say which hour holds the n-th row, and
    only that hour's rows are sorted: a top-n of up to a million rows per milestone cost
    0.8 s of a 10M-post report."""
    dated = table.filter(table[column].notnull())
    hours = dated.group_by(at=dated[column].truncate("h")).aggregate(n=dated.count())
    hours = hours.order_by("at").to_pyarrow().to_pylist()
    found: dict[int, datetime | None] = {}
    before, i = 0, 0  # rows before hour i
    for n in sorted(ns):
        while i < len(hours) and before + hours[i]["n"] < n:
            before += hours[i]["n"]
            i += 1
        if i == len(hours):
            found[n] = None
            continue
        start = hours[i]["at"]
        inside = dated.filter((dated[column] >= start)
                              & (dated[column] < start + timedelta(hours=1)))
        found[n] = scalar(inside.order_by(column).limit(1, offset=n - before - 1)[column].max())
    return found


def series(ctx: Context, unit: str) -> list[dict]:
    """Posts, the accounts that wrote them and new participants per hour or day, with running
    totals (UTC buckets). The accounts are the people a bucket's posts describe: what small-cell
    suppression decides by (:mod:`groundswell.metrics.suppress`)."""
    m = ctx.matched.filter(ctx.matched.created_at.notnull())
    buckets = m.mutate(at=m.created_at.truncate(unit))
    found = buckets.group_by("at").aggregate(n=buckets.count(),
                                             a=buckets.author_id.nunique()).to_pyarrow()
    posts, accounts = {}, {}
    for r in found.to_pylist():
        posts[r["at"]], accounts[r["at"]] = r["n"], r["a"]
    j = ctx.joiners.filter(ctx.joiners.first_part_at.notnull())
    j = j.mutate(at=j.first_part_at.truncate(unit))
    new = {r["at"]: r["n"] for r in
           j.group_by("at").aggregate(n=j.count()).to_pyarrow().to_pylist()}
    return series_rows(posts, accounts, new, unit)


def series_rows(posts: dict, accounts: dict, new: dict, unit: str) -> list[dict]:
    """The series from its counts per bucket start (posts, the accounts behind them, new
    participants), with running totals: shared by :func:`series` and the live state
    (:mod:`groundswell.live`), so the two cannot shape it differently."""
    out, cum_posts, cum_part = [], 0, 0
    label = "hour" if unit == "h" else "day"
    for at in sorted(set(posts) | set(new)):
        cum_posts += posts.get(at, 0)
        cum_part += new.get(at, 0)
        out.append({label: iso(at) if unit == "h" else at.date().isoformat(),
                    "posts": posts.get(at, 0), "new_participants": new.get(at, 0),
                    "accounts": accounts.get(at, 0),
                    "cumulative_posts": cum_posts, "cumulative_participants": cum_part})
    return out


def doubling_time(ctx: Context) -> float | None:
    """Hours for the cumulative post count to double over the first 24 h after the origin.

    Least-squares slope of ln(cumulative posts) against hours since the origin, measured at
    the end of each of the first 24 hours; ``ln 2 / slope``. None if it did not grow.
    """
    origin = ctx.origin_at
    if origin is None:
        return None
    m = ctx.matched
    early = m.filter((m.created_at >= origin)
                     & (m.created_at < origin + timedelta(hours=EARLY_HOURS)))
    origin_epoch = (origin - EPOCH).total_seconds()  # naive UTC, like the store
    offset = ((early.created_at.epoch_seconds() - origin_epoch) / 3600).floor().cast("int64")
    early = early.mutate(k=offset)
    per_hour = {r["k"]: r["n"] for r in early.group_by("k")
                .aggregate(n=early.count()).to_pyarrow().to_pylist()}
    points, total = [], 0
    for k in range(EARLY_HOURS):
        total += per_hour.get(k, 0)
        if total > 0:
            points.append((k + 1.0, math.log(total)))
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in points)
             / sum((x - mean_x) ** 2 for x, _ in points))
    return round(math.log(2) / slope, 2) if slope > 0 else None


def totals(ctx: Context) -> dict:
    """Matching posts by kind, the accounts behind them (participants and amplifiers), and
    the first and last post: the counter, in the report as on the dashboard."""
    return totals_of(_counts(ctx))


def totals_of(counts: dict) -> dict:
    """The counter from :func:`_counts`'s numbers (times as ISO text); the live state
    (:mod:`groundswell.live`) hands in the same numbers from its running totals."""
    return {**counts, "first_post": iso(counts["first_post"]),
            "last_post": iso(counts["last_post"])}


def _counts(ctx: Context) -> dict:
    m = ctx.matched
    found = m.aggregate(
        posts=m.count(), first_post=m.created_at.min(), last_post=m.created_at.max(),
        without_author=m.author_id.isnull().sum(),
    ).to_pyarrow().to_pylist()[0]
    by_kind, accounts_by_kind = dict.fromkeys(KINDS, 0), dict.fromkeys(KINDS, 0)
    for row in m.group_by("kind").aggregate(n=m.count(), a=m.author_id.nunique()
                                            ).to_pyarrow().to_pylist():
        by_kind[row["kind"]] = row["n"]
        accounts_by_kind[row["kind"]] = row["a"]
    j = ctx.joiners
    # accounts from the joiners (one row per account, already cached): a distinct count over
    # every matching post hashed them all again
    people = j.aggregate(accounts=j.author_id.count(), participants=j.first_part_at.count(),
                         amplifiers=j.first_part_at.isnull().sum()).to_pyarrow().to_pylist()[0]
    return {
        "posts": found["posts"],
        "posts_by_kind": by_kind,
        "accounts_by_kind": accounts_by_kind,
        "accounts": people["accounts"],
        "participants": people["participants"] or 0,
        "amplifiers": int(people["amplifiers"] or 0),
        # rows of hand-made tables may name no author: posts, but nobody's
        "posts_without_author": int(found["without_author"] or 0),
        "first_post": found["first_post"],
        "last_post": found["last_post"],
    }


def platform_split(ctx: Context) -> list[dict]:
    """Posts by kind and people, per platform (busiest first). Accounts are never merged
    across platforms: one person on two platforms is two accounts, so the platforms'
    accounts add up to the campaign's. ``accounts_by_kind`` (the people behind each kind's
    posts) is there for small-cell suppression to decide by, and left out of outputs."""
    m = ctx.matched
    kinds = m.group_by(["platform", "kind"]).aggregate(
        n=m.count(), a=m.author_id.nunique()).to_pyarrow().to_pylist()
    j = ctx.joiners
    people = j.group_by("platform").aggregate(
        accounts=j.author_id.count(), participants=j.first_part_at.count(),
        amplifiers=j.first_part_at.isnull().sum()).to_pyarrow().to_pylist()
    return platform_rows(kinds, people)


def platform_rows(kinds: list[dict], people: list[dict]) -> list[dict]:
    """The platform split from its counts: ``kinds`` rows (platform, kind, ``n`` posts, ``a``
    accounts), ``people`` rows (platform, accounts, participants, amplifiers). Shared with the
    live state, like :func:`series_rows`."""
    rows: dict[str, dict] = {}
    def blank(platform: str) -> dict:
        return {"platform": platform, "posts": 0, **dict.fromkeys(KINDS, 0),
                "accounts_by_kind": dict.fromkeys(KINDS, 0)}

    for r in kinds:
        row = rows.setdefault(r["platform"], blank(r["platform"]))
        row["posts"] += r["n"]
        row[r["kind"]] = r["n"]
        row["accounts_by_kind"][r["kind"]] = r["a"]
    for r in people:
        row = rows.setdefault(r["platform"], blank(r["platform"]))
        row.update(accounts=r["accounts"], participants=r["participants"] or 0,
                   amplifiers=int(r["amplifiers"] or 0))
    return sorted(rows.values(), key=lambda r: (-r["posts"], r["platform"]))


def milestones(ctx: Context, first_post: datetime | None) -> tuple[list[dict], dict]:
    """When the 1k-th, 10k-th… post and participant arrived (hours from the origin), and
    the hours from the first post to each posts milestone."""
    found, hours_to_posts = [], {}
    origin = ctx.origin_at
    for what, table, column in (("posts", ctx.matched, "created_at"),
                                ("participants", ctx.joiners, "first_part_at")):
        reached = _nth_times(table, column, MILESTONES)
        for n in MILESTONES:
            at = reached[n]
            found.append({"metric": what, "count": n, "reached_at": iso(at),
                          "hours_from_origin": hours_between(at, origin)})
            if what == "posts":
                hours_to_posts[str(n)] = hours_between(at, first_post)
    return found, hours_to_posts


def compute(ctx: Context) -> dict:
    counts = _counts(ctx)
    hourly = series(ctx, "h")
    peak = min(hourly, key=lambda r: (-r["posts"], r["hour"])) if hourly else None
    reached, hours_to_posts = milestones(ctx, counts["first_post"])
    return {
        "campaign": ctx.campaign.name if ctx.campaign else None,
        "tags": list(ctx.scope.tags),
        "posts": counts["posts"],
        "posts_by_kind": counts["posts_by_kind"],
        "accounts_by_kind": counts["accounts_by_kind"],
        "accounts": counts["accounts"],
        "participants": counts["participants"],
        "amplifiers": counts["amplifiers"],
        "posts_without_author": counts["posts_without_author"],
        "origin_at": iso(ctx.origin_at),
        "first_post": iso(counts["first_post"]),
        "last_post": iso(counts["last_post"]),
        "peak_hour": peak["hour"] if peak else None,
        "peak_hour_posts": peak["posts"] if peak else 0,
        "peak_hour_accounts": peak["accounts"] if peak else 0,
        "hours_to_posts": hours_to_posts,
        "milestones": reached,
        "doubling_time_hours": doubling_time(ctx),
        "platforms": platform_split(ctx),
        "daily": series(ctx, "D"),
        "hourly": hourly,
    }


# -- what suppression needs to know (groundswell.metrics.cells) --------------------------------
KIND_POSTS = tuple(f"posts_by_kind.{k}" for k in KINDS)
AUTHORED = tuple(k for k in KINDS if k != "repost")
#: The counter's counts: posts by the accounts behind them, each kind by its own accounts;
#: accounts, participants and amplifiers count people. Posts are their kinds; accounts are
#: participants and amplifiers; the authored kinds are what the roles metric publishes.
TOTAL_COUNTS: dict[str, str | None] = {
    "posts": "accounts", "accounts": None, "participants": None, "amplifiers": None,
    "posts_without_author": None,
    **{f"posts_by_kind.{k}": f"accounts_by_kind.{k}" for k in KINDS},
    **{f"accounts_by_kind.{k}": None for k in KINDS}}
TOTAL_SUMS = (Sum("posts", *KIND_POSTS), Sum("accounts", "participants", "amplifiers"),
              Sum(None, *(f"posts_by_kind.{k}" for k in AUTHORED)))
TOTAL_TIMES = {"first_post": "accounts", "last_post": "accounts"}
SERIES_COUNTS: dict[str, str | None] = {"posts": "accounts", "accounts": None,
                                        "new_participants": None}
CUMULATIVE = {"cumulative_posts": "posts", "cumulative_participants": "new_participants"}
ROW_COUNTS: dict[str, str | None] = {
    "posts": "accounts", **{k: f"accounts_by_kind.{k}" for k in KINDS}, "accounts": None,
    "participants": None, "amplifiers": None}
ROW_SUMS = (Sum("posts", *KINDS), Sum("accounts", "participants", "amplifiers"),
            Sum(None, *AUTHORED))
#: A platform row's field and the counter's field it adds up to.
ROW_TOTALS = {"posts": "posts", **{k: f"posts_by_kind.{k}" for k in KINDS},
              "accounts": "accounts", "participants": "participants", "amplifiers": "amplifiers"}


def _day(row: dict) -> dict:
    return {"day": (row.get("hour") or "")[:10]}


CELLS = (
    Cells("", {**TOTAL_COUNTS, "peak_hour_posts": "peak_hour_accounts",
               "peak_hour_accounts": None},
          sums=TOTAL_SUMS, times={**TOTAL_TIMES, "peak_hour": "peak_hour_accounts"},
          same={"peak_hour_posts": Ref("magnitude", "hourly", "posts",
                                       match={"hour": "peak_hour"}),
                "peak_hour_accounts": Ref("magnitude", "hourly", "accounts",
                                          match={"hour": "peak_hour"})},
          platforms=tuple(TOTAL_COUNTS)),
    # the days add up to the totals (the last running totals are them)
    Cells("daily", SERIES_COUNTS, key=("day",), series=True, cumulative=CUMULATIVE, groups=(),
          adds_up={"posts": Ref("magnitude", "", "posts"),
                   "new_participants": Ref("magnitude", "", "participants")}),
    Cells("hourly", SERIES_COUNTS, key=("hour",), series=True, cumulative=CUMULATIVE,
          groups=_day, adds_up={"posts": Ref("magnitude", "daily", "posts"),
                                "new_participants": Ref("magnitude", "daily",
                                                        "new_participants")}),
    Cells("platforms", ROW_COUNTS, key=("platform",), groups=(),
          adds_up={f: Ref("magnitude", "", t) for f, t in ROW_TOTALS.items()},
          sums=ROW_SUMS, same={f: Ref("magnitude", "", t, scope="platform")
                               for f, t in ROW_TOTALS.items()},
          platforms=False, hidden=("accounts_by_kind",)),
)
SUMMARY_CELLS = (Cells("", TOTAL_COUNTS, sums=TOTAL_SUMS, times=TOTAL_TIMES),)
CURVE_CELLS = (Cells("points", SERIES_COUNTS, key=("hour",), series=True,
                     cumulative=CUMULATIVE, groups=(),
                     adds_up={"posts": Ref("summary", "", "posts"),
                              "new_participants": Ref("summary", "", "participants")}),)
PLATFORM_CELLS = (Cells("rows", ROW_COUNTS, key=("platform",), groups=(),
                        adds_up={f: Ref("summary", "", t) for f, t in ROW_TOTALS.items()},
                        sums=ROW_SUMS, hidden=("accounts_by_kind",)),)


METRIC = Metric(
    name="magnitude",
    title="Magnitude",
    description="Matching posts by kind; accounts, participants (spoke) and amplifiers "
    "(only reposted), in all and per platform; peak hour; milestones from the origin to "
    "1k/10k/100k/1M posts and participants; doubling time over the first 24 h; hourly and "
    "daily series.",
    needs=("posts", "post_hashtags"),
    compute=compute,
    order=10,
    console_hidden=("hourly",),
    json_top_level=True,
    sections=(sections.lead, sections.growth, sections.platforms, sections.people),
    panels=(
        Panel("summary", "Counter: posts, accounts, participants, amplifiers", "counter",
              totals, cells=SUMMARY_CELLS),
        Panel("cumulative", "Curve: hourly and cumulative posts and participants (UTC)",
              "curve", lambda ctx: {"points": series(ctx, "h")}, cells=CURVE_CELLS),
        Panel("platforms", "Platforms: posts and people on each (accounts never merged)",
              "rows", lambda ctx: {"rows": platform_split(ctx)}, cells=PLATFORM_CELLS),
    ),
    cells=CELLS,
)

