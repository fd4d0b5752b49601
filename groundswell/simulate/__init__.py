"""A deterministic simulator of a #MeToo-like campaign, written in real platform formats.

Why: the ingest + metrics pipeline must be tested against data whose answer is known
exactly. :func:`simulate` plants a realistic campaign, writes it the way twarc2 (Twitter
API v2), the v1.1 streaming API, Bluesky's Jetstream or a Mastodon server's streaming API
write real data, and returns/writes the ground truth it planted, computed with the same
counting rules as the ingester. The same seed plants the same campaign in every format (the
same model, timeline, kinds and tags); only the names, ids and rendering differ.

The campaign (details in :mod:`groundswell.simulate.model`):

* 2017-10-15T20:21:00Z (default; for Bluesky and Mastodon 2025-10-15T20:21:00Z, eight years
  to the day later, every time moved alike): a verified account with ~3M followers posts the call to
  action, *without* a hashtag: "If you’ve been sexually harassed or assaulted write ‘me too’
  as a reply to this tweet." (the truth records ``origin_tags: []``). Three hours later the
  same account thanks everyone, with #MeToo.
* A self-exciting cascade over ~9.5 days with a daily cycle: "me too" replies to the origin
  (often with #MeToo), #MeToo originals with short invented stories, replies inside
  threads, retweets and quotes. ~15 public figures (≥ 100k followers, most verified) join
  in the first hours and draw many retweets.
* #IBelieveYou appears 6–10 h after the origin and grows, mostly in replies. #BalanceTonPorc
  (fr), #YoTambien (es) and #QuellaVoltaChe (it) start 1.5–3.5 days later in their language.
* ~25% background posts (#NBA, #nowplaying, #MondayMotivation ...) at steady rates from a day
  before the origin.
* Hashtags in mixed case and occasional full-width forms (``＃MeToo``, ``#ＭｅＴｏｏ``), all of
  which normalise to ``metoo``; entities always match the text exactly (code points).
* ~0.1% of posts are deleted after being written (never one that anything references);
  ~0.01% of lines are broken (a truncated copy of a line that is also written whole, or
  garbage).
* Rare cases real collections hold (:mod:`groundswell.simulate.edges`): ~0.2% of reposts
  point at an earlier repost of the same post; trios of ordinary accounts have one follower
  fewer than the public-figure threshold, exactly it, and one more.

* Roles (issue 25): every authored post (original, reply, quote; a repost has no words of
  its own) is planted with one role — disclosure, support, commentary, opposition or other —
  and worded in its language (en, fr, es, it) from :mod:`.phrases`; among the campaign's
  matching authored posts about 45% disclose, 25% support, 15% comment, 5% oppose and 10%
  are other, disclosures early and support, commentary and backlash growing day by day
  (:mod:`.render`). ~14% of the campaign's posts are worded ambiguously (support telling of
  someone else's experience, commentary quoting a disclosure, sarcasm worded as support,
  "Same.", a bare hashtag, two roles at once) or as another role (noise): the planted role
  is the truth, the words only the evidence. Roles are drawn from a generator of their own,
  so every hashtag, mention and link is the same as without them.

The planted campaign is written beside the data as a campaign file
(``campaign.campaign.toml``: tags, variants, phrase, origin, response tag and a window from 20
hours before the call to action to 8 days after it, narrower than the data at both ends),
ready for ``groundswell report --campaign``; the truth's campaign figures are those of that
window. The planted roles are written beside it too (``campaign.roles.csv``: one row
``platform,post_id,role,lang,matching,ambiguous`` per stored authored post, ``post_id`` as
the store keeps it, ``lang`` the language its words were chosen in, ``matching`` 1 for the
posts the campaign counts, ``ambiguous`` 1 for the planted ambiguous and noisy ones); the
truth's ``roles`` (posts and accounts per role), ``roles_by_lang`` and ``roles_by_day`` (UTC
day of the store's time) count the matching authored posts, an account for every role one of
its matching authored posts has.

Files: ``twitter-v2`` is what ``twarc2 search --archive`` saves (one response page of ≤ 100
tweets per line, newest first, ``json.dumps`` style); ``twitter-v1`` is the v1.1 stream (one
status per line, oldest first, Twitter's compact ``\\/``-escaped JSON);
``bluesky-jetstream`` is Jetstream's firehose (one event per line: commits, deletes,
identity changes; :mod:`.bluesky`); ``mastodon`` the WebSocket messages of one server's
streaming API (statuses, edits, deletes by the server's ids; :mod:`.mastodon`; ingest it
with ``--server``, the truth's ``server``). Small runs scale the cast down: public figures
are ``posts // 200`` (all 15 from 3000 posts), the follow-up needs 20 posts, deletes, broken
lines and each platform's rare cases start at 1000 posts.

Counting rules the truth follows (the ingester's, over what each platform lets a store know:
:mod:`.view`): every tweet object anywhere in the file is one post keyed by id (v2: ``data``
and ``includes.tweets``; v1: the status and its embedded ``retweeted_status``/
``quoted_status``), a Bluesky record by its at-uri, a Mastodon status by its uri; kind is
repost > reply > quote > original; a post's hashtags are its own entities (v1:
``extended_tweet`` when present; Bluesky: facets; Mastodon: the content's hashtags; a Bluesky
repost or a Mastodon boost has none) normalised by :func:`groundswell.text.normalize_tag`;
posts are ordered by the time the store keeps (:mod:`.bluesky_plan` for Bluesky's
``createdAt``); inside the window a post matches if it carries
``metoo`` or a variant, is a reply to the origin containing "me too" as whole words, or
reposts a post matching by those two rules that is not itself a repost (docs/metrics.md);
participants author matching originals/replies/quotes, amplifiers only repost them.
``notable_joiners`` lists accounts with ≥ 100k followers or verified, in order of their
first matching post (of any kind), then of their id: none on Bluesky (its stream carries no
profiles), by followers alone on Mastodon (no badge).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from groundswell.simulate import (
    bluesky,
    bluesky_plan,
    derived,
    edges,
    mastodon,
    mastodon_plan,
    model,
    render,
    twitter_v1,
    twitter_v2,
)
from groundswell.simulate import truth as ground_truth
from groundswell.simulate.accounts import make_accounts
from groundswell.simulate.clock import DAY, DEFAULT_START, DailyCycle, to_ms
from groundswell.simulate.sink import (
    Sink,
    default_campaign_path,
    default_roles_path,
    default_truth_path,
)
from groundswell.simulate.view import twitter_view

FORMATS = ("twitter-v2", "twitter-v1", "bluesky-jetstream", "mastodon")
#: Formats whose campaign is dated later by default, by whole days (the same time of day, so
#: the same daily cycle): Bluesky and Mastodon 4.4 statuses did not exist in October 2017.
LATER_BY_DAYS = {"bluesky-jetstream": 2922, "mastodon": 2922}  # → 2025-10-15T20:21:00Z

__all__ = ["simulate", "FORMATS", "default_campaign_path", "default_truth_path",
           "default_roles_path"]


def simulate(posts: int, fmt: str = "twitter-v2", seed: int = 0,
             out: str | Path = "campaign.jsonl", truth: str | Path | None = None,
             progress: Callable[[int], None] | None = None,
             start: datetime | None = None,
             campaign: str | Path | None = None,
             roles: str | Path | None = None) -> dict[str, Any]:
    """Write ``posts`` simulated posts to ``out`` in format ``fmt``; return the ground truth.

    ``posts`` is the exact number of distinct posts a correct ingester stores (deleted posts
    excluded). ``out`` ending in ``.gz`` (or ``.zst``) is compressed. The truth goes to
    ``truth`` (default: ``out`` with ``.truth.json``, e.g. ``campaign.truth.json``), the
    planted campaign as a campaign file to ``campaign`` (default: ``out`` with
    ``.campaign.toml``), the planted role of every stored authored post to ``roles``
    (default: ``out`` with ``.roles.csv``). ``progress(n)`` is called with increments that
    add up to ``posts``. ``start`` is the origin post's time (default 2017-10-15T20:21:00Z,
    and eight years later for Bluesky and Mastodon: the same campaign, shifted). Same
    arguments → identical bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if posts < 1:
        raise ValueError("posts must be at least 1")
    out = Path(out)
    truth_path = Path(truth) if truth is not None else default_truth_path(out)
    # Millions of small tuples/dicts live until the end: the cyclic GC would rescan them
    # over and over (superlinear time) while there are no cycles to find.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        shift = 0 if start is not None else int(LATER_BY_DAYS.get(fmt, 0) * DAY * 1000)
        result, roles_csv = _run(posts, fmt, seed, out, progress,
                                 to_ms(start or DEFAULT_START), shift)
    finally:
        if gc_enabled:
            gc.enable()
    truth_path.write_bytes(orjson.dumps(result, option=orjson.OPT_SORT_KEYS
                                        | orjson.OPT_INDENT_2) + b"\n")
    command = f"groundswell simulate --posts {posts} --format {fmt} --seed {seed}"
    campaign_path = Path(campaign) if campaign is not None else default_campaign_path(out)
    campaign_path.write_text(ground_truth.campaign_toml(result, command), encoding="utf-8")
    roles_path = Path(roles) if roles is not None else default_roles_path(out)
    roles_path.write_bytes(roles_csv)
    return result


def _run(posts: int, fmt: str, seed: int, out: Path,
         progress: Callable[[int], None] | None, t0_ms: int,
         shift_ms: int) -> tuple[dict[str, Any], bytes]:
    """Model at ``t0_ms``, every time then moved by ``shift_ms``; plan and write ``fmt``.
    Returns the truth and the roles sidecar's bytes."""
    params = model.Params()
    seeds = np.random.SeedSequence(seed).spawn(5)  # the fifth (roles) came later
    rng_model, rng_render, rng_write, rng_derive, rng_roles = (np.random.default_rng(s)
                                                               for s in seeds)

    n_public = min(params.n_public, posts // 200)  # the full cast from 3000 posts on
    acc = make_accounts(rng_model, max(100, int(posts * 0.42)), n_public)
    clock = DailyCycle(t0_ms, -(params.lead_days + 1) * DAY, (params.horizon_days + 1) * DAY)
    camp = model.build(rng_model, posts, acc, clock, t0_ms, params)
    if shift_ms:
        camp.shift(shift_ms)
    edges.chain_reposts(rng_derive, camp)
    edges.threshold_accounts(rng_derive, camp, acc)
    rendered = render.render(rng_render, camp, acc, rng_roles)
    d = derived.derive(camp, acc, rng_derive)
    end_ms = camp.t0_ms + int(params.horizon_days * DAY * 1000)

    # What a store will hold (for the truth) and how to write it, per format. The truth is
    # computed first so that its temporaries are gone before the writer's caches grow.
    write: Callable[[Sink], int]
    if fmt == "bluesky-jetstream":
        bsky = bluesky_plan.make_plan(rng_write, camp, acc, rendered)
        view = bluesky_plan.store_view(bsky, camp, rendered)
        write = lambda sink: bluesky.write(  # noqa: E731
            sink, camp, bsky, rendered, d, rng_write, progress)
    elif fmt == "mastodon":
        masto = mastodon_plan.make_plan(rng_write, camp, acc, rendered)
        view = mastodon_plan.store_view(masto, camp, acc, rendered)
        write = lambda sink: mastodon.write(  # noqa: E731
            sink, camp, acc, masto, rendered, d, rng_write, progress)
    elif fmt == "twitter-v2":
        view = twitter_view(camp, acc, rendered)
        write = lambda sink: twitter_v2.write(  # noqa: E731
            sink, camp, acc, rendered, d, rng_write, progress, end_ms)
    else:
        view = twitter_view(camp, acc, rendered)
        write = lambda sink: twitter_v1.write(  # noqa: E731
            sink, camp, acc, rendered, d, rng_write, progress)
    m = ground_truth.matched(camp, view)
    result = ground_truth.compute(camp, view, seed=seed, fmt=fmt, roles=rendered,
                                  matched_rows=m)
    roles_csv = ground_truth.roles_csv(camp, view, rendered, m)
    del view, m

    sink = Sink(out)
    try:
        malformed = write(sink)
    finally:
        sink.close()
    result["lines"] = sink.lines
    result["malformed_lines"] = malformed
    return result, roles_csv
