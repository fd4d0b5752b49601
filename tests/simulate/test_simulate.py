"""The simulator: determinism, real formats, exact entities, and a truth that an independent
recount of the written file reproduces figure by figure."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simulate.sim_oracle import Recount, read_lines

from groundswell.campaign import Campaign
from groundswell.demo import campaign_from_truth
from groundswell.simulate import default_campaign_path, default_truth_path, simulate
from groundswell.simulate import phrases as P
from groundswell.simulate.clock import TWITTER_EPOCH_MS

FORMATS = ("twitter-v2", "twitter-v1")
ORIGIN_AT = datetime(2017, 10, 15, 20, 21, tzinfo=UTC)
POSTS = 12_000


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.fixture(scope="module", params=FORMATS)
def run(request, tmp_path_factory):
    """One mid-sized run per format: (format, path, truth, progress increments).

    ``SIM_SEED=n pytest tests/simulate`` re-runs every property on another seed.
    """
    fmt = request.param
    path = tmp_path_factory.mktemp(fmt) / "campaign.jsonl"
    steps: list[int] = []
    truth = simulate(POSTS, fmt=fmt, seed=int(os.environ.get("SIM_SEED", "7")), out=path,
                     progress=steps.append)
    return fmt, path, truth, steps


@pytest.fixture(scope="module")
def recount(run):
    fmt, path, truth, _ = run
    return Recount(path, fmt, truth)


# -- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes_other_seed_other_bytes(fmt, tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    simulate(2500, fmt=fmt, seed=3, out=a)
    simulate(2500, fmt=fmt, seed=3, out=b)
    simulate(2500, fmt=fmt, seed=4, out=c)
    assert a.read_bytes() == b.read_bytes()
    assert default_truth_path(a).read_bytes() == default_truth_path(b).read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_bytes_do_not_depend_on_the_interpreter_hash_seed(tmp_path):
    """Set iteration order varies with PYTHONHASHSEED; nothing written may depend on it."""
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    simulate(1500, fmt="twitter-v1", seed=2, out=here)
    code = ("from groundswell.simulate import simulate; "
            f"simulate(1500, fmt='twitter-v1', seed=2, out={str(there)!r})")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert here.read_bytes() == there.read_bytes()
    assert default_truth_path(here).read_bytes() == default_truth_path(there).read_bytes()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="format"):
        simulate(10, fmt="bluesky", out=tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match="posts"):
        simulate(0, out=tmp_path / "x.jsonl")


@pytest.mark.parametrize("posts", [1, 7, 150])
def test_tiny_runs_still_hit_the_exact_count(posts, tmp_path):
    for fmt in FORMATS:
        t = simulate(posts, fmt=fmt, seed=posts, out=tmp_path / f"{fmt}.jsonl")
        assert t["posts"] == posts == sum(t["posts_by_kind"].values())


def test_gzip_output_is_deterministic_and_holds_the_same_lines(tmp_path):
    plain, z1, z2 = tmp_path / "p.jsonl", tmp_path / "z1.jsonl.gz", tmp_path / "z2.jsonl.gz"
    simulate(2000, seed=9, out=plain)
    t1 = simulate(2000, seed=9, out=z1)
    simulate(2000, seed=9, out=z2)
    assert z1.read_bytes() == z2.read_bytes()
    assert gzip.decompress(z1.read_bytes()) == plain.read_bytes()
    assert (tmp_path / "z1.truth.json").exists() and t1["posts"] == 2000


def test_default_truth_path():
    assert default_truth_path(Path("d/campaign.jsonl")) == Path("d/campaign.truth.json")
    assert default_truth_path(Path("campaign.jsonl.gz")) == Path("campaign.truth.json")


def test_explicit_truth_path_and_start(tmp_path):
    start = datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
    t = simulate(1500, fmt="twitter-v1", seed=1, out=tmp_path / "x.jsonl",
                 truth=tmp_path / "t.json", start=start)
    assert json.loads((tmp_path / "t.json").read_text()) == t
    assert _at(t["first_post"]) < start < _at(t["last_post"])
    assert start <= _at(t["response_tag_start"]) < start + timedelta(hours=14)


# -- the file -------------------------------------------------------------------------------


def test_posts_is_exact_and_progress_adds_up(run):
    _, _, truth, steps = run
    assert truth["posts"] == POSTS
    assert sum(steps) == POSTS and all(s > 0 for s in steps)
    assert truth["deleted"] >= 1 and truth["malformed_lines"] >= 1


def test_every_line_is_json_except_the_planted_malformed_ones(run, recount):
    _, _, truth, _ = run
    assert recount.malformed == truth["malformed_lines"] >= 1
    assert recount.lines == truth["lines"]


def test_independent_recount_equals_truth(run, recount):
    _, _, truth, _ = run
    got = recount.figures()
    for key, value in got.items():
        assert truth[key] == value, key


def test_truth_is_json_with_sorted_keys_and_int_counts(run):
    _, path, truth, _ = run
    text = default_truth_path(path).read_text()
    assert json.loads(text) == truth
    keys = list(json.loads(text))
    assert keys == sorted(keys)
    assert all(isinstance(v, int) for v in truth["tag_posts"].values())
    assert truth["campaign"]["variants"] == {"balancetonporc": "fr", "yotambien": "es",
                                             "quellavoltache": "it"}


def test_serialisation_is_byte_for_byte_the_platform_style(run):
    """v2 as twarc2 writes (json.dumps defaults); v1 as Twitter sent it (compact, \\/)."""
    fmt, path, truth, _ = run
    checked = 0
    for line in read_lines(path)[:400]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if fmt == "twitter-v2" and "data" in obj:
            assert line == json.dumps(obj)
        elif fmt == "twitter-v1":
            assert line == json.dumps(obj, separators=(",", ":")).replace("/", "\\/")
        checked += 1
        assert line.isascii()
    assert checked > 50 if fmt == "twitter-v1" else checked > 20


def _v2_tweets(path: Path):
    for line in read_lines(path):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "data" in obj:
            yield obj, obj["data"] + obj["includes"].get("tweets", [])


def _v1_statuses(path: Path):
    def walk(st, top):
        yield st, top
        for key in ("retweeted_status", "quoted_status"):
            if key in st:
                yield from walk(st[key], False)

    for line in read_lines(path):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "delete" not in obj:
            yield from walk(obj, True)


def _check_entities(text: str, tags, mentions, urls) -> int:
    for start, end, tag in tags:
        assert text[start] in "#\uff03" and text[start + 1: end] == tag, (text, tag)
    for start, end, handle in mentions:
        assert text[start:end] == "@" + handle, (text, handle)
    for start, end, url in urls:
        assert text[start:end] == url
    return len(tags)


def test_entities_match_the_text_by_code_points(run):
    fmt, path, _, _ = run
    n_tags = 0
    if fmt == "twitter-v2":
        for _, tweets in _v2_tweets(path):
            for t in tweets:
                e = t.get("entities", {})
                n_tags += _check_entities(
                    t["text"], [(h["start"], h["end"], h["tag"]) for h in e.get("hashtags", [])],
                    [(m["start"], m["end"], m["username"]) for m in e.get("mentions", [])],
                    [(u["start"], u["end"], u["url"]) for u in e.get("urls", [])])
                assert "#" not in t["text"] or "entities" in t
    else:
        for st, _ in _v1_statuses(path):
            for text, e in [(st["text"], st["entities"])] + (
                    [(st["extended_tweet"]["full_text"], st["extended_tweet"]["entities"])]
                    if "extended_tweet" in st else []):
                n_tags += _check_entities(
                    text, [(*h["indices"], h["text"]) for h in e["hashtags"]],
                    [(*m["indices"], m["screen_name"]) for m in e["user_mentions"]],
                    [(*u["indices"], u["url"]) for u in e["urls"]])
    assert n_tags > POSTS // 2


def test_v1_long_posts_use_extended_tweet(run):
    fmt, path, _, _ = run
    if fmt != "twitter-v1":
        pytest.skip("v1.1 only")
    long_posts = 0
    for st, _ in _v1_statuses(path):
        assert len(st["text"]) <= 140
        ext = st.get("extended_tweet")
        if ext:
            long_posts += 1
            assert st["truncated"] is True and len(ext["full_text"]) > 140
            assert st["text"].endswith(st["entities"]["urls"][-1]["url"])
            assert "\u2026 https://t.co/" in st["text"]
            lo, hi = ext["display_text_range"]
            assert 0 <= lo < hi <= len(ext["full_text"])
        else:
            assert st["truncated"] is False
        if "retweeted_status" in st:
            assert st["text"].startswith("RT @" + st["retweeted_status"]["user"]["screen_name"])
            assert "extended_tweet" not in st
    assert long_posts > 20


def test_v2_pages_look_like_twarc2(run):
    fmt, path, _, _ = run
    if fmt != "twitter-v2":
        pytest.skip("v2 only")
    pages = 0
    for obj, _ in _v2_tweets(path):
        pages += 1
        data, inc = obj["data"], obj["includes"]
        assert 1 <= len(data) <= 100 and obj["meta"]["result_count"] == len(data)
        assert obj["__twarc"]["version"] == "2.14.0"
        assert obj["__twarc"]["url"].startswith("https://api.twitter.com/2/tweets/search/all?")
        ids = [int(t["id"]) for t in data]
        assert ids == sorted(ids, reverse=True)  # search returns newest first
        assert obj["meta"]["newest_id"] == data[0]["id"]
        included = {t["id"] for t in inc.get("tweets", [])}
        users = {u["id"] for u in inc["users"]}
        for t in data:
            for ref in t.get("referenced_tweets", []):
                assert ref["id"] in included
            assert t["author_id"] in users
            if "in_reply_to_user_id" in t:
                assert t["in_reply_to_user_id"] in users
            assert t["created_at"].endswith(".000Z")
        for t in inc.get("tweets", []):
            assert t["author_id"] in users
    assert pages >= POSTS // 100


def test_ids_are_snowflakes_consistent_with_created_at(run):
    fmt, path, _, _ = run
    if fmt == "twitter-v2":
        tweets = (t for _, ts in _v2_tweets(path) for t in ts)
        pairs = ((int(t["id"]), _at(t["created_at"])) for t in tweets)
    else:
        pairs = ((st["id"], datetime.strptime(st["created_at"], "%a %b %d %H:%M:%S %z %Y"))
                 for st, _ in _v1_statuses(path))
    n = 0
    for post_id, created in pairs:
        ms = (post_id >> 22) + TWITTER_EPOCH_MS
        assert ms // 1000 == int(created.timestamp())
        n += 1
    assert n > POSTS


def test_deletes_follow_their_post_and_are_absent(run, recount):
    fmt, path, truth, _ = run
    seen: set[str] = set()
    deletes = 0
    for line in read_lines(path):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if fmt == "twitter-v2":
            if obj.get("action") == "delete":
                assert obj["id"] in seen and obj["reason"] == "deleted"
                deletes += 1
            else:
                seen.update(t["id"] for t in obj["data"])
        elif "delete" in obj:
            assert obj["delete"]["status"]["id_str"] in seen
            deletes += 1
        else:
            seen.add(obj["id_str"])
    assert deletes == truth["deleted"] >= 1
    assert not recount.deleted & set(recount.posts)


# -- the campaign ---------------------------------------------------------------------------


def test_origin_is_the_call_to_action(run, recount):
    _, _, truth, _ = run
    origin = recount.posts[truth["campaign"]["origin_post_ids"][0]]
    assert "me too" in origin["text"] and origin["kind"] == "original"
    assert origin["created"] == ORIGIN_AT
    assert recount.users[origin["author"]]["followers"] > 2_000_000
    assert truth["campaign"]["origin_tags"] == [] and not origin["tags"]
    assert truth["replies_to_origin"] > truth["replies_to_origin_with_phrase"] > 0


def test_response_tag_starts_hours_after_the_origin(run):
    _, _, truth, _ = run
    delay = _at(truth["response_tag_start"]) - ORIGIN_AT
    assert timedelta(hours=5) < delay < timedelta(hours=11)
    assert truth["tag_posts"]["ibelieveyou"] > POSTS // 50


def test_variants_start_days_later_in_their_language(run, recount):
    _, _, truth, _ = run
    for tag, lang in truth["campaign"]["variants"].items():
        start = _at(truth["variant_starts"][tag])
        assert ORIGIN_AT + timedelta(days=1) < start < ORIGIN_AT + timedelta(days=5)
        carrying = [p for p in recount.posts.values() if tag in p["tags"]]
        assert carrying and all(p["lang"] == lang for p in carrying)
        assert min(p["created"] for p in carrying) == start


def test_public_figures_join_early(run):
    _, _, truth, _ = run
    # the cast of public figures (at least 150,000 followers), not the ordinary accounts
    # planted at the 100,000 threshold (groundswell.simulate.edges)
    big = [j for j in truth["notable_joiners"] if j["followers"] >= 150_000]
    assert len(big) >= 10
    for j in big:
        assert _at(j["first_post_at"]) - ORIGIN_AT < timedelta(hours=12)
    times = [_at(j["first_post_at"]) for j in truth["notable_joiners"]]
    assert times == sorted(times)


def test_campaign_shape(run, recount):
    """A burst after the origin, decaying over days, on top of steady background."""
    _, _, truth, _ = run
    by_day = [0] * 12
    for p in recount.posts.values():
        if p["tags"] & recount.campaign_tags:
            by_day[(p["created"] - ORIGIN_AT).days + 1] += 1
    assert by_day[0] == 0  # nothing before the origin
    assert by_day[1] == max(by_day) and by_day[1] > 3 * by_day[7]
    share = 1 - truth["matched_posts"] / truth["posts"]
    assert 0.2 < share < 0.6  # background plus unmatched campaign chatter
    kinds = truth["posts_by_kind"]
    assert kinds["repost"] > kinds["original"] > kinds["reply"] > kinds["quote"] > 0
    assert truth["amplifiers"] > 0 and truth["participants"] > 0


def test_hashtags_are_written_in_many_forms(recount):
    forms = set()
    for p in recount.posts.values():
        forms.update(re.findall(r"[#\uff03][^\s#\uff03]+", p["text"]))
    metoo = {f for f in forms if f[1:].casefold() == "metoo"}
    assert len(metoo) >= 4


def test_phrase_bank_keeps_entities_and_phrase_unambiguous():
    for frag in P.all_plain_fragments():
        assert not any(c in frag for c in "#@&<>\uff03"), frag
        assert "http" not in frag
        assert not re.search(r"\bme too\b", frag, re.IGNORECASE), frag
    for shape in P.PHRASE_REPLIES:
        assert re.search(r"\bme too\b", " ".join(shape), re.IGNORECASE)


def test_posts_fit_twitters_280_code_points(recount):
    longest = max(len(p["text"]) for p in recount.posts.values())
    assert 140 < longest <= 280


# -- what the simulator plants for the rules the data rarely shows --------------------------


def test_the_planted_campaign_is_written_as_a_campaign_file(run):
    """`groundswell report --campaign` on the file beside the data measures exactly the
    campaign the truth describes (origin, tags, window)."""
    _, path, truth, _ = run
    planted = Campaign.load(default_campaign_path(path))
    assert planted == campaign_from_truth(truth)
    assert planted.origin_post_ids == tuple(truth["campaign"]["origin_post_ids"])
    origin = ORIGIN_AT.replace(tzinfo=None)
    assert (planted.start, planted.end) == (origin - timedelta(hours=20),
                                            origin + timedelta(days=8))


def test_the_window_is_narrower_than_the_data(run, recount):
    """Campaign posts exist after the window's end, background before its start: the window
    decides, at scale too."""
    _, _, truth, _ = run
    tagged = [pid for pid, p in recount.posts.items() if p["tags"] & recount.campaign_tags]
    outside = [pid for pid in tagged if not recount.inside(pid)]
    assert len(outside) > 10
    assert min(p["created"] for p in recount.posts.values()) < recount.start
    assert truth["matched_posts"] < len(tagged) + truth["matched_posts_by_kind"]["repost"]


def test_reposts_of_reposts_are_planted_and_do_not_match_by_rule_3(run, recount):
    chains = [pid for pid, p in recount.posts.items() if p["kind"] == "repost"
              and recount.posts[p["repost_of"]]["kind"] == "repost"]
    assert len(chains) >= round(0.002 * POSTS * 0.4)  # ~0.2 % of the ~40 % that are reposts
    untagged = [pid for pid in chains if not recount.posts[pid]["tags"]]
    assert untagged and not any(recount.matched(pid) for pid in untagged)


def test_accounts_sit_at_the_public_figure_threshold(run, recount):
    _, _, truth, _ = run
    at = {n: [a for a, u in recount.users.items() if u["followers"] == n and not u["verified"]]
          for n in (99_999, 100_000, 100_001)}
    assert all(at.values()), at
    notable = {j["author_id"] for j in truth["notable_joiners"]}
    assert not set(at[99_999]) & notable
    assert set(at[100_000]) | set(at[100_001]) <= notable | (
        set(recount.users) - set(truth["participant_ids"]) - set(truth["amplifier_ids"]))
