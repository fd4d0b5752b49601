"""Small-cell suppression (issue 26): on a simulated three-platform campaign, no published count
describes fewer than k people, and no subtraction of published numbers gives one back.

The people behind every shown count are recounted with plain DuckDB SQL over the store (the
matching posts' keys are the only thing taken from groundswell: the matching rule has tests of
its own). The attacks are written here from the published output alone: a run of running
totals that are null, a day's languages against the day's posts, an hour's platforms against
the hour's total, and — for all of them together — linear algebra: a suppressed count is
recoverable if and only if its unit vector lies in the row space of everything a reader knows
(running totals, totals, the platforms adding up to the combined results, hours to days,
languages to days). hypothesis then throws random tables at the core.
"""

from __future__ import annotations

import copy
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from groundswell import api
from groundswell.demo import DEMO_START, PLATFORM_FORMATS, share_posts, write_campaign
from groundswell.metrics import Metric
from groundswell.metrics.cells import Cells, Ref, has, tables
from groundswell.metrics.suppress import Suppression, publish, published_panels, solvable
from groundswell.policy import Policy
from groundswell.report.console import print_report
from groundswell.scope import Context
from groundswell.simulate import simulate

K = 10
SMALL = f"<{K}"
PLATFORMS = ("twitter", "bluesky", "mastodon")
EVERY_METRIC = ["magnitude", "call_to_action", "roles", "spread", "trending", "response_tags",
                "cotags", "bursts", "cascades"]
KINDS = ("original", "reply", "quote", "repost")


@dataclass
class Demo:
    store: api.Store
    campaign: Any
    raw: dict
    published: dict
    policy: Policy

    def scopes(self) -> list[str | None]:
        return [None, *PLATFORMS]

    def result(self, scope: str | None, name: str, published: bool = True) -> Any:
        results = self.published if published else self.raw
        return (results if scope is None else results["platforms"][scope])[name]

    def people(self, scope: str | None, where: str = "true", params: tuple = (),
               table: str = "m") -> int:
        """Distinct accounts among the matching posts (``m``) or the window's (``w``) of a
        platform (all without one) meeting ``where``."""
        platform = "true" if scope is None else "platform = ?"
        args = ([] if scope is None else [scope]) + list(params)
        # accounts are never merged across platforms: an account is (platform, author_id)
        [(n,)] = self.store.con.execute(
            f"SELECT count(DISTINCT (platform, author_id)) FROM {table} "
            f"WHERE {platform} AND ({where})", args).fetchall()
        return n


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    """12,000 simulated posts shared by three platforms (the demo's campaign), every metric."""
    folder = tmp_path_factory.mktemp("suppress")
    files, truths = [], []
    for i, (platform, count) in enumerate(share_posts(12_000, PLATFORMS).items()):
        path = folder / f"{platform}.jsonl.gz"
        truths.append(simulate(count, fmt=PLATFORM_FORMATS[platform], seed=2017 + i, out=path,
                               start=DEMO_START))
        files.append(path)
    store = api.Store(folder / "d.duckdb")
    server = next((t["server"] for t in truths if t.get("server")), None)
    api.ingest(store, files, server=server)
    campaign = write_campaign(truths, folder / "c.campaign.toml", "test")
    raw = api.report(store, campaign, metrics=EVERY_METRIC)
    policy = Policy.of(campaign)
    assert policy.k == K
    ctx = Context(api.tables_of(store), api.scope_of(store, campaign))
    keys = ctx.matched.select("platform", "post_id").to_pyarrow()
    ctx.release()
    con = store.con
    con.register("matched_keys", keys)
    con.execute("CREATE TEMP TABLE m AS SELECT p.platform, p.post_id, p.author_id, "
                "p.created_at, coalesce(p.lang, 'und') AS lang, p.kind FROM posts p "
                "JOIN matched_keys USING (platform, post_id)")
    con.execute("CREATE TEMP TABLE w AS SELECT platform, post_id, author_id, created_at, kind, "
                "reply_to_post_id FROM posts WHERE created_at >= ? AND created_at < ?",
                [campaign.start, campaign.end])
    con.unregister("matched_keys")
    yield Demo(store, campaign, raw, publish(raw, policy), policy)
    store.close()


def tagged(tag: str) -> str:
    return (f"EXISTS (SELECT 1 FROM post_hashtags h WHERE h.platform = {{t}}.platform AND "
            f"h.post_id = {{t}}.post_id AND h.tag = '{tag}')")


# -- no shown count describes fewer than k people -------------------------------------------------
class Checker:
    """Collects counts shown although they describe fewer than k people, and small counts
    shown as numbers."""

    def __init__(self) -> None:
        self.wrong: list[str] = []
        self.checked = 0

    def count(self, where: str, value: Any, people: int) -> None:
        self.checked += 1
        if isinstance(value, int) and value > 0 and people < K:
            self.wrong.append(f"{where}: {value} shown for {people} people")
        if 0 < people < K and value not in (SMALL, 0):
            self.wrong.append(f"{where}: {value!r} for {people} people, not {SMALL}")


def test_no_shown_count_describes_fewer_than_k_people(demo):
    check = Checker()
    for s in demo.scopes():
        mag = demo.result(s, "magnitude")
        check.count(f"{s}.posts", mag["posts"], demo.people(s))
        for kind in KINDS:
            n = demo.people(s, "kind = ?", (kind,))
            check.count(f"{s}.posts_by_kind.{kind}", mag["posts_by_kind"][kind], n)
            check.count(f"{s}.accounts_by_kind.{kind}", mag["accounts_by_kind"][kind], n)
        check.count(f"{s}.participants", mag["participants"],
                    demo.people(s, "kind <> 'repost'"))
        for table, unit in (("daily", "day"), ("hourly", "hour")):
            for row in mag[table]:
                at = row["day"] if unit == "day" else row["hour"].rstrip("Z").replace("T", " ")
                n = demo.people(s, f"date_trunc('{unit}', created_at) = CAST(? AS TIMESTAMP)",
                                (at,))
                check.count(f"{s}.{table}[{at}].posts", row["posts"], n)
                check.count(f"{s}.{table}[{at}].accounts", row["accounts"], n)
                new = row["new_participants"]
                if isinstance(new, int) and new:
                    assert new >= K, f"{s}.{table}[{at}].new_participants = {new}"
        for row in mag["platforms"]:
            p = row["platform"]
            check.count(f"{s}.platforms[{p}].posts", row["posts"],
                        demo.people(s, "platform = ?", (p,)))
            for kind in KINDS:
                check.count(f"{s}.platforms[{p}].{kind}", row[kind],
                            demo.people(s, "platform = ? AND kind = ?", (p, kind)))
        spread = demo.result(s, "spread")
        for row in spread["languages"]:
            check.count(f"{s}.languages[{row['day']},{row['lang']}]", row["posts"],
                        demo.people(s, "CAST(created_at AS DATE) = CAST(? AS DATE) AND "
                                    "lang = ?", (row["day"], row["lang"])))
        for row in spread["variants"]:
            check.count(f"{s}.variants[{row['tag']}]", row["posts"],
                        demo.people(s, tagged(row["tag"]).format(t="m")))
        for row in demo.result(s, "cotags"):
            check.count(f"{s}.cotags[{row['tag']}]", row["posts"],
                        demo.people(s, tagged(row["tag"]).format(t="m")))
        for row in demo.result(s, "response_tags"):
            tag = row["tag"]
            check.count(f"{s}.response_tags[{tag}]", row["posts"],
                        demo.people(s, tagged(tag).format(t="w"), table="w"))
            check.count(f"{s}.response_tags[{tag}].with_campaign", row["posts_with_campaign"],
                        demo.people(s, tagged(tag).format(t="m")))
        cta = demo.result(s, "call_to_action")
        origins = ", ".join(f"'{o}'" for o in demo.campaign.origin_post_ids)
        check.count(f"{s}.call_to_action.replies", cta["replies"],
                    demo.people(s, f"reply_to_post_id IN ({origins})", table="w"))
        for tag, found in demo.result(s, "bursts").items():
            for b in found["bursts"]:
                check.count(f"{s}.bursts[{tag},{b['begin_at']}]", b["posts"], demo.people(
                    s, tagged(tag).format(t="w") + " AND created_at >= CAST(? AS TIMESTAMP) "
                    "AND created_at < CAST(? AS TIMESTAMP)",
                    (b["begin_at"].rstrip("Z"), b["end_at"].rstrip("Z")), table="w"))
        trending = demo.result(s, "trending")
        for w in trending["windows"]:
            for t in w["tags"]:
                assert t["accounts"] in (None, 0) or t["accounts"] >= K, (s, w["window_start"], t)
        roles, raw_roles = demo.result(s, "roles"), demo.result(s, "roles", published=False)
        for part in ("posts", "by_language", "by_day"):
            for shown, raw in zip(roles[part], raw_roles[part], strict=True):
                check.count(f"{s}.roles.{part}[{raw}]", shown["posts"], raw["accounts"])
                assert "accounts" not in shown  # the classifier's count: decided by, not shown
        for row in roles["people"]:  # people per role: head counts
            assert not (isinstance(row["people"], int) and 0 < row["people"] < K), (s, row)
    assert check.checked > 1500
    assert check.wrong == []


def test_suppression_happened_and_is_labelled(demo):
    """The demo has small cells (a sanity check of the test above), and every suppressed
    count is "<10" or null, never another string."""
    found = defaultdict(int)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value == SMALL:
            found["small"] += 1

    walk(demo.published)
    assert found["small"] > 100
    hourly = demo.result("mastodon", "magnitude")["hourly"]
    assert any(r["posts"] is None for r in hourly) and any(r["posts"] == SMALL for r in hourly)


# -- the subtraction attack fails -----------------------------------------------------------------
def runs(rows: list[dict], cumulative: str) -> list[tuple[int, int]]:
    """Runs of rows whose running total is null, as ``(first, last)``."""
    found, i = [], 0
    while i < len(rows):
        if rows[i][cumulative] is not None:
            i += 1
            continue
        j = i
        while j + 1 < len(rows) and rows[j + 1][cumulative] is None:
            j += 1
        found.append((i, j))
        i = j + 1
    return found


def hour_span(rows: list[dict], i: int, j: int, unit: str) -> tuple[str, str]:
    start = rows[i][unit].rstrip("Z").replace("T", " ")
    last = rows[j][unit].rstrip("Z").replace("T", " ")
    return start, last


def test_running_totals_around_a_gap_never_isolate_a_small_group(demo):
    """Between the running totals either side of a run of nulls, a reader learns the run's
    sum: it always describes at least k people (and the cells of every run are null)."""
    recovered = 0
    for s in demo.scopes():
        mag = demo.result(s, "magnitude")
        for table, unit in (("daily", "day"), ("hourly", "hour")):
            rows = mag[table]
            for cumulative, count, total in (("cumulative_posts", "posts", "posts"),
                                             ("cumulative_participants", "new_participants",
                                              "participants")):
                for i, j in runs(rows, cumulative):
                    assert all(not isinstance(rows[x][count], int) for x in range(i, j + 1))
                    before = 0 if i == 0 else rows[i - 1][cumulative]
                    if j + 1 < len(rows):
                        after = rows[j + 1][cumulative] - rows[j + 1][count]
                    elif isinstance(mag[total], int):
                        after = mag[total]
                    else:
                        continue
                    value = after - before
                    start, last = hour_span(rows, i, j, unit)
                    span = (f"date_trunc('{unit}', created_at) BETWEEN CAST(? AS TIMESTAMP) "
                            "AND CAST(? AS TIMESTAMP)")
                    if count == "posts":
                        people = demo.people(s, span, (start, last))
                    else:  # new participants are distinct people: the sum is the people
                        people = value
                    recovered += 1
                    assert people >= K, (s, table, count, rows[i][unit], rows[j][unit], value)
    assert recovered > 20


def test_a_days_languages_and_hours_never_give_a_small_group_back(demo):
    """A day's published posts minus its shown languages (or shown hours) is the sum of the
    suppressed ones: it always describes at least k people."""
    attacked = 0
    for s in demo.scopes():
        mag, spread = demo.result(s, "magnitude"), demo.result(s, "spread")
        daily = {r["day"]: r for r in mag["daily"]}
        by_day: dict[str, list[dict]] = defaultdict(list)
        for row in spread["languages"]:
            by_day[row["day"]].append(row)
        hours: dict[str, list[dict]] = defaultdict(list)
        for row in mag["hourly"]:
            hours[row["hour"][:10]].append(row)
        for day, total in daily.items():
            if not isinstance(total["posts"], int):
                continue
            hidden = [r["lang"] for r in by_day[day] if not isinstance(r["posts"], int)]
            if hidden:
                attacked += 1
                marks = ", ".join("?" * len(hidden))
                people = demo.people(s, f"CAST(created_at AS DATE) = CAST(? AS DATE) AND "
                                     f"lang IN ({marks})", (day, *hidden))
                assert people >= K, (s, day, hidden, people)
            gone = [r["hour"].rstrip("Z").replace("T", " ") for r in hours[day]
                    if not isinstance(r["posts"], int)]
            if gone:
                attacked += 1
                marks = ", ".join("CAST(? AS TIMESTAMP)" for _ in gone)
                people = demo.people(s, f"date_trunc('hour', created_at) IN ({marks})",
                                     tuple(gone))
                assert people >= K, (s, day, gone, people)
    assert attacked > 10


def test_the_platforms_never_give_a_small_group_back(demo):
    """Each combined count minus the platforms' shown ones is the sum of the suppressed ones:
    accounts are never merged across platforms, so its people add up, and are at least k."""
    attacked = 0
    for table, unit in (("daily", "day"), ("hourly", "hour")):
        combined = demo.result(None, "magnitude")[table]
        parts = {p: {r[unit]: r for r in demo.result(p, "magnitude")[table]} for p in PLATFORMS}
        for row in combined:
            for count in ("posts", "new_participants"):
                if not isinstance(row[count], int):
                    continue
                hidden = [p for p in PLATFORMS if row[unit] in parts[p]
                          and not isinstance(parts[p][row[unit]][count], int)]
                if not hidden:
                    continue
                attacked += 1
                at = row[unit].rstrip("Z").replace("T", " ")
                where = f"date_trunc('{unit}', created_at) = CAST(? AS TIMESTAMP)"
                if count == "posts":
                    people = sum(demo.people(p, where, (at,)) for p in hidden)
                else:
                    raw = {p: {r[unit]: r for r in demo.result(p, "magnitude", False)[table]}
                           for p in hidden}
                    people = sum(raw[p][row[unit]][count] for p in hidden)
                assert people >= K, (table, row[unit], count, hidden, people)
    # and the counter: a platform's posts of one kind against the combined
    mag = demo.result(None, "magnitude")
    for kind in KINDS:
        hidden = [p for p in PLATFORMS
                  if not isinstance(demo.result(p, "magnitude")["posts_by_kind"][kind], int)]
        if hidden and isinstance(mag["posts_by_kind"][kind], int):
            attacked += 1
            assert sum(demo.people(p, "kind = ?", (kind,)) for p in hidden) >= K
    assert attacked > 20


class Knowledge:
    """What a reader of the published output knows, as linear equations in the counts that
    are not shown (only which counts each equation involves matters: the known ones are
    constants)."""

    def __init__(self, marker: str = SMALL) -> None:
        self.marker = marker  # how a small count is shown
        self.unknown: dict[tuple, int] = {}
        self.small: set[int] = set()
        self.equations: list[dict[int, float]] = []

    def term(self, key: tuple, value: Any) -> int | None:
        if isinstance(value, int):
            return None
        if key not in self.unknown:
            self.unknown[key] = len(self.unknown)
            if value == self.marker:
                self.small.add(self.unknown[key])
        return self.unknown[key]

    def equation(self, terms: list[tuple[tuple, Any, float]]) -> None:
        """``Σ coefficient · count`` is known."""
        found: dict[int, float] = defaultdict(float)
        for key, value, coef in terms:
            i = self.term(key, value)
            if i is not None:
                found[i] += coef
        found = {i: c for i, c in found.items() if c}
        if found:
            self.equations.append(found)

    def recoverable_small(self) -> list[tuple]:
        """Small counts whose unit vector lies in the row space of the equations."""
        if not self.equations:
            return []
        a = np.zeros((len(self.equations), len(self.unknown)))
        for row, terms in enumerate(self.equations):
            for i, c in terms.items():
                a[row, i] = c
        _, sv, vt = np.linalg.svd(a, full_matrices=False)
        rank = int((sv > sv.max() * 1e-10).sum()) if len(sv) else 0
        projection = (vt[:rank] ** 2).sum(axis=0)  # ‖P e_i‖², 1 iff e_i is in the row space
        names = {i: key for key, i in self.unknown.items()}
        return [names[i] for i in sorted(self.small) if projection[i] > 1 - 1e-8]


def series_knowledge(demo: Demo, count: str, cumulative: str, total: str) -> Knowledge:
    know = Knowledge()
    for s in demo.scopes():
        mag = demo.result(s, "magnitude")
        for table, unit in (("daily", "day"), ("hourly", "hour")):
            rows = mag[table]
            for i, row in enumerate(rows):  # running totals: prefix sums
                if isinstance(row[cumulative], int):
                    know.equation([((s, table, r[unit]), r[count], 1.0) for r in rows[:i + 1]])
            if isinstance(mag[total], int):  # the total: the whole series' sum
                know.equation([((s, table, r[unit]), r[count], 1.0) for r in rows])
        days: dict[str, list] = defaultdict(list)  # hours add up to their day
        for r in mag["hourly"]:
            days[r["hour"][:10]].append(((s, "hourly", r["hour"]), r[count], -1.0))
        for r in mag["daily"]:
            know.equation([((s, "daily", r["day"]), r[count], 1.0), *days[r["day"]]])
        if count == "posts":  # a day's languages add up to its posts
            langs: dict[str, list] = defaultdict(list)
            for r in demo.result(s, "spread")["languages"]:
                langs[r["day"]].append(((s, "languages", r["day"], r["lang"]), r["posts"], -1.0))
            for r in mag["daily"]:
                know.equation([((s, "daily", r["day"]), r["posts"], 1.0), *langs[r["day"]]])
    for table, unit in (("daily", "day"), ("hourly", "hour")):  # the platforms add up
        for r in demo.result(None, "magnitude")[table]:
            terms = [((None, table, r[unit]), r[count], 1.0)]
            for p in PLATFORMS:
                for q in demo.result(p, "magnitude")[table]:
                    if q[unit] == r[unit]:
                        terms.append(((p, table, q[unit]), q[count], -1.0))
            know.equation(terms)
    langs_all: dict[tuple, list] = defaultdict(list)
    if count == "posts":
        for r in demo.result(None, "spread")["languages"]:
            langs_all[(r["day"], r["lang"])].append(((None, "languages", r["day"], r["lang"]),
                                                     r["posts"], 1.0))
        for p in PLATFORMS:
            for r in demo.result(p, "spread")["languages"]:
                langs_all[(r["day"], r["lang"])].append(
                    ((p, "languages", r["day"], r["lang"]), r["posts"], -1.0))
        for terms in langs_all.values():
            know.equation(terms)
    return know


@pytest.mark.parametrize("count,cumulative,total", [
    ("posts", "cumulative_posts", "posts"),
    ("new_participants", "cumulative_participants", "participants")])
def test_no_small_count_is_recoverable_by_linear_algebra(demo, count, cumulative, total):
    """Everything together — running totals, totals, hours to days, languages to days, the
    platforms to the combined results: no small count can be solved for."""
    know = series_knowledge(demo, count, cumulative, total)
    assert len(know.small) > 50 and len(know.equations) > 100
    assert know.recoverable_small() == []


def test_the_counter_parts_never_give_a_small_count_back(demo):
    """Posts are their kinds, accounts are participants and amplifiers, the authored kinds
    are the roles' authored posts, and the platforms add up: no small count is recoverable."""
    know = Knowledge()
    fields = ["posts", "accounts", "participants", "amplifiers",
              *(f"posts_by_kind.{k}" for k in KINDS)]

    def value(mag: dict, name: str) -> Any:
        return mag["posts_by_kind"][name.split(".")[1]] if "." in name else mag[name]

    for s in demo.scopes():
        mag, roles = demo.result(s, "magnitude"), demo.result(s, "roles")
        kinds = [((s, f"posts_by_kind.{k}"), mag["posts_by_kind"][k], -1.0) for k in KINDS]
        know.equation([((s, "posts"), mag["posts"], 1.0), *kinds])
        know.equation([((s, "accounts"), mag["accounts"], 1.0),
                       ((s, "participants"), mag["participants"], -1.0),
                       ((s, "amplifiers"), mag["amplifiers"], -1.0)])
        know.equation([((s, "authored"), roles["authored_posts"], 1.0), *kinds[:3]])
        for row in mag["platforms"]:  # the platforms' rows are the platforms' totals
            for name in ("posts", "accounts", "participants", "amplifiers"):
                know.equation([((s, row["platform"], name), row[name], 1.0),
                               ((row["platform"], name), value(
                                   demo.result(row["platform"], "magnitude"), name), -1.0)])
    for name in fields:
        know.equation([((None, name), value(demo.result(None, "magnitude"), name), 1.0),
                       *(((p, name), value(demo.result(p, "magnitude"), name), -1.0)
                         for p in PLATFORMS)])
    assert know.recoverable_small() == []


# -- the rest of the policy --------------------------------------------------------------------
def without_hidden(results: Any) -> Any:
    """Raw results minus what is only computed to decide (the roles' classifier counts and
    magnitude's per-platform kinds' accounts)."""
    out = copy.deepcopy(results)
    for scope in [out, *out.get("platforms", {}).values()]:
        for row in scope["magnitude"]["platforms"]:
            row.pop("accounts_by_kind")
        for part in ("posts", "by_language", "by_day"):
            for row in scope["roles"][part]:
                row.pop("accounts")
    return out


def test_with_k_one_nothing_is_suppressed(demo):
    revealed = publish(demo.raw, Policy(k=1, reveal=True))
    assert revealed == without_hidden(demo.raw)
    private = publish(demo.raw, Policy(k=1))
    assert private["magnitude"] == without_hidden(demo.raw)["magnitude"]
    assert private["spread"]["languages"] == demo.raw["spread"]["languages"]


def test_private_rows_are_coarsened_and_public_ones_kept(demo):
    raw = demo.raw["spread"]["first_participants"]
    shown = demo.published["spread"]["first_participants"]
    origin = demo.raw["magnitude"]["origin_at"]
    assert [r["account"] for r in shown] == [r["account"] for r in raw]
    assert any(not r["public_figure"] for r in raw)
    for before, after in zip(raw, shown, strict=True):
        if before["public_figure"]:
            assert after == before
            continue
        assert after["followers"] is None
        assert after["first_post_at"] == before["first_post_at"][:13] + ":00:00Z"
        hours = (int(after["first_post_at"][11:13]) - int(origin[11:13])
                 + 24 * (int(after["first_post_at"][8:10]) - int(origin[8:10])))
        assert after["hours_since_origin"] == hours
    notable = demo.published["spread"]["notable_joiners"]
    assert notable == demo.raw["spread"]["notable_joiners"]  # public figures, as they are
    revealed = publish(demo.raw, demo.policy.revealing())
    assert revealed["spread"]["first_participants"] == raw  # --reveal: not coarsened
    assert revealed["magnitude"]["hourly"] == demo.published["magnitude"]["hourly"]


def test_the_input_is_not_changed_and_publishing_twice_changes_nothing(demo):
    before = copy.deepcopy(demo.raw)
    once = publish(demo.raw, demo.policy)
    assert demo.raw == before
    assert once == demo.published
    assert publish(once, demo.policy) == once


def test_the_terminal_and_the_roles_headline_say_it(demo):
    console = Console(width=110, record=True, file=io.StringIO())
    print_report(demo.published, console)
    text = console.export_text()
    assert SMALL in text
    headline = demo.result("mastodon", "roles")["headline"]
    assert not any(str(n) in headline.split() for n in range(1, K))  # no small count quoted


def test_the_dashboards_panels_are_suppressed_together(demo):
    """The counter, the curve and the platforms add up to each other on the dashboard."""
    tables_ = api.tables_of(demo.store)
    raw = api.panels(tables_, api.scope_of(demo.store, demo.campaign))
    shown = published_panels(raw, demo.policy)
    assert raw != shown and api.panels(tables_, api.scope_of(demo.store, demo.campaign)) == raw
    points = shown["cumulative"]["points"]
    assert any(p["posts"] == SMALL for p in points)
    assert all(p["cumulative_posts"] is None for p in points if not isinstance(p["posts"], int))
    assert all("accounts_by_kind" not in r for r in shown["platforms"]["rows"])
    assert all(isinstance(v, int) or v in (SMALL, None)
               for v in shown["summary"]["posts_by_kind"].values())


# -- the core, on random tables -------------------------------------------------------------------
def toy(cells: tuple[Cells, ...]) -> dict[str, Metric]:
    return {"toy": Metric(name="toy", title="Toy", description="random counts", needs=(),
                          compute=lambda ctx: None, cells=cells)}


#: A head count per time step with its running total, and the total (a count of its own).
SERIES = (Cells("rows", {"n": None}, key=("t",), series=True, cumulative={"cum": "n"},
                groups=(), adds_up={"n": Ref("toy", "", "total")}),
          Cells("", {"total": None}))


def series_result(values: list[int]) -> dict:
    out, total = [], 0
    for t, n in enumerate(values):
        total += n
        out.append({"t": t, "n": n, "cum": total})
    return {"rows": out, "total": total}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3).flatmap(lambda p: st.lists(
    st.lists(st.integers(0, 25), min_size=p, max_size=p), min_size=2, max_size=24)),
       st.integers(2, 6))
def test_random_series_over_platforms(table, k):
    """A time series on each of a few platforms (head counts), with running totals, and the
    combined series: shown counts are 0 or at least k, running totals are null exactly where
    the count is not shown, and no small count is recoverable from everything published."""
    platforms = [f"p{i}" for i in range(len(table[0]))]
    results = {"toy": series_result([sum(r) for r in table]),
               "platforms": {p: {"toy": series_result([r[i] for r in table])}
                             for i, p in enumerate(platforms)}}
    policy = Policy(k=k)
    shown = publish(results, policy, toy(SERIES))
    small = f"<{k}"
    know = Knowledge(small)
    for scope in [None, *platforms]:
        rows = (shown if scope is None else shown["platforms"][scope])["toy"]["rows"]
        truth = (results if scope is None else results["platforms"][scope])["toy"]["rows"]
        for row, raw in zip(rows, truth, strict=True):
            assert row["n"] == raw["n"] if isinstance(row["n"], int) else row["n"] in (small,
                                                                                        None)
            assert (row["n"] == small) == (0 < raw["n"] < k)
            assert (row["cum"] is None) == (not isinstance(row["n"], int))
            assert row["cum"] in (None, raw["cum"])
        for i, row in enumerate(rows):
            if isinstance(row["cum"], int):
                know.equation([((scope, r["t"]), r["n"], 1.0) for r in rows[:i + 1]])
        total = (shown if scope is None else shown["platforms"][scope])["toy"]["total"]
        know.equation([((scope, "total"), total, -1.0),
                       *(((scope, r["t"]), r["n"], 1.0) for r in rows)])
    for t in [*range(len(table)), "total"]:
        def cell(scope: str | None, t=t) -> Any:
            mine = (shown if scope is None else shown["platforms"][scope])["toy"]
            return mine["total"] if t == "total" else mine["rows"][t]["n"]

        know.equation([((None, t), cell(None), 1.0),
                       *(((p, t), cell(p), -1.0) for p in platforms)])
    assert know.recoverable_small() == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1,
                         max_size=6), min_size=1, max_size=5), st.integers(2, 8))
def test_random_breakdowns_with_published_totals(groups, k):
    """Rows partitioning published totals (posts, with the people behind each): in every
    group, either nothing is suppressed, or what subtraction gives (the sum of the suppressed
    counts) includes a count of at least k people, or every non-zero count is suppressed."""
    rows = [{"g": g, "i": i, "n": max(n, p), "p": p}
            for g, members in enumerate(groups) for i, (n, p) in enumerate(members)]
    cells = (Cells("rows", {"n": "p"}, key=("g", "i"), groups=("g",), adds_up={"n": None}),)
    shown = publish({"toy": {"rows": rows}}, Policy(k=k), toy(cells))["toy"]["rows"]
    for g in range(len(groups)):
        mine = [(r, s) for r, s in zip(rows, shown, strict=True) if r["g"] == g]
        hidden = [(r, s) for r, s in mine if not isinstance(s["n"], int)]
        for r, s in mine:
            assert (s["n"] == f"<{k}") == (0 < r["p"] < k)
        if not hidden or all(not isinstance(s["n"], int) for r, s in mine if r["n"]):
            continue
        assert any(r["p"] >= k for r, _ in hidden), mine
        floor = sum(1 if s["n"] == f"<{k}" else k for r, s in hidden)
        assert sum(r["n"] for r, _ in hidden) - floor >= k - 2, mine  # no bound pins one down


def test_the_declarations_name_tables_that_exist(demo):
    """Every declared path finds its table in a real report (a renamed key would silently
    leave a breakdown unprotected)."""
    from groundswell.metrics import registry

    for name, metric in registry().items():
        for decl in metric.cells:
            found = list(tables(demo.raw[name], decl.path))
            assert found, f"{name}: nothing at {decl.path!r}"
            rows = [r for _, table, _ in found for r in table]
            if rows:
                fields = set(decl.counts) | set(decl.key)
                assert any(all(has(r, f) for f in fields) for r in rows), (name, decl.path)
    suppression = Suppression({"": copy.deepcopy(demo.raw)},
                              {n: m.cells for n, m in registry().items()}, demo.policy)
    suppression.settle()
    assert suppression.open_relations() == [] and suppression.unrepaired == []


def test_docs_describe_the_rules():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    for words in ("complementary", "running total", "platform", "does not protect", "<10"):
        assert words in docs


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.dictionaries(
    st.integers(0, n - 1), st.integers(-2, 2).filter(bool), max_size=4), max_size=14))))
def test_the_exact_audit_agrees_with_the_singular_values(system):
    """:func:`solvable` (exact, sparse) finds the unknowns linear algebra determines."""
    n, rows = system
    expected = set()
    if any(rows):
        a = np.zeros((len(rows), n))
        for r, row in enumerate(rows):
            for c, v in row.items():
                a[r, c] = v
        _, sv, vt = np.linalg.svd(a, full_matrices=False)
        rank = int((sv > sv.max() * 1e-10).sum())
        expected = {i for i in range(n) if (vt[:rank, i] ** 2).sum() > 1 - 1e-8}
    assert solvable(rows, n) == expected


def test_empty_and_undeclared_results_pass_through():
    """No rows, no platforms, a metric that declares nothing: nothing breaks, nothing
    changes."""
    empty = {"toy": {"rows": [], "total": 0}}
    assert publish(empty, Policy(), toy(SERIES)) == empty
    plain = {"toy": {"rows": series_result([1, 2])["rows"]}}
    assert publish(plain, Policy(), toy(())) == plain
    assert publish({}, Policy()) == {}


def test_private_rows_are_coarsened_without_magnitude(demo):
    """``report --metric spread``: no magnitude result to read the origin from; the rows'
    whole hours since the origin are the same as with it."""
    alone = publish({"spread": demo.raw["spread"]}, demo.policy)
    assert alone["spread"]["first_participants"] == demo.published["spread"]["first_participants"]
