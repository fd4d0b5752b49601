"""Campaign files: the example loads as written; mistakes are named by file, line and field."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from groundswell.campaign import Campaign, CampaignError, Variant
from groundswell.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metoo.toml"

GOOD = """\
name = "Test"

[tags]
main = "metoo"
response = ["ibelieveyou"]

[[tags.variants]]
tag = "yotambien"
lang = "es"

[window]
start = 2017-10-15T00:00:00Z
end = 2017-11-15T00:00:00Z

[public_figures]
min_followers = 5000
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line number of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(CampaignError) as info:
        Campaign.load(path)
    return str(info.value)


def test_example_loads_with_expected_fields():
    camp = Campaign.load(EXAMPLE)
    assert camp.name == "MeToo"
    assert camp.main_tag == "metoo"
    assert camp.variants == (Variant("balancetonporc", "fr"), Variant("yotambien", "es"),
                             Variant("quellavoltache", "it"))
    assert camp.tags == ("metoo", "balancetonporc", "yotambien", "quellavoltache")
    assert camp.response_tags == ("ibelieveyou",)
    assert camp.phrases == ("me too",)
    assert camp.phrases_only_in_replies_to_origin is True
    assert camp.origins == (("twitter", "919659058134925312"),)
    assert camp.origin_post_ids == ("919659058134925312",)
    assert camp.start == datetime(2017, 10, 15) and camp.start.tzinfo is None
    assert camp.end == datetime(2017, 11, 15)
    assert camp.public_figure_followers == 100_000
    assert camp.public_figure_verified is True
    assert camp.source == str(EXAMPLE)


def test_minimal_file_and_defaults(tmp_path):
    camp = Campaign.load(write(tmp_path, 'name = "X"\n[tags]\nmain = "#ＭｅＴｏｏ"\n'))
    assert (camp.name, camp.main_tag, camp.variants, camp.phrases) == ("X", "metoo", (), ())
    assert camp.start is None and camp.end is None and camp.origin_post_ids == ()
    assert camp.public_figure_followers == 100_000 and camp.public_figure_verified is True


def test_offsets_become_naive_utc(tmp_path):
    text = GOOD.replace("2017-10-15T00:00:00Z", "2017-10-15T02:00:00+02:00")
    assert Campaign.load(write(tmp_path, text)).start == datetime(2017, 10, 15)


def test_invalid_toml_names_the_line(tmp_path):
    text = GOOD.replace('main = "metoo"', 'main = "metoo')
    message = load_error(tmp_path, text)
    assert "c.toml" in message and "not valid TOML" in message
    assert f"line {line_of(text, 'main =')}" in message


@pytest.mark.parametrize(("old", "new", "field"), [
    ("min_followers = 5000", 'min_followers = "lots"', "public_figures.min_followers"),
    ("min_followers = 5000", "min_followers = true", "public_figures.min_followers"),
    ("min_followers = 5000", "min_followers = -1", "public_figures.min_followers"),
    ('response = ["ibelieveyou"]', 'response = "ibelieveyou"', "tags.response"),
    ('main = "metoo"', "main = 7", "tags.main"),
    ('lang = "es"', "lang = 34", "tags.variants.lang"),
    ('tag = "yotambien"', 'tag = "#"', "tags.variants.tag"),
    ("start = 2017-10-15T00:00:00Z", 'start = "yesterday"', "window.start"),
])
def test_wrong_values_name_file_line_and_field(tmp_path, old, new, field):
    text = GOOD.replace(old, new)
    message = load_error(tmp_path, text)
    assert f"c.toml:{line_of(text, new)}:" in message
    assert f"'{field}'" in message


def test_unknown_top_level_field(tmp_path):
    text = GOOD.replace('name = "Test"', 'name = "Test"\ncolour = "red"')
    message = load_error(tmp_path, text)
    assert f"c.toml:{line_of(text, 'colour')}:" in message
    assert "'colour'" in message and "unknown field" in message


def test_unknown_section(tmp_path):
    text = GOOD + "\n[windw]\nstart = 2017-10-15T00:00:00Z\n"
    message = load_error(tmp_path, text)
    assert f"c.toml:{line_of(text, '[windw]')}:" in message and "'windw'" in message


def test_missing_main_tag(tmp_path):
    text = GOOD.replace('main = "metoo"\n', "")
    message = load_error(tmp_path, text)
    assert "'tags.main'" in message and "main tag" in message


def test_window_end_before_start(tmp_path):
    text = GOOD.replace("end = 2017-11-15T00:00:00Z", "end = 2017-10-01T00:00:00Z")
    message = load_error(tmp_path, text)
    assert f"c.toml:{line_of(text, 'end =')}:" in message and "'window.end'" in message


def test_naive_datetime_is_refused(tmp_path):
    text = GOOD.replace("start = 2017-10-15T00:00:00Z", "start = 2017-10-15T00:00:00")
    message = load_error(tmp_path, text)
    assert f"c.toml:{line_of(text, 'start =')}:" in message and "'window.start'" in message
    assert "time zone" in message


def test_missing_file():
    with pytest.raises(CampaignError, match="no campaign file"):
        Campaign.load("/nonexistent/campaign.toml")


def test_error_in_second_variant_points_at_its_line(tmp_path):
    """Two ``[[tags.variants]]`` both have a ``tag =`` line; the message must name the bad
    one, not the first."""
    text = GOOD + '\n[[tags.variants]]\ntag = "#"\nlang = "fr"\n'
    message = load_error(tmp_path, text)
    assert "'tags.variants.tag'" in message
    assert f"c.toml:{line_of(text, 'tag = ', nth=2)}:" in message, message


def test_a_main_tag_with_a_space_is_not_a_hashtag(tmp_path):
    """No post can carry "#me too": a campaign built on it would silently match nothing."""
    message = load_error(tmp_path, GOOD.replace('main = "metoo"', 'main = "me too"'))
    assert "'tags.main'" in message


# -- the command line ---------------------------------------------------------------------

@pytest.fixture
def runner():
    return CliRunner()


def test_init_writes_a_loadable_file_and_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "x.toml"
    result = runner.invoke(main, ["campaign", "init", "Brexit", "-o", str(path)])
    assert result.exit_code == 0, result.output
    camp = Campaign.load(path)
    assert (camp.name, camp.main_tag) == ("Brexit", "brexit")
    first = path.read_text(encoding="utf-8")

    again = runner.invoke(main, ["campaign", "init", "Other", "-o", str(path)])
    assert again.exit_code == 1
    assert "exists" in again.output and "--force" in again.output
    assert path.read_text(encoding="utf-8") == first

    forced = runner.invoke(main, ["campaign", "init", "Other", "-o", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert Campaign.load(path).name == "Other"


@pytest.mark.parametrize("name", ["MeToo", "BlackLivesMatter", "#NiUnaMenos", "ＭｅＴｏｏ",
                                  'The "MeToo" movement'])
def test_init_file_loads_for_any_name(runner, tmp_path, name):
    path = tmp_path / "c.toml"
    result = runner.invoke(main, ["campaign", "init", name, "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert Campaign.load(path).name == name


def test_check_shows_how_the_file_was_understood(runner):
    result = runner.invoke(main, ["campaign", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    for part in ("MeToo", "#metoo", "#balancetonporc", "#yotambien", "#quellavoltache",
                 "#ibelieveyou", "'me too'", "919659058134925312"):
        assert part in out


def test_check_reports_errors_with_file_and_line(runner, tmp_path):
    text = GOOD.replace("min_followers = 5000", 'min_followers = "lots"')
    path = write(tmp_path, text)
    result = runner.invoke(main, ["campaign", "check", str(path)])
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert re.search(rf"c\.toml:{line_of(text, 'min_followers')}\b", out), out
    assert "public_figures.min_followers" in out


def test_check_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["campaign", "check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1 and "no campaign file" in result.output


def test_origins_on_several_platforms(tmp_path):
    """One call to action per platform: by name, beside (or instead of) platform + post_ids;
    the same origin twice is one."""
    camp = Campaign.load(write(tmp_path, 'name = "X"\n[tags]\nmain = "metoo"\n[origin]\n'
                               'post_ids = ["9196"]\ntwitter = ["9196"]\n'
                               'bluesky = ["at://did:plc:abc/app.bsky.feed.post/3k"]\n'
                               'mastodon = ["https://mastodon.social/users/a/statuses/1"]\n'))
    assert camp.origins == (("twitter", "9196"),
                            ("bluesky", "at://did:plc:abc/app.bsky.feed.post/3k"),
                            ("mastodon", "https://mastodon.social/users/a/statuses/1"))
    assert camp.origins_on("bluesky") == ("at://did:plc:abc/app.bsky.feed.post/3k",)
    only = Campaign.load(write(tmp_path, 'name = "X"\n[tags]\nmain = "metoo"\n[origin]\n'
                               'platform = "mastodon"\npost_ids = ["https://m.social/s/1"]\n'))
    assert only.origins == (("mastodon", "https://m.social/s/1"),)
    with pytest.raises(CampaignError, match=r":5: field 'origin.platform': expected one of"):
        Campaign.load(write(tmp_path, 'name = "X"\n[tags]\nmain = "metoo"\n[origin]\n'
                            'platform = "myspace"\n'))
