"""The rules the simulator and the real corpora never exercise, each on a few hand-built lines
(``tests/metrics/edges.py``: real twarc2 pages, changed where the case needs it) and each
compared with the independent recount of ``tests/metrics/oracle.py``: the window's two ends,
the public-figure threshold and the verified badge, reposts of reposts, a reply to a post that
is not there, a quote of a repost.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from metrics.edges import Account, Case, Tweet, seconds
from metrics.oracle import Raw, Recount, Spec, iso

from groundswell import Store
from groundswell.campaign import Campaign

S = datetime(2017, 10, 16, 0, 0, 0)  # the window's start
E = datetime(2017, 10, 17, 0, 0, 0)  # its end, exclusive
METOO = Campaign(name="edges", main_tag="metoo")


def measured(tmp_path, case: Case, campaign: Campaign) -> tuple[dict, Recount]:
    """Every metric of ``campaign`` over the case's file, and the oracle's recount of it."""
    path = case.write(tmp_path / "case.jsonl")
    with Store(tmp_path / "case.duckdb") as store:
        summary = store.ingest([path])
        assert summary.quarantined == 0 and summary.posts_added == len(case.tweets)
        results = store.report(campaign=campaign)
        results["first_participants"] = store.report(
            campaign=campaign, metrics=["spread"],
            options={"spread": {"first_n": 1000}})["spread"]["first_participants"]
    return results, Recount(Raw([path]), Spec.of(campaign))


def assert_people_agree(results: dict, rc: Recount) -> None:
    """Magnitude's posts and people, and spread's lists, equal the oracle's."""
    m = results["magnitude"]
    assert m["posts"] == len(rc.matched)
    assert m["posts_by_kind"] == rc.by_kind()
    assert m["participants"] == len(rc.participants())
    assert m["amplifiers"] == len(rc.amplifiers())
    assert m["daily"] == rc.series("D") and m["hourly"] == rc.series("h")
    if rc.matched:
        assert (m["peak_hour"], m["peak_hour_posts"]) == rc.peak_hour()  # ties: the earliest
    assert results["spread"]["languages"] == rc.languages()
    origin = rc.origin_at()
    assert [(j["author_id"], j["first_post_at"], j["hours_since_origin"], j["as"])
            for j in results["spread"]["notable_joiners"]] == [
        (j["author_id"], j["first_post_at"], j["hours_since_origin"], j["as"])
        for j in rc.notable_joined(origin)]
    assert [(p["first_post_at"], p["hours_since_origin"]) for p in results["first_participants"]
            ] == [(iso(t), rc.hours(t, origin)) for _, t in rc.first_participants()]


def test_the_window_keeps_its_start_and_drops_its_end(tmp_path):
    """[start, end): a post at the start counts, one at the end does not; a repost counts only
    inside the window, of a post inside it."""
    people = [Account(str(i), f"u{i}") for i in range(1, 8)]
    case = Case(people, [
        Tweet("1001", "1", S - seconds(1)),                      # before the start
        Tweet("1002", "2", S, lang=None),                        # at the start: in
        Tweet("1003", "3", E - seconds(1)),                      # the last second: in
        Tweet("1004", "4", E),                                   # at the end: out
        Tweet("1005", "5", S + seconds(3600), "RT @u1: story", retweeted="1001"),
        Tweet("1006", "6", S + seconds(7200), "RT @u2: story", retweeted="1002"),
        Tweet("1007", "7", E, "RT @u3: story", retweeted="1003"),
    ])
    results, rc = measured(tmp_path, case, replace(METOO, start=S, end=E))
    assert sorted(rc.matched) == ["1002", "1003", "1006"]
    assert_people_agree(results, rc)
    m = results["magnitude"]
    assert (m["first_post"], m["last_post"]) == (iso(S), iso(E - seconds(1)))
    assert (m["participants"], m["amplifiers"]) == (2, 1)
    assert m["peak_hour"] == iso(S) and m["peak_hour_posts"] == 1  # three hours tie
    assert {"day": iso(S)[:10], "lang": "und", "posts": 1,
            "accounts": 1} in results["spread"]["languages"]


@pytest.mark.parametrize("by_badge", [True, False])
def test_public_figures_from_the_threshold_up_and_by_badge(tmp_path, by_badge):
    """Followers at the threshold make a public figure, one fewer does not; the badge does
    when the campaign says so. Only public figures are named."""
    t = 1000
    people = [Account("11", "below", t - 1), Account("12", "at", t), Account("13", "above", t + 1),
              Account("14", "badge", t - 1, verified=True), Account("15", "nobody", 0),
              Account("16", "echo", t)]
    case = Case(people, [Tweet(str(2000 + i), a.id, S + seconds(60 * i), f"#MeToo from {i}")
                         for i, a in enumerate(people[:5])])
    case.tweets.append(Tweet("2010", "16", S + seconds(600), "RT @below: #MeToo from 0",
                             retweeted="2000"))
    campaign = replace(METOO, public_figure_followers=t, public_figure_verified=by_badge)
    results, rc = measured(tmp_path, case, campaign)
    assert_people_agree(results, rc)
    public = ["at", "above", *(["badge"] if by_badge else []), "echo"]
    joiners = results["spread"]["notable_joiners"]
    assert [j["account"] for j in joiners] == [f"@{h}" for h in public]
    assert [j["as"] for j in joiners] == ["participant"] * (len(public) - 1) + ["amplifier"]
    named = [p["account"] for p in results["first_participants"]]
    assert named[1:3] == ["@at", "@above"]
    assert named[0].startswith("acct-") and named[4].startswith("acct-")
    if by_badge:
        assert named[3] == "@badge"
    else:
        assert named[3].startswith("acct-")


def test_a_repost_of_a_repost_does_not_match_by_rule_3(tmp_path):
    """Rule 3 follows one link, from a repost to a matching post that is not a repost: a
    repost of a repost matches only by its own tag (a platform records reposts as pointing to
    the original, so the chain is damaged or foreign data)."""
    people = [Account(str(i), f"u{i}") for i in range(1, 8)]
    case = Case(people, [
        Tweet("3001", "1", S, "#MeToo my story"),
        Tweet("3002", "2", S + seconds(60), "RT @u1: #MeToo my story", retweeted="3001"),
        Tweet("3003", "3", S + seconds(120), "RT @u2: my story", retweeted="3002"),
        Tweet("3004", "4", S + seconds(180), "#MeToo"),
        Tweet("3005", "5", S + seconds(240), "RT @u4: too", retweeted="3004"),
        Tweet("3006", "6", S + seconds(300), "RT @u5: too", retweeted="3005"),
        Tweet("3007", "7", S + seconds(360), "RT @u2: #MeToo again", retweeted="3002"),
    ])
    results, rc = measured(tmp_path, case, METOO)
    assert sorted(rc.matched) == ["3001", "3002", "3004", "3005", "3007"]
    assert_people_agree(results, rc)
    assert sorted(rc.amplifiers()) == ["2", "5", "7"]
    cascades = results["cascades"]["repost"]
    assert (cascades["cascades"], cascades["reposts_in_cascades"]) == (2, 2)


def test_a_reply_to_a_missing_post_and_a_quote_of_a_repost(tmp_path):
    """A reply whose parent was never collected still counts, and hangs under nothing; a
    quote of a repost is a quote (a participation) by its own tag, and roots a reply tree."""
    people = [Account(str(i), f"u{i}") for i in range(1, 9)]
    case = Case(people, [
        Tweet("4001", "1", S, "#MeToo", replied_to="3999"),              # parent not there
        Tweet("4002", "2", S + seconds(60), "#MeToo it happened"),
        Tweet("4003", "3", S + seconds(120), "RT @u2: #MeToo it happened", retweeted="4002"),
        Tweet("4004", "4", S + seconds(180), "#MeToo read this", quoted="4003"),
        Tweet("4005", "5", S + seconds(240), "read this", quoted="4003"),
        Tweet("4006", "6", S + seconds(300), "me too", replied_to="4004"),
        Tweet("4007", "7", S + seconds(360), "me too", replied_to="4002"),
        Tweet("4008", "8", S + seconds(420), "#MeToo same", replied_to="4001"),
    ])
    campaign = replace(METOO, phrases=("me too",), origins=(("twitter", "4002"),))
    results, rc = measured(tmp_path, case, campaign)
    assert sorted(rc.matched) == ["4001", "4002", "4003", "4004", "4007", "4008"]
    assert_people_agree(results, rc)
    cta = results["call_to_action"]
    assert (cta["replies"], cta["replies_with_phrase"], cta["thread_size"]) == (1, 1, 1)
    reply = results["cascades"]["reply"]
    children = rc.reply_children()
    roots = [i for i, p in rc.matched.items() if p.kind in ("original", "quote")]
    grown = [r for r in roots if children.get(r)]
    assert reply["cascades"] == len(grown) == 2  # under 4002 and 4004; 4001 is a reply
    assert reply["largest_size"] == 2 and reply["largest_depth"] == 1
