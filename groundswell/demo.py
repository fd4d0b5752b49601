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
from groundswell.simulate.platforms import (  # noqa: F401  (the demo's vocabulary, re-exported)
    DEMO_START,
    PLATFORM_FORMATS,
    PLATFORM_WEIGHTS,
    parse_platforms,
    share_posts,
    simulate_platforms,
    write_campaign_file,
)


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


def write_campaign(truths: Sequence[dict], path: Path, command: str) -> Campaign:
    """The planted campaign as one campaign file (an origin on each simulated platform),
    written where the user can edit it and read back as ``report --campaign`` would."""
    return Campaign.load(write_campaign_file(truths, path, command))


def run_demo(posts: int, workdir: Path, seed: int, out: Console, err: Console,
             platforms: Sequence[str] = ("twitter",)) -> dict:
    """Simulate the campaign on ``platforms`` (``posts`` shared between them), ingest every
    file into one store, print the report (per platform when there are several) and write
    the HTML page. Always starts from an empty store, so two runs give the same numbers."""
    db = workdir / "metoo.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    command = f"groundswell demo --posts {posts} --seed {seed} --platforms " \
              + ",".join(platforms)
    sim = simulate_platforms(workdir, posts, platforms, seed, command,
                             progress=lambda platform, count: count_progress(
                                 count, f"simulate {platform}", err))
    for platform, data in sim.files.items():
        out.print(f"Simulated {sim.truths[platform]['posts']:,} {platform} posts → {data}",
                  highlight=False)
    files, server = list(sim.files.values()), sim.server
    with api.Store(db) as store:
        size = sum(f.stat().st_size for f in files)
        with byte_progress(size, "ingest", err) as (on_bytes, on_posts):
            summary = api.ingest(store, files, progress=on_bytes, posts_progress=on_posts,
                                 server=server)
        out.print(
            f"Ingested {summary.posts_added:,} posts ({summary.duplicates:,} duplicates, "
            f"{summary.quarantined:,} quarantined lines, {summary.deleted:,} deleted) "
            f"into {db} in {summary.seconds:.1f}s", highlight=False)
        campaign = Campaign.load(sim.campaign_file)
        results = api.report(store, campaign)
        print_report(api.publish(results, api.policy_of(campaign)), out)
        page = api.write_html(workdir / "report.html", store, campaign, results=results)
    out.print(f"HTML report: [bold]{page.resolve()}[/]", highlight=False)
    out.print(f"Again, or with your changes: groundswell report --db {db} "
              f"--campaign {workdir / 'metoo.campaign.toml'}", highlight=False, soft_wrap=True)
    return results
