"""``groundswell demo``: the whole pipeline on a simulated #MeToo-like campaign, in one command."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console

from groundswell import api
from groundswell.campaign import Campaign, Variant
from groundswell.progress import byte_progress, count_progress
from groundswell.report.console import print_report
from groundswell.simulate import simulate
from groundswell.simulate.truth import campaign_toml


def campaign_from_truth(truth: dict) -> Campaign:
    """The campaign the simulator planted, as its campaign file says it (window included; the
    origin on the truth's platform, Twitter for truths written before platforms were named)."""
    planted = truth["campaign"]
    window = planted.get("window") or {}
    start, end = (datetime.fromisoformat(window[k].removesuffix("Z")) if window.get(k) else None
                  for k in ("start", "end"))
    return Campaign(
        name="MeToo (simulated)",
        main_tag=planted["main_tag"],
        variants=tuple(Variant(tag, lang) for tag, lang in planted["variants"].items()),
        response_tags=tuple(planted["response_tags"]),
        phrases=(planted["phrase"],),
        origins=tuple((truth.get("platform", "twitter"), i) for i in planted["origin_post_ids"]),
        public_figure_followers=planted["public_figure_followers"],
        start=start,
        end=end,
    )


#: Each platform the demo can simulate, with the format its posts are written in.
PLATFORM_FORMATS = {"twitter": "twitter-v2", "bluesky": "bluesky-jetstream",
                    "mastodon": "mastodon"}
#: How the demo's posts are shared out (relative weights), roughly the size of each crowd.
PLATFORM_WEIGHTS = {"twitter": 5, "bluesky": 3, "mastodon": 2}
#: One moment for every platform, so that the curves overlap: the campaign of 2017 replayed
#: in 2025, when it would be collected on Bluesky and Mastodon.
DEMO_START = datetime(2025, 10, 15, 20, 21)


def parse_platforms(text: str) -> tuple[str, ...]:
    """``"twitter, bluesky"`` → ``("twitter", "bluesky")``; unknown names are a clear error."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in PLATFORM_FORMATS]
    if unknown or not names:
        raise ValueError(f"unknown platform {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(PLATFORM_FORMATS)}")
    return names


def share_posts(posts: int, platforms: Sequence[str]) -> dict[str, int]:
    """``posts`` split by :data:`PLATFORM_WEIGHTS`, each platform at least one post, summing
    exactly to ``posts``."""
    if posts < len(platforms):
        raise ValueError(f"--posts must be at least {len(platforms)} for {len(platforms)} "
                         "platforms")
    weights = [PLATFORM_WEIGHTS[p] for p in platforms]
    shares = [max(1, posts * w // sum(weights)) for w in weights]
    shares[0] += posts - sum(shares)
    return dict(zip(platforms, shares, strict=True))


def write_campaign(truths: Sequence[dict], path: Path, command: str) -> Campaign:
    """The planted campaign as one campaign file (an origin on each simulated platform),
    written where the user can edit it and read back as ``report --campaign`` would."""
    path.write_text(campaign_toml(truths[0], command, also=truths[1:]), encoding="utf-8")
    return Campaign.load(path)


def run_demo(posts: int, workdir: Path, seed: int, out: Console, err: Console,
             platforms: Sequence[str] = ("twitter",)) -> dict:
    """Simulate the campaign on ``platforms`` (``posts`` shared between them), ingest every
    file into one store, print the report (per platform when there are several) and write
    the HTML page. Always starts from an empty store, so two runs give the same numbers."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "metoo.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    several = len(platforms) > 1
    files, truths = [], []
    for i, (platform, count) in enumerate(share_posts(posts, platforms).items()):
        fmt = PLATFORM_FORMATS[platform]
        data = workdir / (f"metoo-{platform}.jsonl.gz" if several else "metoo.jsonl.gz")
        with count_progress(count, f"simulate {platform}", err) as advance:
            truth = simulate(count, fmt=fmt, seed=seed + i, out=data, progress=advance,
                             start=DEMO_START if several else None)
        out.print(f"Simulated {truth['posts']:,} {platform} posts → {data}", highlight=False)
        files.append(data)
        truths.append(truth)
    server = next((t["server"] for t in truths if t.get("server")), None)
    with api.Store(db) as store:
        size = sum(f.stat().st_size for f in files)
        with byte_progress(size, "ingest", err) as (on_bytes, on_posts):
            summary = api.ingest(store, files, progress=on_bytes, posts_progress=on_posts,
                                 server=server)
        out.print(
            f"Ingested {summary.posts_added:,} posts ({summary.duplicates:,} duplicates, "
            f"{summary.quarantined:,} quarantined lines, {summary.deleted:,} deleted) "
            f"into {db} in {summary.seconds:.1f}s", highlight=False)
        command = f"groundswell demo --posts {posts} --seed {seed} --platforms " \
                  + ",".join(platforms)
        campaign = write_campaign(truths, workdir / "metoo.campaign.toml", command)
        results = api.report(store, campaign)
        print_report(api.publish(results, api.policy_of(campaign)), out)
        page = api.write_html(workdir / "report.html", store, campaign, results=results)
    out.print(f"HTML report: [bold]{page.resolve()}[/]", highlight=False)
    out.print(f"Again, or with your changes: groundswell report --db {db} "
              f"--campaign {workdir / 'metoo.campaign.toml'}", highlight=False, soft_wrap=True)
    return results
