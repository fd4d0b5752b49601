"""Planted roles (issue 25): every authored post of the simulated campaign carries a role,
worded in its language, some of them ambiguously; the truth counts the roles of the matching
authored posts and the sidecar ``<out>.roles.csv`` names each post by the id the store keeps.

The sidecar and the truth are checked against the independent recount of the written file
(:mod:`simulate.sim_oracle`) and, for the ids, against a store the file was ingested into."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from simulate.conftest import FORMATS

from groundswell import Store
from groundswell.simulate import default_roles_path, simulate
from groundswell.simulate import phrases as P
from groundswell.simulate import render as R

COLUMNS = ["platform", "post_id", "role", "lang", "matching", "ambiguous"]


def read_roles(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module", params=FORMATS)
def run(request, simulated):
    return simulated(request.param)


@pytest.fixture(scope="module")
def rows(run):
    return read_roles(default_roles_path(run.path))


def test_every_stored_authored_post_has_one_role(run, rows):
    recount = run.recount
    authored = {pid for pid, p in recount.posts.items() if p["kind"] != "repost"}
    ids = [r["post_id"] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == authored
    assert all(r["role"] in P.ROLES and r["lang"] in P.LANGS for r in rows)
    assert all(r["platform"] == run.truth["platform"] for r in rows)
    assert all(r["matching"] in ("0", "1") and r["ambiguous"] in ("0", "1") for r in rows)


def test_every_authored_post_has_words_or_a_tag(run, rows):
    """An ambiguous post may be a bare hashtag, never empty (nor a bare @mention or link)."""
    for r in rows:
        text = run.recount.posts[r["post_id"]]["text"]
        assert re.sub(r"@\S+|https://\S+", "", text).strip(), r


def test_the_sidecar_agrees_with_the_truth_and_the_recount(run, rows):
    """Matching = the recount's rules 1-2 on an authored post; per role, per language, per
    UTC day and per account, the sidecar's rows give the truth's figures."""
    truth, recount = run.truth, run.recount
    assert all((r["matching"] == "1") == recount.matched(r["post_id"]) for r in rows)
    matching = [r for r in rows if r["matching"] == "1"]
    assert len(matching) == truth["matched_posts"] - truth["matched_posts_by_kind"]["repost"]
    posts = Counter(r["role"] for r in matching)
    assert truth["roles"]["posts"] == {role: posts[role] for role in P.ROLES}
    accounts = defaultdict(set)
    for r in matching:
        accounts[r["role"]].add(recount.posts[r["post_id"]]["author"])
    assert truth["roles"]["accounts"] == {role: len(accounts[role]) for role in P.ROLES}
    assert len(set().union(*accounts.values())) == truth["participants"]
    by_lang: dict[str, Counter] = defaultdict(Counter)
    by_day: dict[str, Counter] = defaultdict(Counter)
    for r in matching:
        by_lang[r["lang"]][r["role"]] += 1
        day = recount.posts[r["post_id"]]["created"].strftime("%Y-%m-%d")
        by_day[day][r["role"]] += 1
    assert truth["roles_by_lang"] == {lang: {role: c[role] for role in P.ROLES}
                                      for lang, c in by_lang.items()}
    assert truth["roles_by_day"] == {day: {role: c[role] for role in P.ROLES}
                                     for day, c in by_day.items()}


def test_planted_shares_are_realistic_not_uniform(run):
    posts = run.truth["roles"]["posts"]
    total = sum(posts.values())
    share = {role: n / total for role, n in posts.items()}
    assert 0.35 < share["disclosure"] < 0.55
    assert 0.17 < share["support"] < 0.34
    assert 0.08 < share["commentary"] < 0.22
    assert 0.015 < share["opposition"] < 0.10
    assert 0.05 < share["other"] < 0.17
    for lang in ("en", "fr"):
        assert run.truth["roles_by_lang"][lang]["disclosure"] > 0


def test_non_matching_posts_are_mostly_other_or_commentary(rows):
    rest = Counter(r["role"] for r in rows if r["matching"] == "0")
    total = sum(rest.values())
    assert (rest["other"] + rest["commentary"]) / total > 0.6
    assert rest["other"] > rest["support"] > rest["disclosure"]


def test_ambiguous_and_noisy_posts_are_a_sane_share(rows):
    matching = [r for r in rows if r["matching"] == "1"]
    share = sum(r["ambiguous"] == "1" for r in matching) / len(matching)
    assert 0.06 < share < 0.22
    overall = sum(r["ambiguous"] == "1" for r in rows) / len(rows)
    assert 0.03 < overall < 0.22
    # every role has ambiguous posts, in more than one language
    amb = {(r["role"], r["lang"]) for r in rows if r["ambiguous"] == "1"}
    assert {role for role, _ in amb} == set(P.ROLES)
    assert len({lang for _, lang in amb}) >= 3


def test_role_shares_differ_by_day(run):
    """Disclosures come first; support (and backlash) grow in the days after."""
    by_day = sorted(run.truth["roles_by_day"].items())

    def share(days, role):
        n = sum(c[role] for _, c in days)
        return n / sum(sum(c.values()) for _, c in days)

    early, late = by_day[:2], by_day[4:]
    assert share(early, "disclosure") > share(late, "disclosure") + 0.08
    assert share(late, "support") > share(early, "support") + 0.05


def test_planted_role_shares_drift_with_the_days_of_a_wave():
    """Per kind of post (en or variant; original, reply, quote), as planted: fewer
    disclosures, more support, commentary and opposition six days into a wave."""
    for kind in range(len(R.ROLE_WEIGHTS)):
        first, later = (R.role_table(kind, day) + [1.0] for day in (0.0, 6.0))
        share = lambda cum, j: cum[j] - (cum[j - 1] if j else 0.0)  # noqa: E731
        assert share(later, R.DIS) < share(first, R.DIS)
        for role in (R.SUP, R.COM, R.OPP):
            assert share(later, role) > share(first, role), (kind, role)


def test_texts_per_role_exist_in_every_language(rows):
    for lang in P.LANGS:
        for role in P.ROLES:
            assert len(P.ROLE_TEXTS[lang][role]) >= 4, (lang, role)
            assert len([t for t in P.AMBIGUOUS[lang][role] if t]) >= 2, (lang, role)
        assert len(P.ROLE_TEXTS[lang]["support_to"]) >= 4
        assert len(set(P.ROLE_TEXTS[lang]["disclosure"]) & set(P.ROLE_TEXTS[lang]["other"])) == 0
    seen = Counter((r["lang"], r["role"]) for r in rows)
    assert all(seen[("en", role)] > 10 for role in P.ROLES)
    for lang in ("fr", "es", "it"):
        assert sum(seen[(lang, role)] > 0 for role in P.ROLES) >= 4, lang


def test_role_fragments_keep_the_phrase_bank_rules_and_fit_a_post():
    for frag in P.all_plain_fragments():
        assert len(frag) <= 120, frag
    for banks in (*P.ROLE_TEXTS.values(), *P.AMBIGUOUS.values()):
        for texts in banks.values():
            for t in texts:
                assert t in P.all_plain_fragments() or not t
                assert not re.search(r"\bme too\b", t, re.IGNORECASE), t


def _role_words(role: str) -> list[str]:
    words = [t for banks in P.ROLE_TEXTS.values() for t in banks[role]]
    if role == "commentary":
        words += [t for lines in P.BACKGROUND_COMMENTARY.values() for t in lines]
        words += [*P.BACKGROUND_COMMENTARY_REPLIES, P.ORIGIN_TEXT[:40]]
    if role == "opposition":
        words += list(R._ORIGIN_REPLY_TEXTS[R.OPP])
    return words


@pytest.mark.parametrize("role", ["commentary", "opposition"])
def test_clear_posts_are_worded_as_their_role(run, rows, role):
    """Unless planted ambiguous, a post's words are its role's (the evidence agrees)."""
    words = _role_words(role)
    clear = [r for r in rows if r["role"] == role and r["ambiguous"] == "0"]
    assert clear
    for r in clear:
        text = run.recount.posts[r["post_id"]]["text"]
        assert any(w in text for w in words), (r, text)


def test_the_sidecar_path_can_be_chosen_and_is_deterministic(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    simulate(2500, seed=3, out=a, roles=tmp_path / "planted.csv")
    simulate(2500, seed=3, out=b)
    assert not default_roles_path(a).exists()
    assert (tmp_path / "planted.csv").read_bytes() == default_roles_path(b).read_bytes()
    assert default_roles_path(Path("x/c.jsonl.gz")) == Path("x/c.roles.csv")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_sidecar_names_posts_as_the_store_does(fmt, tmp_path):
    """Ingested, the store holds exactly the sidecar's (platform, post_id) as its authored
    posts, and the sidecar's matching rows are the campaign's authored posts."""
    data = tmp_path / "c.jsonl"
    truth = simulate(1500, fmt=fmt, seed=5, out=data)
    rows = read_roles(default_roles_path(data))
    with Store(tmp_path / "c.duckdb") as store:
        store.ingest([data], server=truth.get("server"))
        stored = set(store.con.execute(
            "SELECT platform, post_id FROM posts WHERE kind <> 'repost'").fetchall())
        kinds = dict(store.con.execute(
            "SELECT post_id, kind FROM posts WHERE kind <> 'repost'").fetchall())
    assert {(r["platform"], r["post_id"]) for r in rows} == stored
    assert len(rows) == len(stored)
    matching = [r for r in rows if r["matching"] == "1"]
    by_kind = Counter(kinds[r["post_id"]] for r in matching)
    assert {k: by_kind[k] for k in ("original", "reply", "quote")} == {
        k: truth["matched_posts_by_kind"][k] for k in ("original", "reply", "quote")}
    assert sum(truth["roles"]["posts"].values()) == len(matching)
