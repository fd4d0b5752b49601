"""Differentially private magnitude numbers (``report --dp``), released through OpenDP.

Why: suppressing small cells protects one output, but outputs published again and again (a
daily chart, two overlapping campaigns) can be subtracted from each other. Differential
privacy bounds what *any* number of releases reveal about one account, and adds up (the
ledger, :mod:`.ledger`). docs/dp.md says all of this in plain words.

What is released, over the campaign's direct matches (below), each group as one vector of
integer counts with discrete Laplace noise (OpenDP's ``make_laplace`` on ``Vec<i64>`` under
the L1 distance):

============================  =======================================================  ======
group                         count                                                    L1
============================  =======================================================  ======
``daily_posts``               posts per UTC day, of each account's first C posts        C
``daily_new_participants``    accounts whose first authored matching post is that day   1
``platform_posts``            posts per platform, of each account's first C posts       C
``platform_participants``     participants (accounts that authored a matching post)     1
``role_posts``                authored posts among each account's first C, by role      C
``role_participants``         participants by the role of their first authored post     1
============================  =======================================================  ======

The unit of privacy is an account (platform and id: accounts are never merged across
platforms). Adding or removing one account with all its posts changes each vector by at most
its L1 sensitivity: C posts (its first C matching posts, in time order) spread over days,
platforms or roles, or 1 (it is new on one day, on one platform, in one role). Each group
gets an equal share of the release's ε; basic composition makes their sum the release's ε.

Why direct matches only (rules 1 and 2 of :mod:`groundswell.scope.matching`): a repost
matches by rule 3 because *another* account's post matched, so removing one account would
remove every repost of its posts — a contribution no bound on its own posts can limit.
Participants, and everything about roles, come from authored posts, which match only by rules
1 and 2: those numbers are magnitude's own. Daily and per-platform posts leave out the reposts
that lost the tag (rule 3), besides the posts beyond each account's first C.

Why the rules and never a model for roles: a post's role by the transparent rules
(:func:`groundswell.roles.rules.classify`) depends on that post alone; a trained model was
fitted to labelled posts of this store, so one account could change how every other post is
classified.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from groundswell.privacy import ledger

if TYPE_CHECKING:
    from groundswell.campaign import Campaign
    from groundswell.policy import Policy
    from groundswell.scope import Context
    from groundswell.store import Store

#: C: the matching posts of each account that count (its first C, in time order).
DEFAULT_BOUND = 10
#: The error shown beside each number holds with probability 1 - ALPHA.
ALPHA = 0.05
#: Where posts of platforms Groundswell does not know (a hand-made table's) are counted: a
#: platform named only by the data would itself tell that someone posted there.
OTHER_PLATFORM = "other"
MECHANISM = ("discrete Laplace noise on a vector of integer counts (OpenDP make_laplace, "
             "vector_domain(atom_domain(i64)), l1_distance(i64), MaxDivergence: pure ε-DP)")


@dataclass(frozen=True)
class Group:
    """One vector of released counts: what it counts, by what, and what one account adds to
    it at most (``"posts"``: C, ``"accounts"``: 1)."""

    name: str
    by: str  # "day", "platform" or "role"
    unit: str  # "posts" or "accounts"
    counts: str


GROUPS = (
    Group("daily_posts", "day", "posts",
          "matching posts per UTC day, counting each account's first C matching posts"),
    Group("daily_new_participants", "day", "accounts",
          "accounts whose first authored (original, reply, quote) matching post is that day"),
    Group("platform_posts", "platform", "posts",
          "matching posts per platform, counting each account's first C matching posts"),
    Group("platform_participants", "platform", "accounts",
          "participants (accounts that authored a matching post) per platform"),
    Group("role_posts", "role", "posts",
          "authored posts among each account's first C matching posts, by role (rules)"),
    Group("role_participants", "role", "accounts",
          "participants by the role of their first authored matching post (rules)"),
)
GROUP_NAMES = tuple(g.name for g in GROUPS)


@dataclass(frozen=True)
class Days:
    """The days released: a public list, so that which days exist tells nothing."""

    first: date | None
    last: date | None
    source: str
    protected: bool

    @property
    def all(self) -> list[date]:
        if self.first is None or self.last is None or self.last < self.first:
            return []
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def header(self) -> dict:
        return {"from": _day(self.first), "to": _day(self.last), "count": len(self.all),
                "source": self.source, "protected": self.protected}


@dataclass(frozen=True)
class Exact:
    """The exact bounded counts the mechanisms add noise to. Never an output: only
    :func:`noisy` of them leaves this module (tests compare them with SQL)."""

    bound: int
    days: Days
    labels: Mapping[str, tuple[str, ...]]  # "day", "platform", "role" → labels in order
    counts: Mapping[str, tuple[int, ...]]  # group name → one count per label of its ``by``
    role_set: tuple[str, ...]


@dataclass(frozen=True)
class Mechanism:
    """One group's OpenDP measurement and what it costs and promises."""

    group: Group
    sensitivity: int
    scale: float
    epsilon: float  # OpenDP's privacy map at ``sensitivity``
    error95: int  # |noisy - exact| <= error95 with probability >= 1 - ALPHA
    measurement: Any

    def header(self, numbers: int) -> dict:
        return {"group": self.group.name, "counts": self.group.counts, "by": self.group.by,
                "numbers": numbers, "sensitivity": self.sensitivity, "epsilon": self.epsilon,
                "scale": self.scale, "error95": self.error95, "mechanism": MECHANISM}


# -- the exact counts -----------------------------------------------------------------------------
def exact_counts(store: Store, campaign: Campaign | None, *, bound: int = DEFAULT_BOUND,
                 days: tuple[date, date] | None = None) -> Exact:
    """The campaign's bounded counts (see the module), computed from a
    :class:`~groundswell.scope.Context` over the store: its direct matches, with an author."""
    from groundswell.scope import Context, Scope, Tables

    _check_bound(bound)
    ctx = Context(Tables.from_backend(store.ibis), Scope(campaign))
    try:
        return _counted(ctx, bound, days)
    finally:
        ctx.release()


def _counted(ctx: Context, bound: int, given: tuple[date, date] | None) -> Exact:
    import ibis

    direct = ctx.direct
    mine = direct.filter(direct.author_id.notnull())  # a row without an author is nobody
    account = ["platform", "author_id"]
    order = [mine.created_at.isnull(), mine.created_at, mine.post_id]  # undated last
    # cached: three questions read it, and each would sort every matching post again
    ranked = mine.mutate(rank=ibis.row_number().over(group_by=account, order_by=order)).cache()
    try:
        return _tallied(ctx, mine, ranked, bound, given)
    finally:
        ranked.release()


def _tallied(ctx: Context, mine, ranked, bound: int, given: tuple[date, date] | None) -> Exact:
    bounded = ranked.filter(ranked["rank"] < bound)
    authored = mine.filter((mine.kind != "repost") & mine.created_at.notnull())
    first = authored.group_by(["platform", "author_id"]).aggregate(
        first_at=authored.created_at.min())
    span = _days(ctx, mine, given)
    day_labels = tuple(d.isoformat() for d in span.all)
    platforms = _platforms(ctx)
    roles, classified = _roles(ctx, ranked, bound)

    def by_day(table, column: str) -> tuple[int, ...]:
        dated = table.filter(table[column].notnull())
        dated = dated.mutate(day=dated[column].truncate("D"))
        found = {r["day"].date().isoformat(): r["n"] for r in dated.group_by("day").aggregate(
            n=dated.count()).to_pyarrow().to_pylist()}
        return tuple(found.get(d, 0) for d in day_labels)

    def by_platform(table) -> tuple[int, ...]:
        found: Counter[str] = Counter()
        for r in table.group_by("platform").aggregate(n=table.count()).to_pyarrow().to_pylist():
            found[r["platform"] if r["platform"] in platforms else OTHER_PLATFORM] += r["n"]
        return tuple(found[p] for p in platforms)

    counts = {
        "daily_posts": by_day(bounded, "created_at"),
        "daily_new_participants": by_day(first, "first_at"),
        "platform_posts": by_platform(bounded),
        "platform_participants": by_platform(first),
        "role_posts": tuple(classified["posts"][r] for r in roles),
        "role_participants": tuple(classified["people"][r] for r in roles),
    }
    return Exact(bound, span, {"day": day_labels, "platform": platforms, "role": roles},
                 counts, roles)


def _days(ctx: Context, mine, given: tuple[date, date] | None) -> Days:
    """The public list of days: as given; else the campaign's window; else (and for an open
    end of the window) from the first to the last matching post, which the output flags as
    not protected (it tells that someone posted on those two days)."""
    from groundswell.scope import scalar

    if given is not None:
        first, last = given
        if last < first:
            raise ValueError(f"the days end ({last}) before they start ({first})")
        return Days(first, last, "given", True)
    camp = ctx.campaign
    start = camp.start.date() if camp and camp.start else None
    end = (camp.end - timedelta(microseconds=1)).date() if camp and camp.end else None
    if start and end:
        return Days(start, end, "campaign window", True)
    dated = mine.filter(mine.created_at.notnull())
    low = start or _date(scalar(dated.created_at.min()))
    high = end or _date(scalar(dated.created_at.max()))
    source = ("campaign window start, last matching post" if start else
              "first matching post, campaign window end" if end else
              "first to last matching post")
    return Days(low, high, source, False)


def _platforms(ctx: Context) -> tuple[str, ...]:
    """Every platform Groundswell knows (a fixed, public list) and ``other``; with a scope
    on one platform, that one."""
    from groundswell.campaign import PLATFORMS

    if ctx.scope.platform is not None:
        return (ctx.scope.platform,)
    return (*PLATFORMS, OTHER_PLATFORM)


def _roles(ctx: Context, ranked, bound: int) -> tuple[tuple[str, ...], dict[str, Counter]]:
    """The role set's names and, by the rules, the authored posts among each account's first
    C (``posts``) and each participant's first authored post (``people``) per role."""
    import ibis

    from groundswell.roles.rules import classify
    from groundswell.roles.sets import RoleSet

    raw = ctx.campaign.roles_config if ctx.campaign else None
    config = {k: v for k, v in (json.loads(raw) if raw else {}).items() if k != "model"}
    role_set = RoleSet.from_config(config)
    authored = ranked.filter(ranked.kind != "repost")
    order = [authored.created_at.isnull(), authored.created_at, authored.post_id]
    authored = authored.mutate(nth=ibis.row_number().over(
        group_by=["platform", "author_id"], order_by=order))
    wanted = authored.filter((authored["rank"] < bound)
                             | ((authored.nth == 0) & authored.created_at.notnull()))
    texts = ctx.tables.posts.select(*ctx.key, "text", "reply_to_post_id")
    joined = wanted.join(texts, ctx.key)
    rows = joined.select(
        bounded=joined["rank"] < bound,
        first=(joined.nth == 0) & joined.created_at.notnull(),
        text=joined.text, answers=_answers_call(ctx, joined)).to_pyarrow().to_pylist()
    found = classify([r["text"] for r in rows], role_set, [bool(r["answers"]) for r in rows])
    posts = Counter(role for r, role in zip(rows, found, strict=True) if r["bounded"])
    people = Counter(role for r, role in zip(rows, found, strict=True) if r["first"])
    return role_set.names, {"posts": posts, "people": people}


def _answers_call(ctx: Context, joined):
    """A reply to the call to action that says the campaign's phrase: a disclosure, as the
    call asked (the roles metric's rule, :mod:`groundswell.metrics.roles`)."""
    import ibis

    origins = list(ctx.campaign.origin_post_ids) if ctx.campaign else []
    phrases = list(ctx.campaign.phrases) if ctx.campaign else []
    if not (origins and phrases):
        return ibis.literal(False)
    said = joined.text.lower().contains(phrases[0])
    for phrase in phrases[1:]:
        said |= joined.text.lower().contains(phrase)
    return (joined.reply_to_post_id.isin(origins) & said).fill_null(False)


# -- the noise ------------------------------------------------------------------------------------
@cache
def _opendp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def mechanisms(epsilon: float, bound: int = DEFAULT_BOUND,
               groups: Sequence[str] | None = None) -> list[Mechanism]:
    """One OpenDP measurement per group, each spending an equal share of ``epsilon``: the
    scale is the group's sensitivity over its share (or the next float up that OpenDP's
    privacy map accepts, when rounding makes it cost a hair more than the share), the error
    OpenDP's discrete Laplace accuracy at ``ALPHA``, rounded down (the counts are integers:
    ``|noise| <= floor(accuracy)`` holds with probability at least 1 - ALPHA)."""
    _check_bound(bound)
    dp = _opendp()
    chosen = _chosen(groups)
    share = epsilon / len(chosen)
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    found = []
    for group in chosen:
        sensitivity = bound if group.unit == "posts" else 1
        scale = sensitivity / share
        measurement = dp.m.make_laplace(*space, scale=scale)
        for _ in range(64):  # a rounding error away: the next floats up (a binary search of
            if measurement.map(sensitivity) <= share:  # OpenDP's cost 30 ms a group)
                break
            scale = math.nextafter(scale, math.inf)
            measurement = dp.m.make_laplace(*space, scale=scale)
        else:
            scale = dp.binary_search_param(lambda s: dp.m.make_laplace(*space, scale=s),
                                           d_in=sensitivity, d_out=share)
            measurement = dp.m.make_laplace(*space, scale=scale)
        accuracy = dp.discrete_laplacian_scale_to_accuracy(float(scale), ALPHA, T="f64")
        found.append(Mechanism(group, sensitivity, float(scale),
                               float(measurement.map(sensitivity)), math.floor(accuracy),
                               measurement))
    return found


def _check_bound(bound: int) -> None:
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
        raise ValueError(f"the contribution bound C must be a whole number of posts, 1 or "
                         f"more, not {bound!r}")


def _chosen(groups: Sequence[str] | None) -> list[Group]:
    if groups is None:
        return list(GROUPS)
    unknown = sorted(set(groups) - set(GROUP_NAMES))
    if unknown or not groups:
        raise ValueError(f"unknown DP group {', '.join(unknown) or '(none given)'}; choose "
                         f"from {', '.join(GROUP_NAMES)}")
    return [g for g in GROUPS if g.name in set(groups)]


def noisy(exact: Exact, found: Sequence[Mechanism]) -> list[dict]:
    """One draw of every group's noisy counts, as rows: ``value`` (clipped at 0, for
    reading), ``noisy`` (the mechanism's output: unbiased, what the error is about),
    ``error95`` and ``epsilon`` (the group's: its numbers share it)."""
    rows = []
    for mech in found:
        labels = exact.labels[mech.group.by]
        counts = exact.counts[mech.group.name]
        if not counts:
            continue
        released = mech.measurement(list(counts))
        for label, value in zip(labels, released, strict=True):
            rows.append({"group": mech.group.name, mech.group.by: label,
                         "value": max(int(value), 0), "noisy": int(value),
                         "error95": mech.error95, "epsilon": mech.epsilon})
    return rows


# -- a release ------------------------------------------------------------------------------------
def release(store: Store, campaign: Campaign | None, policy: Policy,
            epsilon: float | None = None, *, bound: int = DEFAULT_BOUND,
            days: tuple[date, date] | None = None, groups: Sequence[str] | None = None,
            record: bool = True) -> dict:
    """Release the campaign's magnitude numbers with ε-differential privacy (JSON-ready).

    ``epsilon``: ε of this release (default ``policy.epsilon``), refused with
    :class:`~groundswell.privacy.ledger.PrivacyBudgetError` if the campaign's recorded
    releases plus this one would exceed ``policy.budget``. ``bound``: C, the posts of each
    account that count. ``days``: the first and last day to release (default: the campaign's
    window). ``groups``: which groups (default all, each an equal share of ε).
    ``record=False`` writes nothing to the ledger (tests, a dry run: numbers shown to anyone
    spend privacy all the same). OpenDP draws its noise from the system's secure random
    source, so a release cannot be seeded or repeated.
    """
    epsilon = policy.epsilon if epsilon is None else float(epsilon)
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"ε must be a positive number, not {epsilon}")
    found = mechanisms(epsilon, bound, groups)  # a bad argument fails before any work
    if not record:
        before = ledger.spent(store, campaign)
        ledger.check(campaign, before, epsilon, policy.budget)
        exact = exact_counts(store, campaign, bound=bound, days=days)
        return _released(campaign, policy, epsilon, before, exact, found, noisy(exact, found),
                         None, ledger.spent_in_store(store))
    with ledger.transaction(store):
        before = ledger.charge(store, campaign, epsilon, policy.budget)
        exact = exact_counts(store, campaign, bound=bound, days=days)
        rows = noisy(exact, found)
        at = ledger.record(store, campaign, epsilon, json.dumps(_what(exact, found)))
        store_spent = ledger.spent_in_store(store)
    return _released(campaign, policy, epsilon, before, exact, found, rows, at, store_spent)


def _what(exact: Exact, found: Sequence[Mechanism]) -> dict:
    """What the ledger says a release was."""
    return {"groups": {m.group.name: m.epsilon for m in found}, "bound": exact.bound,
            "days": [_day(exact.days.first), _day(exact.days.last)]}


def _released(campaign: Campaign | None, policy: Policy, epsilon: float, before: float,
              exact: Exact, found: Sequence[Mechanism], rows: list[dict],
              at: datetime | None, store_spent: float) -> dict:
    after = before + epsilon if at is not None else before
    numbers = Counter(r["group"] for r in rows)
    notes = [
        f"The unit of privacy is one account (platform and id; accounts are never merged "
        f"across platforms, so a person with two accounts is two units). Each account counts "
        f"with at most its first {exact.bound} matching posts (in time order): the post "
        "counts are counts of these bounded posts, and can be lower than the exact counts.",
        "Posts are the campaign's direct matches (tag or phrase): reposts that matched only "
        "as reposts of a matching post depend on another account's post and are left out.",
        "value ± error95: the noisy count (\"noisy\") is within error95 of the exact bounded "
        "count with probability at least 95%. \"value\" is the noisy count clipped at 0 "
        "(post-processing, no extra ε); the interval is about the unclipped \"noisy\".",
        "The ε of each group covers all its numbers together; the release's ε is the sum of "
        "the groups' (basic composition).",
        "Roles are the transparent rules' (the campaign's role set; never a trained model, "
        "which depends on other accounts' posts).",
    ]
    if not exact.days.protected:
        notes.append(f"The days ({exact.days.source}) come from the data and are not "
                     "protected: give the campaign a [window] to release a public list.")
    return {
        "campaign": campaign.name if campaign else None,
        "ledger_key": ledger.key(campaign),
        "released_at": None if at is None else at.isoformat(timespec="seconds") + "Z",
        "recorded": at is not None,
        "unit": "account",
        "epsilon": epsilon,
        "budget": policy.budget,
        "spent_before": before,
        "spent_after": after,
        "remaining": max(policy.budget - after, 0.0),
        "spent_in_store": store_spent,
        "alpha": ALPHA,
        "bound": {"posts_per_account": exact.bound,
                  "meaning": f"each account counts with at most its first {exact.bound} "
                             "matching posts (in time order); in the participant counts it "
                             "counts once"},
        "days": exact.days.header(),
        "roles": list(exact.role_set),
        "groups": [m.header(numbers[m.group.name]) for m in found],
        "mechanism": MECHANISM,
        "post_processing": "value = max(noisy, 0); nothing else",
        "notes": notes,
        "rows": rows,
    }


# -- the terminal ---------------------------------------------------------------------------------
def render(released: Mapping[str, Any]) -> list:
    """The release for the terminal: a header, one table per kind of label (days,
    platforms, roles) with each number's ± error, and the notes."""
    from rich.table import Table
    from rich.text import Text

    head = (f"Differentially private release: {released['campaign'] or 'all posts'}\n"
            f"ε {released['epsilon']:g} (spent {released['spent_after']:g} of the budget "
            f"{released['budget']:g}; {released['remaining']:g} left)"
            + ("" if released["recorded"] else " — NOT recorded in the ledger") + "\n"
            f"each account counts with at most {released['bound']['posts_per_account']} "
            f"posts; ± is the 95% error")
    parts: list = [Text(head, style="bold")]
    for by, title in (("day", "Per UTC day"), ("platform", "Per platform"),
                      ("role", "Per role")):
        groups = [g for g in released["groups"] if g["by"] == by and g["numbers"]]
        if not groups:
            continue
        table = Table(title=title, title_justify="left", title_style="bold", show_edge=False,
                      header_style="bold")
        table.add_column(by)
        for g in groups:
            table.add_column(f"{g['group'].replace('_', ' ')} (ε {g['epsilon']:.3g})",
                             justify="right")
        cells: dict[str, dict[str, str]] = {}
        for row in released["rows"]:
            if row.get(by) is not None:
                cells.setdefault(row[by], {})[row["group"]] = \
                    f"{row['value']:,} ± {row['error95']:,}"
        for label, values in cells.items():
            table.add_row(Text(label), *(Text(values.get(g["group"], "—")) for g in groups))
        parts.append(table)
    parts.append(Text("\n".join(f"• {note}" for note in released["notes"]), style="dim"))
    return parts


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: datetime | None) -> date | None:
    return None if value is None else value.date()
