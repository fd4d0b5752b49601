"""`groundswell demo` runs the whole pipeline on one or several platforms and writes an
offline HTML page; its numbers are the simulator's truth."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from groundswell.campaign import Campaign
from groundswell.cli import main
from groundswell.demo import parse_platforms, share_posts


def _magnitude(output: str) -> str:
    """The combined magnitude panel (pseudonyms elsewhere differ from one store to another)."""
    return output.split("Magnitude")[1].split("Spread")[0]


def test_the_default_demo_shows_one_campaign_on_three_platforms(tmp_path):
    workdir = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--posts", "6000", "--dir", str(workdir)])
    assert result.exit_code == 0, result.output
    truths = {p: json.loads((workdir / f"metoo-{p}.truth.json").read_text())
              for p in ("twitter", "bluesky", "mastodon")}
    assert sum(t["posts"] for t in truths.values()) == 6000
    combined = _magnitude(result.output)
    assert f"{sum(t['matched_posts'] for t in truths.values()):,}" in combined
    assert f"{sum(t['participants'] for t in truths.values()):,}" in combined
    for platform, truth in truths.items():
        assert "never merged" in result.output
        alone = result.output.split(f"{platform} alone")[1]
        assert f"{truth['matched_posts']:,}" in _magnitude(alone)
    campaign = Campaign.load(workdir / "metoo.campaign.toml")  # the file the output names
    assert {p for p, _ in campaign.origins} == set(truths)
    assert "metoo.campaign.toml" in result.output
    page = (workdir / "report.html").read_text()
    assert '<section id="platforms">' in page
    assert all(f"<td>{p}</td>" in page for p in truths)
    assert "<script" in page and "Plotly" in page
    assert "<script src=" not in page and 'src="http' not in page  # works offline
    # a second run starts from scratch and gives the same numbers
    again = CliRunner().invoke(main, ["demo", "--posts", "6000", "--dir", str(workdir)])
    assert again.exit_code == 0
    # (private origins are pseudonyms under each fresh store's own key: compare the numbers)
    def numbers(panel: str) -> str:
        return re.sub(r"(acct|post)-[0-9a-f]+", "", panel)

    assert numbers(_magnitude(again.output)) == numbers(combined)


def test_a_demo_on_twitter_alone(tmp_path):
    workdir = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-n", "3000", "--dir", str(workdir),
                                       "--platforms", "twitter"])
    assert result.exit_code == 0, result.output
    truth = json.loads((workdir / "metoo.truth.json").read_text())
    assert f"{truth['matched_posts']:,}" in _magnitude(result.output)
    assert "never merged" not in result.output and "HTML report" in result.output


def test_unknown_platforms_are_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path),
                                       "--platforms", "twitter,myspace"])
    assert result.exit_code == 2
    assert "myspace" in result.output and "bluesky" in result.output
    assert not list(tmp_path.iterdir())  # nothing simulated


def test_posts_are_shared_exactly():
    assert share_posts(200_000, ("twitter", "bluesky", "mastodon")) == {
        "twitter": 100_000, "bluesky": 60_000, "mastodon": 40_000}
    assert sum(share_posts(7, ("twitter", "bluesky", "mastodon")).values()) == 7
    assert min(share_posts(3, ("twitter", "bluesky", "mastodon")).values()) == 1
    with pytest.raises(ValueError, match="at least 2"):
        share_posts(1, ("bluesky", "mastodon"))
    assert parse_platforms(" Bluesky , mastodon,bluesky") == ("bluesky", "mastodon")
