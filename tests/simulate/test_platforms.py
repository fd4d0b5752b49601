"""One campaign simulated on several platforms (``api.simulate``, ``groundswell demo``)."""

from __future__ import annotations

import pytest

from groundswell import api
from groundswell.campaign import Campaign
from groundswell.simulate.platforms import PLATFORM_FORMATS, share_posts


def test_three_platforms_one_campaign_with_its_truth(tmp_path):
    sim = api.simulate(tmp_path / "a", posts=900, seed=4)
    assert list(sim.files) == ["twitter", "bluesky", "mastodon"]
    assert {p: t["posts"] for p, t in sim.truths.items()} == share_posts(900, list(sim.files))
    assert sim.planted["posts"] == 900
    assert sim.planted["participants"] == sum(t["participants"] for t in sim.truths.values())
    campaign = Campaign.load(sim.campaign_file)
    assert {platform for platform, _ in campaign.origins} == set(PLATFORM_FORMATS)
    assert sim.server == sim.truths["mastodon"]["server"]
    # the same arguments write the same bytes; another seed does not
    again = api.simulate(tmp_path / "b", posts=900, seed=4)
    other = api.simulate(tmp_path / "c", posts=900, seed=5)
    for platform, path in sim.files.items():
        assert path.read_bytes() == again.files[platform].read_bytes()
    assert sim.files["twitter"].read_bytes() != other.files["twitter"].read_bytes()
    # and the pipeline finds what was planted
    with api.Store(tmp_path / "s.duckdb") as store:
        api.ingest(store, list(sim.files.values()), server=sim.server)
        assert store.count("posts") == 900
        magnitude = api.report(store, campaign)["magnitude"]
    assert magnitude["participants"] == sim.planted["participants"]
    assert magnitude["posts"] == sim.planted["matched_posts"]


def test_one_platform_keeps_the_simulators_own_start(tmp_path):
    sim = api.simulate(tmp_path, posts=300, platforms=["bluesky"])
    assert [p.name for p in sim.files.values()] == ["metoo.jsonl.gz"]
    assert sim.server is None


def test_an_unknown_platform_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match="choose from twitter, bluesky, mastodon"):
        api.simulate(tmp_path, posts=300, platforms=["twitter", "myspace"])
    assert not any(tmp_path.iterdir())
