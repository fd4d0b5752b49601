"""``groundswell demo``: the whole pipeline on a simulated #MeToo-like campaign, in one command."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console

from groundswell import api
from groundswell.campaign import Campaign, Variant
from groundswell.progress import byte_progress, count_progress
from groundswell.report.console import print_report
from groundswell.simulate import simulate


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


def run_demo(posts: int, workdir: Path, seed: int, out: Console, err: Console) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "metoo.jsonl.gz"
    db = workdir / "metoo.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)  # the demo always starts from an empty store
    with count_progress(posts, "simulate", err) as advance:
        truth = simulate(posts, fmt="twitter-v2", seed=seed, out=data, progress=advance)
    out.print(f"Simulated {truth['posts']:,} posts → {data}", highlight=False)
    with api.Store(db) as store:
        with byte_progress(data.stat().st_size, "ingest", err) as (on_bytes, on_posts):
            summary = api.ingest(store, [data], progress=on_bytes, posts_progress=on_posts)
        out.print(
            f"Ingested {summary.posts_added:,} posts ({summary.duplicates:,} duplicates, "
            f"{summary.quarantined:,} quarantined lines, {summary.deleted:,} deleted) "
            f"into {db} in {summary.seconds:.1f}s", highlight=False)
        campaign = campaign_from_truth(truth)
        results = api.report(store, campaign)
        print_report(results, out)
        page = api.write_html(workdir / "report.html", store, campaign, results=results)
    out.print(f"HTML report: [bold]{page.resolve()}[/]", highlight=False)
    return results
