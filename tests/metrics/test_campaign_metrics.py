"""Campaign metrics checked, not trusted.

Three independent answers must agree with what the metrics say:

* the simulator's planted truth (``groundswell.simulate.truth``), exactly, in both formats;
* a plain-Python recount over the *raw* file (``metrics/oracle.py``: ``json`` + ``gzip``, no
  sources, no store), following the matching rule in ``groundswell.scope.matching``;
* hand-built files whose answer is known by construction (doubling time, phrase matching).

Plus privacy: people who are not public figures appear only as keyed pseudonyms.
"""

from __future__ import annotations

import gc
import gzip
import json
import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from metrics.oracle import Raw, Recount, Spec, iso, mean_pair_distance, subtree

from groundswell import Store
from groundswell.campaign import Campaign
from groundswell.demo import campaign_from_truth
from groundswell.metrics import Scope, Tables, run
from groundswell.metrics.spread import first_participants
from groundswell.scope import Context
from groundswell.simulate import simulate

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
PSEUDONYM = re.compile(r"acct-[0-9a-f]{10}")

# (format, seed, posts): the same two campaigns written both ways.
SIMS = [("twitter-v2", 3, 9_000), ("twitter-v1", 3, 9_000),
        ("twitter-v2", 8, 13_000), ("twitter-v1", 8, 13_000)]


def hours(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 3600, 2)


@dataclass
class Sim:
    truth: dict
    campaign: Campaign
    store: Store
    report: dict
    raw: Raw
    rc: Recount
    key: bytes

    def context(self, key: bytes | None = None, campaign: Campaign | None = None) -> Context:
        return Context(Tables.from_backend(self.store.ibis),
                       Scope(campaign or self.campaign, self.key if key is None else key))

    @property
    def origin(self) -> str:
        return self.truth["campaign"]["origin_post_ids"][0]

    @property
    def origin_at(self) -> datetime:
        return self.rc.raw.posts[self.origin].created


@pytest.fixture(scope="module", params=SIMS, ids=[f"{f}-seed{s}-{n}" for f, s, n in SIMS])
def sim(request, tmp_path_factory):
    fmt, seed, n = request.param
    folder = tmp_path_factory.mktemp(f"sim-{fmt}-{seed}")
    data = folder / "c.jsonl.gz"
    truth = simulate(n, fmt=fmt, seed=seed, out=data)
    campaign = campaign_from_truth(truth)
    with Store(folder / "s.duckdb") as store:
        store.ingest([data])
        report = store.report(campaign=campaign)
        raw = Raw([data])
        key = store.pseudonym_key
        # Store.pseudonym_key leaves its DuckDB result unfetched (see
        # test_documented_api_with_the_key_read_first); finish it before Ibis reads a schema.
        store.con.execute("SELECT 1").fetchall()
        yield Sim(truth, campaign, store, report, raw, Recount(raw, Spec.of(campaign)), key)
        gc.collect()  # Ibis drops its cached tables on collection: do it while still open


# -- 1a. the planted truth, exactly ---------------------------------------------------------

def test_oracle_reads_the_file_as_the_truth_says(sim):
    """The oracle itself is checked against the simulator first, so it can judge metrics."""
    t, rc = sim.truth, sim.rc
    assert len(sim.raw.posts) == t["posts"]
    assert len(sim.raw.deleted) == t["deleted"] and sim.raw.malformed == t["malformed_lines"]
    assert len(rc.matched) == t["matched_posts"]
    assert sorted(rc.participants()) == t["participant_ids"]
    assert sorted(rc.amplifiers()) == t["amplifier_ids"]
    assert rc.notable_joiners() == t["notable_joiners"]


def test_magnitude_recovers_truth(sim):
    m, t = sim.report["magnitude"], sim.truth
    assert m["posts"] == t["matched_posts"]
    assert m["posts_by_kind"] == t["matched_posts_by_kind"]
    assert m["participants"] == t["participants"]
    assert m["amplifiers"] == t["amplifiers"]
    assert m["accounts"] == t["participants"] + t["amplifiers"]


def test_call_to_action_recovers_truth(sim):
    c, t = sim.report["call_to_action"], sim.truth
    assert c["origin_post_ids"] == [sim.origin] and c["origin_found"] is True
    assert c["replies"] == t["replies_to_origin"]
    assert c["replies_with_phrase"] == t["replies_to_origin_with_phrase"]


def test_notable_joiners_recover_truth(sim):
    got = sim.report["spread"]["notable_joiners"]
    want = sim.truth["notable_joiners"][:50]
    assert len(want) > 0 and len(got) == len(want)
    assert [(g["author_id"], g["account"], g["followers"], g["first_post_at"]) for g in got] \
        == [(w["author_id"], "@" + w["handle"], w["followers"], w["first_post_at"])
            for w in want]
    assert all(g["public_figure"] for g in got)


def test_tag_starts_recover_truth(sim):
    variants = {v["tag"]: v for v in sim.report["spread"]["variants"]}
    for tag, start in sim.truth["variant_starts"].items():
        assert variants[tag]["first_post_at"] == start, tag
    (response,) = sim.report["response_tags"]
    assert response["tag"] == "ibelieveyou"
    assert response["first_post_at"] == sim.truth["response_tag_start"]
    assert response["posts"] == sim.truth["response_tag_posts"]
    assert response["accounts"] == sim.truth["response_tag_accounts"]


# -- 1b. an independent recount over the raw file ------------------------------------------

def test_magnitude_matches_raw_recount(sim):
    m, rc = sim.report["magnitude"], sim.rc
    assert m["posts"] == len(rc.matched)
    assert m["posts_by_kind"] == rc.by_kind()
    assert m["participants"] == len(rc.participants())
    assert m["amplifiers"] == len(rc.amplifiers())
    assert m["accounts"] == len({p.author for p in rc.matched.values()})
    times = sorted(p.created for p in rc.matched.values())
    assert (m["first_post"], m["last_post"]) == (iso(times[0]), iso(times[-1]))
    assert m["origin_at"] == iso(sim.origin_at)
    assert (m["peak_hour"], m["peak_hour_posts"]) == rc.peak_hour()


def test_hourly_series_and_milestones_match_raw_recount(sim):
    m, rc = sim.report["magnitude"], sim.rc
    hour = {}
    for p in rc.matched.values():
        h = iso(p.created.replace(minute=0, second=0))
        hour[h] = hour.get(h, 0) + 1
    assert {r["hour"]: r["posts"] for r in m["hourly"] if r["posts"]} == hour
    joined = rc.first_times(participants_only=True)
    new = {}
    for t in joined.values():
        h = iso(t.replace(minute=0, second=0))
        new[h] = new.get(h, 0) + 1
    assert {r["hour"]: r["new_participants"] for r in m["hourly"]
            if r["new_participants"]} == new
    assert m["hourly"][-1]["cumulative_participants"] == len(joined)

    post_times = sorted(p.created for p in rc.matched.values())
    part_times = sorted(joined.values())
    milestones = {(r["metric"], r["count"]): r for r in m["milestones"]}
    for what, times in (("posts", post_times), ("participants", part_times)):
        for n in (1_000, 10_000):
            row = milestones[(what, n)]
            if len(times) >= n:
                assert row["reached_at"] == iso(times[n - 1])
                assert row["hours_from_origin"] == hours(times[n - 1], sim.origin_at)
            else:
                assert row["reached_at"] is None and row["hours_from_origin"] is None
    assert m["hours_to_posts"]["1000"] == hours(post_times[999], post_times[0])


def test_series_languages_and_joiners_match_raw_recount(sim):
    """The daily and hourly series whole, languages per day, and each notable joiner's and
    first participant's hours since the origin and how they joined."""
    m, spread, rc = sim.report["magnitude"], sim.report["spread"], sim.rc
    assert m["daily"] == rc.series("D") and m["hourly"] == rc.series("h")
    assert spread["languages"] == rc.languages()
    origin = rc.origin_at()
    assert origin == sim.origin_at
    assert [(j["author_id"], j["first_post_at"], j["hours_since_origin"], j["as"])
            for j in spread["notable_joiners"]] == [
        (j["author_id"], j["first_post_at"], j["hours_since_origin"], j["as"])
        for j in rc.notable_joined(origin)][:50]
    assert {j["as"] for j in spread["notable_joiners"]} == {"participant", "amplifier"}
    assert [(p["first_post_at"], p["hours_since_origin"]) for p in spread["first_participants"]
            ] == [(iso(t), rc.hours(t, origin)) for _, t in rc.first_participants()[:20]]


def test_doubling_time_matches_raw_recount(sim):
    origin = sim.origin_at
    per_hour = [0] * 24
    for p in sim.rc.matched.values():
        k = math.floor((p.created - origin).total_seconds() / 3600)
        if 0 <= k < 24:
            per_hour[k] += 1
    points = []
    for k in range(24):
        total = sum(per_hour[: k + 1])
        if total:
            points.append((k + 1, math.log(total)))
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    slope = (sum((x - mx) * (y - my) for x, y in points)
             / sum((x - mx) ** 2 for x, _ in points))
    assert slope > 0
    assert sim.report["magnitude"]["doubling_time_hours"] == round(math.log(2) / slope, 2)


def test_call_to_action_matches_raw_recount(sim):
    c, rc = sim.report["call_to_action"], sim.rc
    assert {k: c[k] for k in ("replies", "replies_with_phrase", "replies_with_tag",
                              "replies_matching", "repliers", "repliers_with_phrase",
                              "repliers_with_tag", "repliers_matching")
            } == rc.replies_to_origin()
    nodes, height = subtree(rc.reply_children(), sim.origin)
    assert c["thread_size"] == len(nodes) - 1
    assert c["thread_depth"] == height
    assert c["thread_size"] > c["replies"]  # the thread has replies to replies


def test_repost_cascades_match_raw_recount(sim):
    repost, rc = sim.report["cascades"]["repost"], sim.rc
    size = rc.largest_repost_cascade()
    assert size > 2
    assert repost["largest_size"] == size
    assert repost["largest_depth"] == 1
    assert repost["largest_structural_virality"] == round(2 * (size - 1) / size, 6)
    roots = {i for i, p in rc.matched.items() if p.kind != "repost"}
    reposts = [p for p in rc.matched.values() if p.kind == "repost" and p.repost_of in roots]
    assert repost["reposts_in_cascades"] == len(reposts)
    assert repost["cascades"] == len({p.repost_of for p in reposts})


def test_reply_cascades_match_raw_recount(sim):
    reply, rc = sim.report["cascades"]["reply"], sim.rc
    children = rc.reply_children()
    candidates = {i for i, p in rc.matched.items() if p.kind in ("original", "quote")}
    candidates.add(sim.origin)
    trees = {r: subtree(children, r) for r in candidates}
    grown = {r: t for r, t in trees.items() if len(t[0]) > 1}
    largest = min(grown, key=lambda r: (-len(grown[r][0]), r))
    nodes, height = grown[largest]
    edges = [(kid, parent) for parent in nodes for kid in children.get(parent, ())]
    assert reply["cascades"] == len(grown)
    assert reply["largest_size"] == len(nodes)
    assert reply["largest_depth"] == height
    assert reply["largest_root_is_origin"] is (largest == sim.origin)
    assert reply["largest_structural_virality"] == pytest.approx(
        mean_pair_distance(nodes, edges), abs=1e-6)
    assert reply["deepest"] == max(h for _, h in grown.values())


def test_response_tags_match_raw_recount(sim):
    """Lift's "campaign" is the campaign's matching posts (rules 1-3 of the scope)."""
    assert sim.report["response_tags"] == [sim.rc.response_tag("ibelieveyou")]


def test_cotags_match_raw_recount(sim):
    assert sim.report["cotags"] == sim.rc.cotags()


def test_variants_match_raw_recount(sim):
    rc = sim.rc
    tagged = [p for p in rc.window.values() if p.tags & rc.spec.tags]
    for v in sim.report["spread"]["variants"]:
        carrying = [p for p in tagged if v["tag"] in p.tags]
        first = min(p.created for p in carrying)
        assert (v["posts"], v["accounts"], v["first_post_at"], v["hours_since_origin"]) == (
            len(carrying), len({p.author for p in carrying}), iso(first),
            hours(first, sim.origin_at)), v["tag"]
        assert v["share"] == round(len(carrying) / len(tagged), 6)


# -- 1d. privacy ----------------------------------------------------------------------------

def test_first_participants_name_only_public_figures(sim):
    rc = sim.rc
    want = rc.first_participants()
    got = first_participants(sim.context(), n=len(want) + 10)
    assert len(got) == len(want)
    public_seen = 0
    for g, (author, at) in zip(got, want, strict=True):
        user = sim.raw.users[author]
        assert g["first_post_at"] == iso(at)
        if rc.public(author):
            public_seen += 1
            assert (g["account"], g["public_figure"], g["followers"]) == (
                "@" + user.handle, True, user.followers)
        else:
            assert PSEUDONYM.fullmatch(g["account"]), g
            assert g["public_figure"] is False and g["followers"] is None
    assert public_seen > 0
    assert len({g["account"] for g in got}) == len(got)  # one pseudonym per person
    # the report's own (short) list is the head of the full one
    assert sim.report["spread"]["first_participants"] == got[:20]


def test_report_never_names_private_accounts(sim):
    """No handle or id of an account below the public-figure bar appears anywhere."""
    rc = sim.rc
    private = {a for a in {p.author for p in rc.window.values()} if not rc.public(a)}
    secrets = {sim.raw.users[a].handle for a in private} | private
    secrets |= {"@" + s for s in list(secrets)}
    strings: set[str] = set()

    def collect(node) -> None:
        if isinstance(node, dict):
            strings.update(node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)
        elif isinstance(node, str):
            strings.add(node)

    collect(sim.report)
    assert not strings & secrets


def test_pseudonyms_are_stable_per_key(sim):
    ctx_a, ctx_b = sim.context(), sim.context()
    other = sim.context(key=b"another store's key")
    a, b, c = (first_participants(x, n=100_000) for x in (ctx_a, ctx_b, other))
    assert a == b
    assert sim.report["spread"]["first_participants"] == a[:20]
    pairs = list(zip(a, c, strict=True))
    private = [(x, y) for x, y in pairs if not x["public_figure"]]
    public = [(x, y) for x, y in pairs if x["public_figure"]]
    assert private and all(x["account"] != y["account"] for x, y in private)
    assert public and all(x == y for x, y in public)


def test_verified_badge_rule_is_honoured(sim):
    """With ``verified = false`` only the follower bar makes someone public."""
    strict = replace(sim.campaign, public_figure_verified=False)
    got = first_participants(sim.context(campaign=strict), n=100_000)
    for g in got:
        if g["account"].startswith("@"):
            assert g["followers"] >= strict.public_figure_followers
        else:
            assert PSEUDONYM.fullmatch(g["account"])
    badge_only = [a for a in sim.rc.participants() if sim.raw.users[a].verified
                  and sim.raw.users[a].followers < 100_000]
    assert badge_only  # the simulator has verified accounts below the follower bar
    named = {g["account"] for g in got}
    assert not named & {"@" + sim.raw.users[a].handle for a in badge_only}


# -- 1c. real data ----------------------------------------------------------------------------

REAL_FILES = ("brexit.jsonl", "flat.jsonl")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    folder = CORPORA / "twarc2"
    if not all((folder / f).is_file() for f in REAL_FILES):
        pytest.skip(f"real twarc2 corpora not found under {folder}")
    paths = [folder / f for f in REAL_FILES]
    campaign = replace(Campaign.from_tags(["brexit"]),
                       response_tags=("borisjohnson", "johnsonout", "nosuchtag"))
    with Store(tmp_path_factory.mktemp("real") / "r.duckdb") as store:
        store.ingest(paths)
        report = store.report(campaign=campaign,
                              metrics=["magnitude", "response_tags", "cotags", "cascades"])
        raw = Raw(paths)
        yield report, Recount(raw, Spec.of(campaign))
        gc.collect()


def test_real_magnitude_matches_raw_json(real):
    report, rc = real
    m = report["magnitude"]
    assert len(rc.matched) > 100  # the data is about Brexit
    assert m["posts"] == len(rc.matched)
    assert m["posts_by_kind"] == rc.by_kind()
    assert m["participants"] == len(rc.participants())
    assert m["amplifiers"] == len(rc.amplifiers())
    assert m["accounts"] == len({p.author for p in rc.matched.values()})
    assert (m["peak_hour"], m["peak_hour_posts"]) == rc.peak_hour()


def test_real_cotags_and_cascades_match_raw_json(real):
    report, rc = real
    assert report["cotags"] == rc.cotags()
    assert report["cascades"]["repost"]["largest_size"] == rc.largest_repost_cascade()


def test_real_response_tags_match_raw_json(real):
    report, rc = real
    assert report["response_tags"] == [rc.response_tag(t) for t in rc.spec.response_tags]


# -- 1b'. the phrase rule on hand-made replies ---------------------------------------------

T0 = datetime(2017, 10, 15, 12, 0, 0)


def v1_status(post_id: int, author: int, at: datetime, text: str, tags: tuple[str, ...] = (),
              reply_to: int | None = None) -> dict:
    entities = []
    for tag in tags:
        start = text.index("#" + tag)
        entities.append({"text": tag, "indices": [start, start + len(tag) + 1]})
    return {"created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": post_id,
            "id_str": str(post_id), "text": text,
            "in_reply_to_status_id_str": None if reply_to is None else str(reply_to),
            "user": {"id": author, "id_str": str(author), "screen_name": f"user{author}",
                     "followers_count": 10, "verified": False},
            "entities": {"hashtags": entities, "user_mentions": []}, "lang": "en"}


def write_lines(path: Path, records: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    return path


ORIGIN_ID = 1000
# (reply text, says "me too" as whole words?) -- by the rule's own words.
PHRASE_CASES = [
    ("Me too.", True),
    ("ME  TOO", True),  # any case, any run of spaces
    ("sadly me\ntoo", True),
    ("me\u00a0too", True),  # a no-break space is a space
    ("Me. Too.", False),
    ("metoo", False),
    ("me toon", False),
    ("ñme too", False),  # "ñme" is one word, not "me"
    ("me tooñ", False),
]


@pytest.fixture(scope="module")
def phrase_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phrase")
    records = [v1_status(ORIGIN_ID, 1, T0, "Reply me too if this happened to you")]
    for i, (text, _) in enumerate(PHRASE_CASES):
        records.append(v1_status(ORIGIN_ID + 1 + i, 10 + i, T0 + timedelta(minutes=i + 1),
                                 text, reply_to=ORIGIN_ID))
    # a "me too" that is not a reply to the origin is everyday speech
    records.append(v1_status(5000, 99, T0 + timedelta(hours=1), "me too, I love pizza"))
    path = write_lines(folder / "phrase.jsonl.gz", records)
    campaign = Campaign(name="t", main_tag="metoo", phrases=("me too",),
                        origins=(("twitter", str(ORIGIN_ID)),))
    with Store(folder / "p.duckdb") as store:
        store.ingest([path])
        ctx = Context(Tables.from_backend(store.ibis), Scope(campaign, store.pseudonym_key))
        matched = set(ctx.matched.select("post_id").to_pyarrow()["post_id"].to_pylist())
        report = run(Tables.from_backend(store.ibis), Scope(campaign), ["call_to_action"])
        anywhere = Context(Tables.from_backend(store.ibis), Scope(replace(
            campaign, phrases_only_in_replies_to_origin=False), store.pseudonym_key))
        said_anywhere = set(anywhere.matched.select("post_id").to_pyarrow()["post_id"]
                            .to_pylist())
        del ctx, anywhere
        yield (matched, report["call_to_action"], Recount(Raw([path]), Spec.of(campaign)),
               said_anywhere)
        gc.collect()


@pytest.mark.parametrize("i", range(len(PHRASE_CASES)),
                         ids=[repr(t) for t, _ in PHRASE_CASES])
def test_phrase_rule_whole_words(phrase_store, i):
    matched, _, rc, anywhere = phrase_store
    post_id = str(ORIGIN_ID + 1 + i)
    expected = PHRASE_CASES[i][1]
    assert (post_id in rc.matched) is expected  # the oracle reads the rule the same way
    assert (post_id in matched) is expected
    assert (post_id in anywhere) is expected  # the same words rule when phrases count anywhere


def test_phrase_rule_only_in_replies_to_origin(phrase_store):
    matched, cta, _, anywhere = phrase_store
    assert "5000" not in matched and str(ORIGIN_ID) not in matched
    assert "5000" in anywhere and str(ORIGIN_ID) in anywhere  # "Reply me too if..."
    assert cta["replies"] == len(PHRASE_CASES)


def test_call_to_action_counts_phrases_by_the_same_rule(phrase_store):
    _, cta, _, _ = phrase_store
    assert cta["replies_with_phrase"] == sum(ok for _, ok in PHRASE_CASES)


def test_documented_api_with_the_key_read_first(tmp_path):
    """``key = store.pseudonym_key`` then ``run(Tables.from_backend(store.ibis),
    Scope(campaign, key))`` must work and give the report's own pseudonyms."""
    records = [v1_status(i, 10 + i, T0 + timedelta(minutes=i), f"#grow {i}", ("grow",))
               for i in range(1, 6)]
    path = write_lines(tmp_path / "few.jsonl.gz", records)
    campaign = Campaign.from_tags(["grow"])
    with Store(tmp_path / "k.duckdb") as store:
        store.ingest([path])
        want = store.report(campaign=campaign, metrics=["spread"])["spread"]
        key = store.pseudonym_key
        try:
            got = run(Tables.from_backend(store.ibis), Scope(campaign, key), ["spread"])
        finally:
            store.con.execute("SELECT 1").fetchall()
            gc.collect()
    assert got["spread"] == want
    assert [p["account"] for p in want["first_participants"]] == [
        p["account"] for p in got["spread"]["first_participants"]]


# -- 1e. doubling time on a built-to-order campaign ------------------------------------------

def grow_report(folder: Path, cumulative: list[int]) -> dict:
    """Posts tagged #grow, first at T0, so that ``cumulative[h]`` exist by the end of hour h."""
    records, post_id, before = [], 1, 0
    for h, total in enumerate(cumulative):
        new = total - before
        for j in range(new):
            at = T0 + timedelta(hours=h, seconds=j * 3599 // max(new, 1))
            records.append(v1_status(post_id, post_id % 97 + 1, at, f"#grow {post_id}", ("grow",)))
            post_id += 1
        before = total
    path = write_lines(folder / "grow.jsonl.gz", records)
    with Store(folder / "g.duckdb") as store:
        store.ingest([path])
        report = store.report(campaign=Campaign.from_tags(["grow"]), metrics=["magnitude"])
        gc.collect()
    return report["magnitude"]


def test_doubling_time_of_a_campaign_doubling_every_two_hours(tmp_path):
    cumulative = [round(2 ** ((h + 1) / 2)) for h in range(24)]  # 1, 2, 3, 4, 6, ... 4096
    m = grow_report(tmp_path, cumulative)
    assert m["posts"] == cumulative[-1]
    assert m["origin_at"] == iso(T0)
    assert m["doubling_time_hours"] == pytest.approx(2.0, abs=0.05)


def test_doubling_time_is_none_without_growth(tmp_path):
    flat = [50] * 24  # everything in the first hour, nothing after
    m = grow_report(tmp_path, flat)
    assert m["posts"] == 50
    assert m["doubling_time_hours"] is None


def test_doubling_time_is_none_for_a_single_post(tmp_path):
    m = grow_report(tmp_path, [1])
    assert m["posts"] == 1 and m["doubling_time_hours"] is None
