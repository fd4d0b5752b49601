"""One simulated campaign on several platforms at once: the posts shared out between the
crowds, one file per platform in its own format, and the planted campaign as one campaign
file. ``groundswell demo``, :func:`groundswell.api.simulate` and the tutorial notebook all
simulate this way, so a campaign on three platforms is written once, here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from groundswell.simulate import simulate
from groundswell.simulate.truth import campaign_toml

__all__ = ["PLATFORM_FORMATS", "PLATFORM_WEIGHTS", "DEMO_START", "Simulated",
           "parse_platforms", "share_posts", "simulate_platforms", "write_campaign_file"]

#: Each platform that can be simulated, with the format its posts are written in.
PLATFORM_FORMATS = {"twitter": "twitter-v2", "bluesky": "bluesky-jetstream",
                    "mastodon": "mastodon"}
#: How the posts are shared out (relative weights), roughly the size of each crowd.
PLATFORM_WEIGHTS = {"twitter": 5, "bluesky": 3, "mastodon": 2}
#: One moment for every platform, so that the curves overlap: the campaign of 2017 replayed
#: in 2025, when it would be collected on Bluesky and Mastodon.
DEMO_START = datetime(2025, 10, 15, 20, 21)

#: ``progress(platform, posts)`` → a context giving ``advance(n)`` (a progress bar), or None.
ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]


@dataclass(frozen=True)
class Simulated:
    """What :func:`simulate_platforms` wrote: one file and one ground truth per platform,
    the Mastodon stream's server (to ingest it with), and the planted campaign's file."""

    files: dict[str, Path]
    truths: dict[str, dict[str, Any]]
    campaign_file: Path
    server: str | None = None
    planted: dict[str, int] = field(default_factory=dict)


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


def write_campaign_file(truths: Sequence[dict[str, Any]], path: Path, command: str) -> Path:
    """The planted campaign of ``truths`` (one per platform) as one campaign file whose
    origin is the call to action on each platform; ``command`` is recorded in it."""
    path.write_text(campaign_toml(truths[0], command, also=truths[1:]), encoding="utf-8")
    return path


def simulate_platforms(out_dir: str | Path, posts: int,
                       platforms: Sequence[str] = ("twitter", "bluesky", "mastodon"),
                       seed: int = 0, command: str | None = None,
                       progress: ProgressFactory | None = None) -> Simulated:
    """Simulate one campaign of ``posts`` posts shared between ``platforms`` into
    ``out_dir`` (``metoo-<platform>.jsonl.gz``, or ``metoo.jsonl.gz`` for one platform) and
    write the planted campaign as ``metoo.campaign.toml`` (an origin on each platform).

    Several platforms share one start (:data:`DEMO_START`) so their curves overlap; one
    platform keeps the simulator's own. ``seed`` seeds the first platform, ``seed + 1`` the
    next… Same arguments → identical files. ``command`` is recorded in the campaign file."""
    for name in platforms:
        if name not in PLATFORM_FORMATS:
            parse_platforms(name)  # the error that names the choices
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    several = len(platforms) > 1
    files: dict[str, Path] = {}
    truths: dict[str, dict[str, Any]] = {}
    for i, (platform, count) in enumerate(share_posts(posts, platforms).items()):
        data = out_dir / (f"metoo-{platform}.jsonl.gz" if several else "metoo.jsonl.gz")
        bar = progress(platform, count) if progress else nullcontext(None)
        with bar as advance:
            truths[platform] = simulate(count, fmt=PLATFORM_FORMATS[platform], seed=seed + i,
                                        out=data, progress=advance,
                                        start=DEMO_START if several else None)
        files[platform] = data
    ordered = list(truths.values())
    command = command or (f"groundswell demo --posts {posts} --seed {seed} --platforms "
                          + ",".join(platforms))
    campaign_file = write_campaign_file(ordered, out_dir / "metoo.campaign.toml", command)
    planted = {key: sum(t[key] for t in ordered)
               for key in ("posts", "participants", "matched_posts")}
    return Simulated(files, truths, campaign_file,
                     next((t["server"] for t in ordered if t.get("server")), None), planted)
