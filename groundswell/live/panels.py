"""The dashboard's panels from a state's totals: the same dicts the metrics' panels return.

Why through the metrics' helpers: the counter, the curve and the platform split are shaped by
:func:`~groundswell.metrics.magnitude.totals_of`, :func:`~.series_rows` and
:func:`~.platform_rows`, and trending tags by :func:`~groundswell.metrics.trending.
now_and_so_far_of`, exactly as when the metrics compute them over the store: the state hands
in the numbers, the metrics' code gives them their shape, so the two paths cannot differ in
anything but the numbers (which the tests compare).

Every query here reads the state's totals (hours × platforms × kinds, hours, a few counters,
the candidate tags' windows): a refresh costs what those hold, not what the store holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from groundswell.campaign import Campaign
from groundswell.live import tables
from groundswell.live.marks import Marks
from groundswell.live.trending import Trending
from groundswell.metrics.magnitude import platform_rows, series_rows, totals_of
from groundswell.metrics.trending import now_and_so_far_of
from groundswell.schema import KINDS
from groundswell.trends.score import TrendParams

#: The panels a state keeps (the registry's others are computed the usual way).
PANELS = ("summary", "cumulative", "platforms", "trending")


def served(campaign: Campaign | None) -> tuple[str, ...]:
    """The panels a state of ``campaign`` answers: :data:`PANELS`, and the roles panel when
    the campaign has no ``[roles]`` (the roles metric shows nothing then, by its own rule:
    computing it would copy the store's posts for an empty table)."""
    return PANELS if campaign is not None and campaign.roles_config else (*PANELS, "roles")


def _people(con: duckdb.DuckDBPyConnection, state: str) -> dict[tuple[str, str], int]:
    return {(p, k): n for p, k, n in con.execute(
        f"SELECT platform, kind, accounts FROM {tables.name(state, 'people')}").fetchall()}


def summary(con: duckdb.DuckDBPyConnection, state: str, marks: Marks) -> dict[str, Any]:
    by_kind = dict.fromkeys(KINDS, 0)
    for kind, n in con.execute(f"SELECT kind, sum(posts) FROM {tables.name(state, 'hours')} "
                               "GROUP BY kind").fetchall():
        by_kind[kind] = int(n)
    people = _people(con, state)
    accounts = sum(n for (p, k), n in people.items() if k == "" and p != "*")
    participants = sum(n for (p, k), n in people.items() if k == "participant")
    return totals_of({
        "posts": sum(by_kind.values()),
        "posts_by_kind": by_kind,
        "accounts_by_kind": {k: people.get(("*", k), 0) for k in KINDS},
        "accounts": accounts,
        "participants": participants,
        "amplifiers": accounts - participants,
        "posts_without_author": marks.without_author,
        "first_post": marks.first_post,
        "last_post": marks.last_post,
    })


def cumulative(con: duckdb.DuckDBPyConnection, state: str) -> dict[str, Any]:
    posts = {h: int(n) for h, n in con.execute(
        f"SELECT hour, sum(posts) FROM {tables.name(state, 'hours')} WHERE hour IS NOT NULL "
        "GROUP BY hour HAVING sum(posts) > 0").fetchall()}
    accounts, new = {}, {}
    for h, a, p in con.execute(f"SELECT hour, accounts, new_participants FROM "
                               f"{tables.name(state, 'hourly')}").fetchall():
        if a:
            accounts[h] = a
        if p:
            new[h] = p
    return {"points": series_rows(posts, accounts, new, "h")}


def platforms(con: duckdb.DuckDBPyConnection, state: str) -> dict[str, Any]:
    people = _people(con, state)
    kinds = [{"platform": p, "kind": k, "n": int(n), "a": people.get((p, k), 0)}
             for p, k, n in con.execute(
                 f"SELECT platform, kind, sum(posts) FROM {tables.name(state, 'hours')} "
                 "GROUP BY ALL HAVING sum(posts) > 0").fetchall()]
    who = [{"platform": p, "accounts": n, "participants": people.get((p, "participant"), 0),
            "amplifiers": n - people.get((p, "participant"), 0)}
           for (p, k), n in sorted(people.items()) if k == "" and p != "*"]
    return {"rows": platform_rows(kinds, who)}


def trending(con: duckdb.DuckDBPyConnection, state: str, marks: Marks,
             campaign: Campaign | None, options: Mapping[str, Any]) -> dict[str, Any]:
    params = TrendParams.for_window(int(options.get("window_seconds", marks.window_seconds)),
                                    min_score=options.get("min_score", TrendParams.min_score),
                                    min_accounts=options.get("min_accounts",
                                                             TrendParams.min_accounts))
    found = Trending(con, state, marks.window_seconds).read(
        marks, campaign.tags if campaign else (), campaign is not None, params)
    return now_and_so_far_of(found)


def read(con: duckdb.DuckDBPyConnection, state: str, marks: Marks, campaign: Campaign | None,
         options: Mapping[str, Any] | None = None,
         names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{panel name: its JSON}`` for the panels named (all of :data:`PANELS` by default);
    ``options``: the trending metric's (``min_score``, ``min_accounts``; its window is the
    state's)."""
    out: dict[str, dict[str, Any]] = {}
    for name in PANELS if names is None else names:
        if name == "summary":
            out[name] = summary(con, state, marks)
        elif name == "cumulative":
            out[name] = cumulative(con, state)
        elif name == "platforms":
            out[name] = platforms(con, state)
        elif name == "trending":
            out[name] = trending(con, state, marks, campaign, options or {})
        elif name == "roles" and name in served(campaign):
            out[name] = {"rows": []}
        else:
            raise KeyError(f"the live state has no panel {name!r}")
    return out
