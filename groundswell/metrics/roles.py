"""Roles: how many posts disclosed, supported, commented, opposed — and how many people said
it happened to them, with a stated error.

Why a metric of its own: the call to action asked people to say "me too" so that their number
would show the magnitude of the problem; the participants of magnitude are everyone who wrote,
including those who reported the news or mocked the campaign. Each authored matching post
(originals, replies, quotes: a repost has no words of its own) is classified by the campaign's
model (``[roles] model = "…"``, trained with ``groundswell roles train``) or, without one, by
the transparent rules; with a model, every share is corrected for the model's measured errors
and carries a 95 % interval (:mod:`groundswell.roles.prevalence`). A person's role is that of
their first authored matching post. Shares are given overall, per language and per day; a
cross-platform report gives them per platform too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np

from groundswell.metrics import Metric, Option
from groundswell.metrics.cells import Cells, Ref, Sum
from groundswell.metrics.page import Panel
from groundswell.scope import Context

#: Languages and days reported (the busiest languages; every day of the window).
TOP_LANGUAGES = 8


def _config(ctx: Context) -> dict[str, Any]:
    raw = ctx.campaign.roles_config if ctx.campaign else None
    return json.loads(raw) if raw else {}


def _posts(ctx: Context) -> list[dict]:
    """The authored matching posts with what classifying them needs, in time order."""
    m = ctx.matched
    authored = m.filter(m.kind != "repost")
    posts = ctx.tables.posts.select(*ctx.key, "text", "reply_to_post_id")
    joined = authored.join(posts, ctx.key)
    origins = list(ctx.campaign.origin_post_ids) if ctx.campaign else []
    phrases = list(ctx.campaign.phrases) if ctx.campaign else []
    answers = ibis.literal(False)  # a reply to the call to action that says the phrase
    if origins and phrases:
        said = joined.text.lower().contains(phrases[0])
        for phrase in phrases[1:]:
            said |= joined.text.lower().contains(phrase)
        answers = joined.reply_to_post_id.isin(origins) & said
    table = joined.select(
        "author_id", "text", "lang", "created_at",
        answers=answers.fill_null(False),
        day=joined.created_at.truncate("D"))
    return table.order_by("created_at").to_pyarrow().to_pylist()


def _classifier(ctx: Context, model_path: str):
    """``(roles, outputs(texts, answers) → posteriors, estimator(outputs, method) | None,
    description)``."""
    from groundswell.roles.sets import RoleSet

    config = _config(ctx)
    role_set = RoleSet.from_config({k: v for k, v in config.items() if k != "model"})
    path = model_path or config.get("model")
    if path:
        from groundswell.roles.model import RoleModel
        from groundswell.roles.prevalence import estimate

        model = RoleModel.load(path)

        def outputs(texts: Sequence[str], answers: Sequence[bool]) -> np.ndarray:
            return model.posteriors(texts)

        def estimator(out: np.ndarray, method: str, bootstrap: int):
            return estimate(model.roles, model.cv_outputs, model.cv_truth, out,
                            method=method, bootstrap=bootstrap)

        return (model.roles, outputs, estimator,
                f"model {path} ({model.labels:,} labels, trained {model.trained_at})")
    from groundswell.roles.prevalence import estimate
    from groundswell.roles.rules import classify

    names = role_set.names

    def rule_outputs(texts: Sequence[str], answers: Sequence[bool]) -> np.ndarray:
        found = classify(texts, role_set, answers)
        out = np.zeros((len(found), len(names)))
        index = {r: i for i, r in enumerate(names)}
        out[np.arange(len(found)), [index[r] for r in found]] = 1.0
        return out

    def counted(out: np.ndarray, method: str, bootstrap: int):
        # no labels, no measured errors: the rules' count, uncorrected (cc), no interval
        eye = np.eye(len(names))
        return estimate(names, eye, np.arange(len(names)), out, method="cc", bootstrap=0)

    return names, rule_outputs, counted, "rules (uncorrected: no labels to measure errors)"


def compute(ctx: Context, model: str = "", method: str = "pacc",
            bootstrap: int = 200) -> dict[str, Any]:
    posts = _posts(ctx)
    roles, outputs, estimator, described = _classifier(ctx, model)
    if not posts:
        return {"classifier": described, "method": method, "posts": [], "people": [],
                "headline": "no authored matching posts", "by_language": [], "by_day": []}
    out = outputs([p["text"] or "" for p in posts], [bool(p["answers"]) for p in posts])
    seen_as = out.argmax(axis=1)
    authors = np.array([p["author_id"] for p in posts], dtype=object)
    column = {role: i for i, role in enumerate(roles)}

    def rows(mask: np.ndarray, unit: str = "posts") -> list[dict]:
        found = estimator(out[mask], method, bootstrap).as_rows(unit)
        if unit == "posts":  # the people a role's posts describe, for suppression to decide
            for r in found:  # by (the classifier's count: hidden beside a corrected estimate)
                chosen = authors[mask & (seen_as == column.get(r["role"], -1))]
                r["accounts"] = len({a for a in chosen if a is not None})
        return found

    everything = np.ones(len(posts), dtype=bool)
    first_of = {}
    for i, p in enumerate(posts):
        if p["author_id"] is not None:
            first_of.setdefault(p["author_id"], i)
    people_mask = np.zeros(len(posts), dtype=bool)
    people_mask[list(first_of.values())] = True
    by_post, by_people = rows(everything), rows(people_mask, "people")
    langs = [p["lang"] or "und" for p in posts]
    busiest = [lang for lang, _ in sorted(Counter(langs).items(),
                                          key=lambda x: (-x[1], x[0]))][:TOP_LANGUAGES]
    lang_array = np.array(langs)
    day_array = np.array([p["day"].date().isoformat() for p in posts])
    return {
        "classifier": described,
        "method": method if "model" in described else "cc",
        "authored_posts": len(posts),
        "people_with_authored_posts": int(people_mask.sum()),
        "headline": _headline(roles, by_post, by_people),
        "posts": by_post,
        "people": by_people,
        "by_language": [{"lang": lang, **r} for lang in busiest
                        for r in rows(lang_array == lang)],
        "by_day": [{"day": day, **r} for day in sorted(set(day_array))
                   for r in rows(day_array == day)],
    }


def _headline(roles: Sequence[str], posts: list[dict], people: list[dict]) -> str:
    """"N people said it happened to them (95 % interval a–b); M posts supported them; …".
    Published numbers may be suppressed (``"<10"``) or withheld (None): said as such."""
    by_role = {r["role"]: r for r in posts}
    who = {r["role"]: r for r in people}
    parts = []
    if "disclosure" in who:
        d = who["disclosure"]
        parts.append(f"{_count(d['people'])} people said it happened to them"
                     + _interval(d.get("people_low"), d.get("people_high"),
                                 "95% interval "))
    verbs = {"support": "supported them", "commentary": "commented or reported",
             "opposition": "opposed the campaign", "other": "were about something else"}
    for role in roles:
        if role == "disclosure" or role not in by_role:
            continue
        r = by_role[role]
        interval = _interval(r.get("posts_low"), r.get("posts_high"))
        parts.append(f"{_count(r['posts'])} posts {verbs.get(role, f'were {role}')}{interval}")
    return "; ".join(parts)


def _count(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return "a withheld number of" if value is None else str(value)


def _interval(low: Any, high: Any, label: str = "") -> str:
    if not isinstance(low, int) or not isinstance(high, int) or low == high:
        return ""
    return f" ({label}{low:,}–{high:,})"


def reword(result: Any) -> Any:
    """The headline again, from the published (suppressed) numbers."""
    if isinstance(result, dict) and result.get("posts") and "headline" in result:
        roles = [r["role"] for r in result["posts"]]
        result = {**result, "headline": _headline(roles, result["posts"],
                                                  result.get("people") or [])}
    return result


#: What each role row's share and interval derive from.
_POSTS_DERIVED = {f: ("posts",) for f in ("share", "low", "high", "posts_low", "posts_high")}
_PEOPLE_DERIVED = {f: ("people",) for f in ("share", "low", "high", "people_low",
                                            "people_high")}
#: The authored posts are magnitude's original, reply and quote posts; their people its
#: participants.
CELLS = (
    Cells("", {"authored_posts": "people_with_authored_posts",
               "people_with_authored_posts": None},
          sums=(Sum("authored_posts", *(Ref("magnitude", "", f"posts_by_kind.{k}")
                                        for k in ("original", "reply", "quote"))),),
          same={"people_with_authored_posts": Ref("magnitude", "", "participants")}),
    Cells("posts", {"posts": "accounts"}, key=("role",), groups=(),
          adds_up={"posts": Ref("roles", "", "authored_posts")}, derived=_POSTS_DERIVED,
          hidden=("accounts",)),
    Cells("people", {"people": None}, key=("role",), groups=(),
          adds_up={"people": Ref("roles", "", "people_with_authored_posts")},
          derived=_PEOPLE_DERIVED),
    Cells("by_language", {"posts": "accounts"}, key=("lang", "role"), groups=("lang",),
          adds_up={"posts": None}, derived=_POSTS_DERIVED, complete=False,
          hidden=("accounts",)),
    Cells("by_day", {"posts": "accounts"}, key=("day", "role"), groups=("day",),
          adds_up={"posts": None}, derived=_POSTS_DERIVED, hidden=("accounts",)),
)
PANEL_CELLS = (Cells("rows", {"posts": "accounts", "people": None}, key=("role",), groups=(),
                     adds_up={"posts": None, "people": None},
                     derived={**_POSTS_DERIVED, "people_low": ("people",),
                              "people_high": ("people",)}, hidden=("accounts",)),)


METRIC = Metric(
    name="roles",
    title="Roles: who said it happened to them",
    description="Authored matching posts by role (disclosure, support, commentary, "
    "opposition, other; the campaign's [roles]), each share corrected for the classifier's "
    "measured errors with a 95% interval; people by the role of their first post; per "
    "language and per day.",
    needs=("posts",),
    compute=compute,
    order=25,
    default=False,
    options=(Option("model", "", "a model from `groundswell roles train` (default: the "
                                 "campaign's [roles] model, else the rules)"),
             Option("method", "pacc", "pacc, acc, or cc (uncorrected)"),
             Option("bootstrap", 200, "bootstrap draws for the 95% intervals")),
    console_hidden=("by_day",),
    panels=(Panel("roles", "Roles: authored posts by role (95% intervals with a model; the "
                           "campaign's [roles])", "rows", lambda ctx, **options: {
                               "rows": _panel(ctx, **options)}, every=30.0,
                  cells=PANEL_CELLS),),
    cells=CELLS,
    reword=reword,
)


def _panel(ctx: Context, model: str = "", method: str = "pacc",
           bootstrap: int = 200) -> list[dict]:
    """The dashboard's rows: each role's posts and people (nothing without [roles]: a
    campaign asks for its roles)."""
    if ctx.campaign is None or not ctx.campaign.roles_config:
        return []
    found = compute(ctx, model, method, min(bootstrap, 50))
    people = {r["role"]: r for r in found["people"]}
    return [{**r, "people": people.get(r["role"], {}).get("people")} for r in found["posts"]]
