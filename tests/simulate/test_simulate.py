"""The simulator: determinism, real formats, exact entities, and a truth that an independent
recount of the written file reproduces figure by figure, in every format (the Bluesky and
Mastodon specifics are in ``test_bluesky.py`` and ``test_mastodon.py``)."""

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
from simulate.conftest import FORMATS, ORIGIN_AT, POSTS, at
from simulate.sim_oracle import read_lines

import groundswell.simulate
from groundswell.campaign import Campaign
from groundswell.demo import campaign_from_truth
from groundswell.simulate import default_campaign_path, default_truth_path, simulate
from groundswell.simulate import phrases as P
from groundswell.simulate.clock import TWITTER_EPOCH_MS

#: How long a post may be on each platform: Twitter's 280 code points, Bluesky's 300
#: graphemes (our texts hold fewer graphemes than code points), Mastodon's 500 characters.
LONGEST = {"twitter-v2": 280, "twitter-v1": 280, "bluesky-jetstream": 300, "mastodon": 500}


@pytest.fixture(scope="module", params=FORMATS)
def run(request, simulated):
    return simulated(request.param)


@pytest.fixture(scope="module")
def recount(run):
    return run.recount


def test_every_format_is_tested():
    assert FORMATS == groundswell.simulate.FORMATS


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


@pytest.mark.parametrize("fmt", ["twitter-v1", "bluesky-jetstream", "mastodon"])
def test_bytes_do_not_depend_on_the_interpreter_hash_seed(fmt, tmp_path):
    """Set iteration order varies with PYTHONHASHSEED; nothing written may depend on it."""
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    simulate(1500, fmt=fmt, seed=2, out=here)
    code = ("from groundswell.simulate import simulate; "
            f"simulate(1500, fmt={fmt!r}, seed=2, out={str(there)!r})")
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


@pytest.mark.parametrize("fmt", FORMATS)
def test_explicit_truth_path_and_start(fmt, tmp_path):
    start = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    t = simulate(1500, fmt=fmt, seed=1, out=tmp_path / "x.jsonl",
                 truth=tmp_path / "t.json", start=start)
    assert json.loads((tmp_path / "t.json").read_text()) == t
    assert at(t["first_post"]) < start < at(t["last_post"])
    assert start <= at(t["response_tag_start"]) < start + timedelta(hours=14)


def test_the_same_seed_plants_the_same_campaign_in_every_format(simulated):
    """Only names and rendering differ: the same posts by kind, accounts, timeline (moved
    by whole days), tags on every post but reposts, and the same campaign figures."""
    base = simulated("twitter-v1").truth
    for fmt in FORMATS:
        t = simulated(fmt).truth
        shift = ORIGIN_AT[fmt] - ORIGIN_AT["twitter-v1"]
        assert (t["posts"], t["posts_by_kind"], t["accounts"], t["deleted"]) == (
            base["posts"], base["posts_by_kind"], base["accounts"], base["deleted"])
        assert (at(t["first_post"]), at(t["last_post"])) == (
            at(base["first_post"]) + shift, at(base["last_post"]) + shift)
        assert {k: at(v) - shift for k, v in t["variant_starts"].items()} == {
            k: at(v) for k, v in base["variant_starts"].items()}
        assert (t["participants"], t["replies_to_origin"], t["replies_to_origin_with_phrase"]
                ) == (base["participants"], base["replies_to_origin"],
                      base["replies_to_origin_with_phrase"])
        assert t["platform"] == ("twitter" if fmt.startswith("twitter") else fmt.split("-")[0])


# -- the file -------------------------------------------------------------------------------


def test_posts_is_exact_and_progress_adds_up(run):
    truth, steps = run.truth, run.steps
    assert truth["posts"] == POSTS
    assert sum(steps) == POSTS and all(s > 0 for s in steps)
    assert truth["deleted"] >= 1 and truth["malformed_lines"] >= 1


def test_every_line_is_json_except_the_planted_malformed_ones(run, recount):
    assert recount.malformed == run.truth["malformed_lines"] >= 1
    assert recount.lines == run.truth["lines"]


def test_independent_recount_equals_truth(run, recount):
    truth = run.truth
    got = recount.figures()
    for key, value in got.items():
        want = truth[key]
        if key == "handle_changes":  # the stream names the new handle only
            want = [{k: c[k] for k in ("author_id", "handle", "at")} for c in want]
        assert want == value, key


def test_truth_is_json_with_sorted_keys_and_int_counts(run):
    text = default_truth_path(run.path).read_text()
    truth = json.loads(text)
    assert truth == run.truth
    keys = list(truth)
    assert keys == sorted(keys)
    assert all(isinstance(v, int) for v in truth["tag_posts"].values())
    assert truth["campaign"]["variants"] == {"balancetonporc": "fr", "yotambien": "es",
                                             "quellavoltache": "it"}


def test_serialisation_is_byte_for_byte_the_platform_style(run):
    """v2 as twarc2 writes (json.dumps defaults); v1 as Twitter sent it (compact, \\/);
    Jetstream as Go writes it (compact, UTF-8, HTML-safe escapes); Mastodon's messages as
    its streaming server writes them (compact, UTF-8, the status JSON in a string)."""
    fmt = run.fmt
    checked = 0
    for line, obj in list(run.objects())[:400]:
        if fmt == "twitter-v2" and "data" in obj:
            assert line == json.dumps(obj) and line.isascii()
        elif fmt == "twitter-v1":
            assert line == json.dumps(obj, separators=(",", ":")).replace("/", "\\/")
            assert line.isascii()
        elif fmt == "bluesky-jetstream":
            go = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            assert line == go.replace("&", "\\u0026").replace("<", "\\u003c").replace(
                ">", "\\u003e")
        elif fmt == "mastodon":
            assert line == json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            if obj["event"] != "delete":
                status = json.loads(obj["payload"])
                assert obj["payload"] == json.dumps(status, separators=(",", ":"),
                                                    ensure_ascii=False)
        else:
            continue
        checked += 1
    assert checked > 50 if fmt != "twitter-v2" else checked > 20


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


def test_twitter_entities_match_the_text_by_code_points(run):
    """Bluesky's byte-indexed facets and Mastodon's markup: in their own modules."""
    fmt, path = run.fmt, run.path
    if not fmt.startswith("twitter"):
        pytest.skip("Twitter only")
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
    if run.fmt != "twitter-v1":
        pytest.skip("v1.1 only")
    long_posts = 0
    for st, _ in _v1_statuses(run.path):
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
    if run.fmt != "twitter-v2":
        pytest.skip("v2 only")
    pages = 0
    for obj, _ in _v2_tweets(run.path):
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


def test_twitter_ids_are_snowflakes_consistent_with_created_at(run):
    fmt, path = run.fmt, run.path
    if fmt == "twitter-v2":
        tweets = (t for _, ts in _v2_tweets(path) for t in ts)
        pairs = ((int(t["id"]), at(t["created_at"])) for t in tweets)
    elif fmt == "twitter-v1":
        pairs = ((st["id"], datetime.strptime(st["created_at"], "%a %b %d %H:%M:%S %z %Y"))
                 for st, _ in _v1_statuses(path))
    else:
        pytest.skip("Twitter only (Bluesky's TIDs and Mastodon's ids: in their own modules)")
    n = 0
    for post_id, created in pairs:
        ms = (post_id >> 22) + TWITTER_EPOCH_MS
        assert ms // 1000 == int(created.timestamp())
        n += 1
    assert n > POSTS


def _deleted_and_seen(run) -> tuple[list[str], set[str]]:
    """The posts the file deletes, each checked to have been written before its delete."""
    seen: set[str] = set()
    deletes = []
    for _, obj in run.objects():
        if run.fmt == "twitter-v2":
            if obj.get("action") == "delete":
                assert obj["id"] in seen and obj["reason"] == "deleted"
                deletes.append(obj["id"])
            else:
                seen.update(t["id"] for t in obj["data"])
        elif run.fmt == "twitter-v1":
            if "delete" in obj:
                deletes.append(obj["delete"]["status"]["id_str"])
                assert deletes[-1] in seen
            else:
                seen.add(obj["id_str"])
        elif run.fmt == "bluesky-jetstream":
            if obj["kind"] == "commit":
                c = obj["commit"]
                uri = f"at://{obj['did']}/{c['collection']}/{c['rkey']}"
                if c["operation"] == "delete":
                    assert uri in seen
                    deletes.append(uri)
                else:
                    seen.add(uri)
        elif obj["event"] == "delete":
            assert obj["payload"] in seen  # by the server's id
            deletes.append(obj["payload"])
        else:
            seen.add(json.loads(obj["payload"])["id"])
    return deletes, seen


def test_deletes_follow_their_post_and_are_absent(run, recount):
    deletes, _ = _deleted_and_seen(run)
    assert len(deletes) == len(set(deletes)) == run.truth["deleted"] >= 1
    assert len(recount.deleted) == run.truth["deleted"]
    assert not recount.deleted & set(recount.posts)


# -- the campaign ---------------------------------------------------------------------------


def test_origin_is_the_call_to_action(run, recount):
    truth = run.truth
    origin = recount.posts[truth["campaign"]["origin_post_ids"][0]]
    assert "me too" in origin["text"] and origin["kind"] == "original"
    assert origin["text"].endswith("this tweet." if run.fmt.startswith("twitter")
                                   else "this post.")
    assert origin["created"] == run.origin_at
    if run.fmt != "bluesky-jetstream":  # Jetstream carries no profiles
        assert recount.users[origin["author"]]["followers"] > 2_000_000
    assert truth["campaign"]["origin_tags"] == [] and not origin["tags"]
    assert truth["replies_to_origin"] > truth["replies_to_origin_with_phrase"] > 0


def test_response_tag_starts_hours_after_the_origin(run):
    truth = run.truth
    delay = at(truth["response_tag_start"]) - run.origin_at
    assert timedelta(hours=5) < delay < timedelta(hours=11)
    assert truth["tag_posts"]["ibelieveyou"] > POSTS // 50


def test_variants_start_days_later_in_their_language(run, recount):
    truth = run.truth
    for tag, lang in truth["campaign"]["variants"].items():
        start = at(truth["variant_starts"][tag])
        assert run.origin_at + timedelta(days=1) < start < run.origin_at + timedelta(days=5)
        carrying = [p for p in recount.posts.values() if tag in p["tags"]]
        # Mastodon leaves some statuses without a language
        assert carrying and all(p["lang"] in (lang, None) for p in carrying)
        assert sum(p["lang"] == lang for p in carrying) > len(carrying) // 2
        assert min(p["created"] for p in carrying).replace(microsecond=0) == start


def test_public_figures_join_early(run):
    truth = run.truth
    if run.fmt == "bluesky-jetstream":  # no follower counts, no badges: nobody is known
        assert truth["notable_joiners"] == []
        return
    # the cast of public figures (at least 150,000 followers), not the ordinary accounts
    # planted at the 100,000 threshold (groundswell.simulate.edges)
    big = [j for j in truth["notable_joiners"] if j["followers"] >= 150_000]
    assert len(big) >= 10
    for j in big:
        assert at(j["first_post_at"]) - run.origin_at < timedelta(hours=12)
    times = [at(j["first_post_at"]) for j in truth["notable_joiners"]]
    assert times == sorted(times)


def test_campaign_shape(run, recount):
    """A burst after the origin, decaying over days, on top of steady background."""
    truth = run.truth
    by_day = [0] * 12
    for p in recount.posts.values():
        if p["tags"] & recount.campaign_tags:
            by_day[(p["created"] - run.origin_at).days + 1] += 1
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


def test_posts_fit_the_platform(run, recount):
    longest = max(len(p["text"]) for p in recount.posts.values())
    assert 140 < longest <= LONGEST[run.fmt]


# -- what the simulator plants for the rules the data rarely shows --------------------------


def test_the_planted_campaign_is_written_as_a_campaign_file(run):
    """`groundswell report --campaign` on the file beside the data measures exactly the
    campaign the truth describes (origin on its platform, tags, window)."""
    truth = run.truth
    planted = Campaign.load(default_campaign_path(run.path))
    assert planted == campaign_from_truth(truth)
    assert planted.origins == tuple((truth["platform"], i)
                                    for i in truth["campaign"]["origin_post_ids"])
    origin = run.origin_at.replace(tzinfo=None)
    assert (planted.start, planted.end) == (origin - timedelta(hours=20),
                                            origin + timedelta(days=8))


def test_the_window_is_narrower_than_the_data(run, recount):
    """Campaign posts exist after the window's end, background before its start: the window
    decides, at scale too."""
    truth = run.truth
    tagged = [pid for pid, p in recount.posts.items() if p["tags"] & recount.campaign_tags]
    outside = [pid for pid in tagged if not recount.inside(pid)]
    assert len(outside) > 10
    assert min(p["created"] for p in recount.posts.values()) < recount.start
    assert sum(map(recount.matched, tagged)) == len(tagged) - len(outside)
    assert truth["matched_posts"] < len(tagged) + truth["posts_by_kind"]["repost"]


def test_reposts_of_reposts_are_planted_as_each_platform_records_them(run, recount):
    """Twitter data can hold chains (the matching rule's third clause must not follow them);
    Bluesky records a repost made from a repost against the original, naming the repost in
    ``via``; boosting a boost on Mastodon boosts the original."""
    posts = recount.posts
    chains = [pid for pid, p in posts.items() if p["kind"] == "repost"
              and posts[p["repost_of"]]["kind"] == "repost"]
    planted = round(0.002 * POSTS * 0.4)  # ~0.2 % of the ~40 % that are reposts
    if run.fmt.startswith("twitter"):
        assert len(chains) >= planted
        untagged = [pid for pid in chains if not posts[pid]["tags"]]
        assert untagged and not any(recount.matched(pid) for pid in untagged)
        return
    assert chains == []
    if run.fmt == "bluesky-jetstream":
        via = [p for p in posts.values() if p.get("via")]
        assert len(via) >= planted
        for p in via:
            made_from = posts[p["via"]["uri"]]
            assert made_from["kind"] == "repost" and made_from["repost_of"] == p["repost_of"]


def test_accounts_sit_at_the_public_figure_threshold(run, recount):
    truth = run.truth
    if run.fmt == "bluesky-jetstream":
        pytest.skip("Jetstream carries no follower counts")
    at_ = {n: [a for a, u in recount.users.items() if u["followers"] == n and not u["verified"]]
           for n in (99_999, 100_000, 100_001)}
    assert all(at_.values()), at_
    notable = {j["author_id"] for j in truth["notable_joiners"]}
    assert not set(at_[99_999]) & notable
    assert set(at_[100_000]) | set(at_[100_001]) <= notable | (
        set(recount.users) - set(truth["participant_ids"]) - set(truth["amplifier_ids"]))
